// Job helper paths a real QEMU does not produce on demand: the pause timeout, a job that
// vanishes, events of a foreign job, and run_job's handling of a failed job's filtered line.
import { beforeEach, describe, expect, test } from '@jest/globals';
import type { QmpCallConvOptions } from '../../../src/machine';
import type { QmpEvent, QmpObject, QmpResponse } from '../../../src/qmp';
import {
  unchecked,
  type AnyQmpEvent,
  type QmpCallParameters,
  type QmpCommand,
  type QmpEventAlternative,
  type QmpEventOf,
  type QmpEventSelector,
  type QmpReply,
} from '../../../src/qapi/calls';
import type { QmpEventData, QmpEventName } from '../../../src/qapi/schema';
import { filters } from '../../../src/iotests/filters';
import { cancelAndWait, pauseWait, type JobHelperHost } from '../../../src/iotests/vm-job-waits';
import { resetTranscript, transcript } from '../../../src/iotests/transcript';
import { setFileContext, resetFileContext } from '../../../src/iotests/context';
import { runJob, type JobHost, type QmpLogOptions } from '../../../src/iotests/vm-run-job';

function event<E extends QmpEventName>(name: E, data: QmpEventData<E>): QmpEventOf<E>;
function event(name: string, data: QmpObject): QmpEvent {
  return { event: name, data, timestamp: { seconds: 1, microseconds: 2 } };
}

/** A VM stand-in answering QMP from `replies` and handing out `events` in order. */
function scriptedVm(
  replies: Record<string, (args?: QmpObject) => QmpResponse>,
  events: AnyQmpEvent[] = [],
  unbounded = false,
): JobHelperHost & JobHost & { sent: string[] } {
  const sent: string[] = [];
  // Declared with the VM's typed signatures, answered untyped from the script.
  function qmp<C extends QmpCommand>(
    command: C,
    ...rest: QmpCallParameters<C, QmpCallConvOptions>
  ): Promise<QmpReply<C>>;
  function qmp(command: string, args?: QmpObject, _opts?: unknown): Promise<QmpResponse> {
    sent.push(command);
    const reply = replies[command];
    return reply === undefined
      ? Promise.reject(new Error(`unexpected QMP command ${command}`))
      : Promise.resolve(reply(args));
  }
  function qmpLog<C extends QmpCommand>(
    command: C,
    ...rest: QmpCallParameters<C, QmpLogOptions>
  ): Promise<QmpReply<C>>;
  function qmpLog(command: string, args?: QmpObject, _opts?: unknown): Promise<QmpResponse> {
    return qmp(unchecked(command), args);
  }
  function eventsWait<E extends QmpEventSelector>(
    alternatives: ReadonlyArray<QmpEventAlternative<E>>,
  ): Promise<QmpEventOf<E>>;
  function eventsWait(): Promise<QmpEvent> {
    const next = events.shift();
    return next === undefined ? Promise.reject(new Error('no more events')) : Promise.resolve(next);
  }
  return {
    sent,
    qmp,
    qmpLog,
    getQmpEvents: () => Promise.resolve(events.splice(0)),
    eventsWait,
    resumeDrive: () => Promise.resolve(),
    timeouts: { unbounded },
  };
}

beforeEach(() => {
  resetTranscript();
  resetFileContext();
});

describe('pauseWait', () => {
  test('gives up after 3 s with the seed message when the job never pauses', async () => {
    const vm = scriptedVm({
      'query-block-jobs': () => ({ return: [{ device: 'job0', paused: false, busy: true }] }),
    });
    const started = Date.now();
    await expect(pauseWait(vm)).rejects.toThrow('Timeout waiting for job to pause');
    // The limit is the seed's 3 s, not the QMP or event timeout.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('fails when the job is not there', async () => {
    const vm = scriptedVm({ 'query-block-jobs': () => ({ return: [] }) });
    await expect(pauseWait(vm, { jobId: 'job7' })).rejects.toThrow(
      'pause_wait: no block job with device "job7" in query-block-jobs (jobs: none)',
    );
  });
});

test('cancelAndWait checks that the events belong to the cancelled job', async () => {
  const vm = scriptedVm({ 'block-job-cancel': () => ({ return: {} }) }, [
    event('JOB_STATUS_CHANGE', { id: 'other', status: 'aborting' }),
  ]);
  await expect(cancelAndWait(vm)).rejects.toThrow(
    `'other' != 'drive0' : "data/id" is "other", expected "drive0"`,
  );
});

test('runJob logs a failed job through QMP filters (7.2 filter_qmp takes strings too)', async () => {
  setFileContext({ testDir: '/scratch', sockDir: '/sock', filePrefix: '42-' });
  const vm = scriptedVm(
    {
      'query-jobs': () => ({
        return: [{ id: 'job0', error: 'Could not open /scratch/42-t.qcow2: No such file' }],
      }),
      'job-dismiss': () => ({ return: {} }),
    },
    [
      event('JOB_STATUS_CHANGE', { id: 'job0', status: 'aborting' }),
      event('JOB_STATUS_CHANGE', { id: 'job0', status: 'concluded' }),
      event('JOB_STATUS_CHANGE', { id: 'job0', status: 'null' }),
    ],
  );
  const error = await runJob(vm, 'job0', { filters: [filters.qmpTestfiles] });
  expect(error).toBe('Could not open /scratch/42-t.qcow2: No such file');
  expect(transcript()).toBe('Job failed: Could not open TEST_DIR/PID-t.qcow2: No such file\n');
  expect(vm.sent).toEqual(['query-jobs', 'job-dismiss']);
});

test('runJob refuses an empty job id', async () => {
  await expect(runJob(scriptedVm({}), '')).rejects.toThrow(
    'runJob expects a job id (non-empty string), got ""',
  );
});
