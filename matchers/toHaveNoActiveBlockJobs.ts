import type { ExpectationResult, MatcherContext, SyncExpectationResult } from 'expect';
import { isJsonObject } from './json-kinds';
import { hintLine, type MatcherCall, undecidable, usageError, wrongReceiver } from './matcher-call';
import {
  type Fetched,
  fetchReceived,
  fetchedList,
  judgeFetched,
  queryingMatcherCall,
} from './receivers';

const COMMAND = 'query-block-jobs';

/**
 * `await expect(vm).toHaveNoActiveBlockJobs()`: iotests' assert_no_active_block_jobs, i.e.
 * query-block-jobs returns []. The receiver is a VM (queried, so await it), the job list or
 * its `{return: [...]}` reply.
 */
export function toHaveNoActiveBlockJobs(
  this: MatcherContext,
  received: unknown,
  ...unexpected: unknown[]
): ExpectationResult {
  const call = queryingMatcherCall('toHaveNoActiveBlockJobs', received, '');
  const { utils } = this;
  if (unexpected.length > 0) {
    throw usageError(
      this,
      call,
      `toHaveNoActiveBlockJobs takes no arguments, got ${unexpected.length}`,
      utils.printWithType('First argument', unexpected[0], utils.printExpected),
    );
  }
  const fetched = fetchReceived(received, COMMAND, Array.isArray);
  if (fetched !== undefined) return judgeFetched(fetched, (f) => judge(this, call, f));
  throw wrongReceiver(
    this,
    call,
    `${utils.RECEIVED_COLOR('received')} value must be a VM, a ${COMMAND} list or its reply`,
    received,
  );
}

function judge(
  context: MatcherContext,
  call: MatcherCall,
  fetched: Fetched,
): SyncExpectationResult {
  const list = fetchedList(fetched, COMMAND);
  if (!list.ok) return undecidable(context, call, list.problem);
  const jobs = list.value;
  const { utils } = context;
  return {
    pass: jobs.length === 0,
    message: () =>
      `${hintLine(context, call)}\n\n` +
      (jobs.length === 0
        ? `Expected: at least one block job\nReceived: none (${COMMAND} returned [])`
        : `Expected: no block jobs\n` +
          `Received: ${jobs.length} block job${jobs.length === 1 ? '' : 's'}` +
          jobs.map((job) => `\n  ${utils.RECEIVED_COLOR(describeJob(job))}`).join('')),
  };
}

function describeJob(job: unknown): string {
  if (!isJsonObject(job)) return JSON.stringify(job) ?? String(job);
  const { device, type, status, offset, len } = job;
  const progress =
    typeof offset === 'number' && typeof len === 'number' ? `, ${offset}/${len}` : '';
  return `${JSON.stringify(device)} (${String(type)}, ${String(status)}${progress})`;
}
