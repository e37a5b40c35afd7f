// The seed's VM.run_job and VM.blockdev_create (QEMU 7.2 versions: run_job takes `filters` and
// blockdev_create passes its filters on to run_job, so failed-job lines get filtered too): run a
// job to its end, logging it (waiting on a job a test started itself is vm-job-waits.ts).
import type { QmpErrorBody } from '../qmp';
import type { QmpEventAlternative } from '../qapi/calls';
import type { Qapi } from '../qapi/schema';
import { filters as iotestsFilters } from './filters';
import { log } from './transcript';
import type { LogFilter } from './transcript';
import { pyRepr, pyStr } from './pyjson';
import { IotestsAssertionError, pyEqual } from './vm-assert';
import type { VM } from './vm';

/** Options of `qmpLog`, as the seed's keyword arguments. */
export interface QmpLogOptions {
  /** Applied (in order) to the logged command and to the logged reply. */
  filters?: readonly LogFilter[];
  /** Pretty-print both with this indentation. */
  indent?: number | null;
}

/** What running a job needs from a VM. */
export type JobHost = Pick<VM, 'qmp' | 'qmpLog' | 'eventsWait'>;

/** Options of `runJob` (the seed's keyword arguments). */
export interface RunJobOptions {
  /** The job was started with auto-finalize (default true); false: runJob finalizes or cancels it. */
  autoFinalize?: boolean;
  /** The job was started with auto-dismiss (default false); false: runJob dismisses it. */
  autoDismiss?: boolean;
  /** Called when the job is pending, before job-finalize / job-cancel (only without autoFinalize). */
  preFinalize?: () => void | Promise<void>;
  /** Cancel instead of finalize when the job is pending (only without autoFinalize). */
  cancel?: boolean;
  /** Limit for each event wait in ms; default the event timeout (IOTESTS_EVENT_TIMEOUT). */
  wait?: number;
  /** Applied to every line runJob logs. */
  filters?: readonly LogFilter[];
}

/** Options of `blockdevCreate`. */
export interface BlockdevCreateOptions {
  /** Default 'job0'. */
  jobId?: string;
  /** Default [filters.qmpTestfiles]; also applied to the job's lines. */
  filters?: readonly LogFilter[];
}

type JobEventName = (typeof JOB_EVENTS)[number] | 'BLOCK_JOB_PENDING' | 'JOB_STATUS_CHANGE';

const JOB_EVENTS = [
  'BLOCK_JOB_COMPLETED',
  'BLOCK_JOB_CANCELLED',
  'BLOCK_JOB_ERROR',
  'BLOCK_JOB_READY',
] as const;

/**
 * The seed's run_job: follow job `job` through its states until it is gone, logging every
 * block-job event and the job-complete / job-finalize / job-cancel / job-dismiss it issues.
 * Resolves with null on success or the job's error string.
 */
export async function runJob(
  vm: JobHost,
  job: string,
  options: RunJobOptions = {},
): Promise<string | null> {
  // Kept: with '' it would wait the whole event timeout for a job that cannot exist.
  if (job === '') {
    throw new TypeError('runJob expects a job id (non-empty string), got ""');
  }
  const { autoFinalize = true, autoDismiss = false, preFinalize, cancel = false, wait } = options;
  const logFilters = options.filters ?? [];
  const events: Array<QmpEventAlternative<JobEventName>> = [
    ...JOB_EVENTS.map((name) => [name, { data: { device: job } }] as const),
    ['BLOCK_JOB_PENDING', { data: { id: job } }],
    ['JOB_STATUS_CHANGE', { data: { id: job } }],
  ];
  let error: string | null = null;
  for (;;) {
    const event = await vm.eventsWait(events, wait === undefined ? {} : { timeoutMs: wait });
    if (event.event !== 'JOB_STATUS_CHANGE') {
      log(iotestsFilters.qmpEvent(event), { filters: logFilters });
      continue;
    }
    const status = event.data.status;
    if (status === 'aborting') {
      error = (await failedJobError(vm, job, logFilters)) ?? error;
    } else if (status === 'ready') {
      await vm.qmpLog('job-complete', { id: job }, { filters: logFilters });
    } else if (status === 'pending' && !autoFinalize) {
      await preFinalize?.();
      await vm.qmpLog(cancel ? 'job-cancel' : 'job-finalize', { id: job }, { filters: logFilters });
    } else if (status === 'concluded' && !autoDismiss) {
      await vm.qmpLog('job-dismiss', { id: job }, { filters: logFilters });
    } else if (status === 'null') {
      return error;
    }
  }
}

/**
 * The seed's blockdev_create: log and run blockdev-create, then run the job to its end.
 * Resolves with null on success, the job's error string when the job failed, or QEMU's error
 * object when blockdev-create itself was refused. Logs an empty line at the end.
 */
export async function blockdevCreate(
  vm: JobHost,
  createOptions: Qapi.BlockdevCreateOptions,
  options: BlockdevCreateOptions = {},
): Promise<string | QmpErrorBody | null> {
  const jobId = options.jobId ?? 'job0';
  const logFilters = options.filters ?? [(msg: unknown) => iotestsFilters.qmpTestfiles(msg)];
  const result = await vm.qmpLog(
    'blockdev-create',
    { 'job-id': jobId, options: createOptions },
    { filters: logFilters },
  );
  let jobResult: string | QmpErrorBody | null;
  if ('return' in result) {
    if (!pyEqual(result.return, {})) {
      throw new IotestsAssertionError(
        `blockdev-create returned ${pyRepr(result.return)}, expected {}`,
      );
    }
    jobResult = await runJob(vm, jobId, { filters: logFilters });
  } else {
    jobResult = result.error;
  }
  log('');
  return jobResult;
}

// The 'aborting' step: find the job in query-jobs and log why it failed.
async function failedJobError(
  vm: JobHost,
  job: string,
  logFilters: readonly LogFilter[],
): Promise<string | null> {
  const result = await vm.qmp('query-jobs');
  if ('error' in result) {
    throw new Error(`query-jobs failed while job ${job} was aborting: ${JSON.stringify(result)}`);
  }
  let error: string | null = null;
  for (const entry of result.return) {
    if (entry.id === job) {
      error = pyStr(entry.error);
      // QMP filters take this string too (QEMU 7.2's filter_qmp applies them to a lone value).
      log(`Job failed: ${error}`, { filters: logFilters });
    }
  }
  return error;
}
