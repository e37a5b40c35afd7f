// Waiting on a job that is already running: QMPTestCase's block-job helpers (cancel_and_wait,
// wait_until_completed, wait_ready, wait_ready_and_cancel, complete_and_wait, pause_wait,
// pause_job) as functions of a VM (starting a job and running it to its end is vm-run-job.ts).
// Failed checks throw IotestsAssertionError with the seed's messages. Their QMP paths are fixed
// literals, so a malformed one is a bug here and surfaces as vm-assert's TypeError, never as a
// failed check.
import type { QmpEventOf, QmpReply } from '../qapi/calls';
import type { Qapi } from '../qapi/schema';
import { raceTimeout } from './race-timeout';
import type { VM } from './vm';
import { IotestsAssertionError, assertEqual, assertQmp, assertQmpAbsent, check } from './vm-assert';

/** The seed's Timeout(3, ...) around pause_wait. */
export const PAUSE_WAIT_TIMEOUT_MS = 3_000;

/** What the job helpers need from a VM. */
export type JobHelperHost = Pick<VM, 'qmp' | 'getQmpEvents' | 'eventsWait' | 'resumeDrive'> & {
  /** True under gdb/valgrind: the seed's Timeout is off there. */
  readonly timeouts: { readonly unbounded: boolean };
};

/** The event a job ended with. */
export type JobEndEvent = QmpEventOf<'BLOCK_JOB_COMPLETED' | 'BLOCK_JOB_CANCELLED'>;

/** Options of `cancelAndWait`. */
export interface CancelAndWaitOptions {
  /** The job's device / id; default 'drive0'. */
  drive?: string;
  /** block-job-cancel's force (default false). */
  force?: boolean;
  /** Resume the drive (resumeDrive) after cancelling, for drives paused with pauseDrive. */
  resume?: boolean;
  /** Limit for each event wait in ms; default the event timeout. */
  wait?: number;
}

/** Options of `waitUntilCompleted`. */
export interface WaitUntilCompletedOptions {
  drive?: string;
  /** Check that offset == len in the completion event (default true, without `error`). */
  checkOffset?: boolean;
  /** Limit for each event wait in ms; default the event timeout. */
  wait?: number;
  /** The error the completion event must carry; undefined = it must carry none. */
  error?: string;
}

/** Options of `completeAndWait`. */
export interface CompleteAndWaitOptions {
  drive?: string;
  /** Wait for BLOCK_JOB_READY first (default true). */
  waitReady?: boolean;
  /** The error the completion must report, if any. */
  completionError?: string;
}

/** Cancel a block job and wait for it to end; resolves with the COMPLETED/CANCELLED event. */
export async function cancelAndWait(
  vm: JobHelperHost,
  options: CancelAndWaitOptions = {},
): Promise<JobEndEvent> {
  const { drive = 'drive0', force = false, resume = false, wait } = options;
  const result = await vm.qmp('block-job-cancel', { device: drive, force });
  assertQmp(result, 'return', {});
  if (resume) {
    await vm.resumeDrive(drive);
  }
  let ended: JobEndEvent | undefined;
  while (ended === undefined) {
    for (const event of await vm.getQmpEvents({ wait: wait ?? true })) {
      if (event.event === 'BLOCK_JOB_COMPLETED' || event.event === 'BLOCK_JOB_CANCELLED') {
        assertQmp(event, 'data/device', drive);
        ended = event;
      } else if (event.event === 'JOB_STATUS_CHANGE') {
        assertQmp(event, 'data/id', drive);
      }
    }
  }
  await assertNoActiveBlockJobs(vm);
  return ended;
}

/** Wait for a block job to complete (checking error / offset); resolves with the event. */
export async function waitUntilCompleted(
  vm: JobHelperHost,
  options: WaitUntilCompletedOptions = {},
): Promise<QmpEventOf<'BLOCK_JOB_COMPLETED'>> {
  const { drive = 'drive0', checkOffset = true, wait, error } = options;
  for (;;) {
    for (const event of await vm.getQmpEvents({ wait: wait ?? true })) {
      if (event.event === 'BLOCK_JOB_COMPLETED') {
        assertQmp(event, 'data/device', drive);
        if (error === undefined) {
          assertQmpAbsent(event, 'data/error');
          if (checkOffset) {
            assertQmp(event, 'data/offset', event.data.len);
          }
        } else {
          assertQmp(event, 'data/error', error);
        }
        await assertNoActiveBlockJobs(vm);
        return event;
      }
      if (event.event === 'JOB_STATUS_CHANGE') {
        assertQmp(event, 'data/id', drive);
      }
    }
  }
}

/** Wait for BLOCK_JOB_READY of a mirror or commit job on `drive`; resolves with the event. */
export function waitReady(
  vm: JobHelperHost,
  options: { drive?: string } = {},
): Promise<QmpEventOf<'BLOCK_JOB_READY'>> {
  const drive = options.drive ?? 'drive0';
  return vm.eventsWait([
    ['BLOCK_JOB_READY', { data: { type: 'mirror', device: drive } }],
    ['BLOCK_JOB_READY', { data: { type: 'commit', device: drive } }],
  ]);
}

/** Wait until a mirror job is ready, cancel it, and check it completed with offset == len. */
export async function waitReadyAndCancel(
  vm: JobHelperHost,
  options: { drive?: string } = {},
): Promise<void> {
  const drive = options.drive ?? 'drive0';
  await waitReady(vm, { drive });
  const event = await cancelAndWait(vm, { drive });
  assertEqual(event.event, 'BLOCK_JOB_COMPLETED');
  assertQmp(event, 'data/type', 'mirror');
  assertQmp(event, 'data/offset', event.data.len);
}

/** Complete a mirror/commit job (after it is ready) and wait until it has completed. */
export async function completeAndWait(
  vm: JobHelperHost,
  options: CompleteAndWaitOptions = {},
): Promise<void> {
  const { drive = 'drive0', waitReady: shouldWaitReady = true, completionError } = options;
  if (shouldWaitReady) {
    await waitReady(vm, { drive });
  }
  const result = await vm.qmp('block-job-complete', { device: drive });
  assertQmp(result, 'return', {});
  const event = await waitUntilCompleted(vm, { drive, error: completionError });
  const type = event.data.type;
  check(type === 'mirror' || type === 'commit', 'False is not true');
}

/**
 * Poll query-block-jobs until job `jobId` is paused and not busy; resolves with its entry.
 * Gives up after 3 s ("Timeout waiting for job to pause"), without limit under gdb/valgrind.
 */
export async function pauseWait(
  vm: JobHelperHost,
  options: { jobId?: string } = {},
): Promise<Qapi.BlockJobInfo> {
  const jobId = options.jobId ?? 'job0';
  const deadline = vm.timeouts.unbounded ? undefined : Date.now() + PAUSE_WAIT_TIMEOUT_MS;
  for (;;) {
    const result = await beforeDeadline(vm.qmp('query-block-jobs'), deadline);
    if ('error' in result) {
      throw new IotestsAssertionError(`query-block-jobs failed: ${JSON.stringify(result)}`);
    }
    const jobs = result.return;
    const job = jobs.find((entry) => entry.device === jobId);
    if (job === undefined) {
      throw new IotestsAssertionError(
        `pause_wait: no block job with device "${jobId}" in query-block-jobs ` +
          `(jobs: ${jobs.map((entry) => JSON.stringify(entry.device)).join(', ') || 'none'})`,
      );
    }
    if (job.paused && !job.busy) {
      return job;
    }
    if (deadline !== undefined && Date.now() >= deadline) {
      throw new Error(PAUSE_TIMEOUT_MESSAGE);
    }
  }
}

/** block-job-pause job `jobId`; with `wait` (default true) resolve with pauseWait's entry, else the reply. */
export async function pauseJob(
  vm: JobHelperHost,
  options: { jobId?: string; wait?: boolean } = {},
): Promise<Qapi.BlockJobInfo | QmpReply<'block-job-pause'>> {
  const { jobId = 'job0', wait = true } = options;
  const result = await vm.qmp('block-job-pause', { device: jobId });
  assertQmp(result, 'return', {});
  return wait ? pauseWait(vm, { jobId }) : result;
}

/** QMPTestCase.assert_no_active_block_jobs: query-block-jobs returns []. */
export async function assertNoActiveBlockJobs(vm: Pick<JobHelperHost, 'qmp'>): Promise<void> {
  assertQmp(await vm.qmp('query-block-jobs'), 'return', []);
}

const PAUSE_TIMEOUT_MESSAGE = 'Timeout waiting for job to pause';

// The seed's SIGALRM interrupts a pending QMP call too: race it against the deadline.
async function beforeDeadline<T>(promise: Promise<T>, deadline: number | undefined): Promise<T> {
  if (deadline === undefined) {
    return promise;
  }
  // The call may settle after the deadline; its outcome no longer matters (raceTimeout drops it,
  // a late rejection included).
  return await raceTimeout(promise, Math.max(0, deadline - Date.now()), (): never => {
    throw new Error(PAUSE_TIMEOUT_MESSAGE);
  });
}
