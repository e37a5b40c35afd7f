// The iotests VM (the seed's `VM` class): a QemuMachine set up from this run's configuration,
// with the seed's builders, QMP conveniences, transcript logging, job, migration and bitmap helpers.
import type {
  EventPattern,
  JsonValue,
  QmpErrorBody,
  QmpClient,
  QmpEvent,
  QmpObject,
  QmpResponse,
} from '../qmp';
import { QemuMachine, type QmpCallConvOptions } from '../machine';
import { stringifyJson } from '../qmp/json';
import {
  unchecked,
  type AnyQmpEvent,
  type QmpCallParameters,
  type QmpCommand,
  type QmpEventAlternative,
  type QmpEventOf,
  type QmpEventPattern,
  type QmpEventSelector,
  type QmpReply,
  type QmpReturn,
} from '../qapi/calls';
import type { Qapi } from '../qapi/schema';
export type { QmpCallConvOptions } from '../machine';
import { fileContext } from './context';
import { filters } from './filters';
import {
  assertNoActiveBlockJobs,
  cancelAndWait,
  completeAndWait,
  pauseJob,
  pauseWait,
  waitReady,
  waitReadyAndCancel,
  waitUntilCompleted,
  type CancelAndWaitOptions,
  type CompleteAndWaitOptions,
  type JobEndEvent,
  type WaitUntilCompletedOptions,
} from './vm-job-waits';
import { runtime } from './runtime';
import { LUKS_DEFAULT_KEY_SECRET_OPT, luksDefaultSecretObject } from './tools/tool-config';
import { callLabel, trackOperation, type AnyFunction } from './test-scope';
import { logTo, qmpLogMessage } from './transcript';
import {
  checkBitmapStatus,
  getBitmap,
  nodeInfo,
  queryBitmaps,
  type BitmapsByNode,
  type GetBitmapOptions,
} from './vm-bitmaps';
import {
  blockdevCreate,
  runJob,
  type BlockdevCreateOptions,
  type QmpLogOptions,
  type RunJobOptions,
} from './vm-run-job';
import { handleValgrindLog, vmMachineOptions } from './vm-launch';
import { enableMigrationEvents, waitMigration } from './vm-migration';
import { flattenQmpObject, qmpToOpts, type FlatQmpObject } from './vm-qmp-objects';
import {
  currentTrackedVm,
  setCurrentTrackedVm,
  trackVm,
  trackedVms as allTracked,
} from './vm-registry';

export type { BlockdevCreateOptions, QmpLogOptions, RunJobOptions } from './vm-run-job';
export type { BitmapsByNode, GetBitmapOptions } from './vm-bitmaps';
export type { FlatQmpObject } from './vm-qmp-objects';
export { shutdownAllVms } from './vm-registry';

/** Options of `new VM()`. */
export interface VMOptions {
  /** Part of the VM's name (`qemu<suffix>-<pid>`), to tell several VMs of one test apart. */
  pathSuffix?: string;
  /**
   * 'halt' (the default where there is no qtest accelerator, on x86): boot a firmware that halts
   * at once, so that, as under qtest, no guest code runs (SeaBIOS would read the disks). 'default':
   * QEMU's own firmware, for tests that need a guest to run.
   */
  firmware?: 'halt' | 'default';
  /**
   * Start with the guest CPUs stopped (`-S`, the seed's 10.0 `add_paused()`): QEMU answers QMP in
   * runstate 'prelaunch' and no guest code runs until `cont`. For block tests that must not see
   * the guest (firmware reading the disks) whatever the accelerator.
   */
  paused?: boolean;
}

/** The names of the VM's asynchronous methods: each is an operation of the test that calls it. */
type AsyncMethod = {
  [K in keyof VM]: VM[K] extends (...args: never) => Promise<unknown> ? K : never;
}[keyof VM];

/** Options of `addDrive` (the seed's keyword arguments). */
export interface AddDriveOptions {
  /** More -drive options, appended as they are (e.g. 'node-name=n,read-only=on'). */
  opts?: string;
  /** if= (default 'virtio'). */
  interface?: string;
  /** format= (default the run's IMGFMT). */
  imgFormat?: string;
}

/** A QEMU VM for iotests: everything QemuMachine has plus the seed's VM helpers. */
export class VM extends QemuMachine {
  private numDrives = 0;
  private readonly testDir: string;
  private readonly valgrind: boolean;
  private readonly luksSecretObject: string;
  /** The pid of the current/last launch, for valgrind's %p log file. */
  private launchedPid: number | undefined;

  constructor(options: VMOptions = {}) {
    const { config, capabilities } = runtime();
    const context = fileContext();
    super(
      vmMachineOptions({
        pathSuffix: options.pathSuffix ?? '',
        firmware: options.firmware,
        paused: options.paused,
        config,
        capabilities,
        context,
      }),
    );
    this.testDir = context.testDir;
    this.valgrind = config.valgrindQemu;
    this.luksSecretObject = luksDefaultSecretObject(config);
    trackVm(this);
  }

  /** Start QEMU (see QemuMachine.launch); the VM is tracked for shutdownAllVms. */
  override launch(): Promise<void> {
    return this.operation('launch', [], async () => {
      trackVm(this);
      await super.launch();
      this.launchedPid = this.pid;
    });
  }

  /**
   * Stop QEMU (see QemuMachine.shutdown). Under valgrind, afterwards print valgrind's log when
   * it found errors (exit code 99), else remove the log, like the seed's _post_shutdown.
   */
  override shutdown(opts: { hardKill?: boolean; timeoutMs?: number } = {}): Promise<void> {
    return this.operation('shutdown', [opts], () => this.shutdownVm(opts));
  }

  private async shutdownVm(opts: { hardKill?: boolean; timeoutMs?: number }): Promise<void> {
    let shutdownError: unknown;
    try {
      await super.shutdown(opts);
    } catch (error: unknown) {
      shutdownError = error;
    }
    const pid = this.launchedPid;
    if (this.valgrind && pid !== undefined && !this.running) {
      this.launchedPid = undefined;
      try {
        handleValgrindLog(this.testDir, pid, this.exitCode, (text) => {
          process.stdout.write(`${text}\n`);
        });
      } catch (error: unknown) {
        // QEMU's own failure (e.g. exit code 99) says more than a missing valgrind log.
        shutdownError ??= error;
      }
    }
    if (shutdownError !== undefined) {
      throw shutdownError instanceof Error
        ? shutdownError
        : new Error('VM shutdown failed', { cause: shutdownError });
    }
  }

  // ---- command-line builders (before launch) ----

  /** -object `opts`: option text, or object-add's options (typed; QEMU takes them as JSON). */
  addObject(opts: string | Qapi.ObjectOptions): this {
    return this.addArgs('-object', typeof opts === 'string' ? opts : stringifyJson(opts));
  }

  /** -device `opts`. */
  addDevice(opts: string): this {
    return this.addArgs('-device', opts);
  }

  /** -drive `opts`, as given. */
  addDriveRaw(opts: string): this {
    return this.addArgs('-drive', opts);
  }

  /**
   * A -drive with id=drive<N> (N counts this VM's drives) and, for an image, file/format and the
   * run's cache and aio modes. LUKS images get the default secret object and key-secret unless
   * `opts` names a key-secret. `path` null: an empty drive.
   */
  addDrive(path: string | null, options: AddDriveOptions = {}): this {
    const { config } = runtime();
    const opts = options.opts ?? '';
    const imgFormat = options.imgFormat ?? fileContext().imgfmt;
    const parts = [`if=${options.interface ?? 'virtio'}`, `id=drive${this.numDrives}`];
    if (path !== null) {
      parts.push(
        `file=${path}`,
        `format=${imgFormat}`,
        `cache=${config.cachemode}`,
        `aio=${config.aiomode}`,
      );
    }
    if (opts !== '') {
      parts.push(opts);
    }
    if (imgFormat === 'luks' && !opts.includes('key-secret')) {
      if (!this.args.includes(this.luksSecretObject)) {
        this.addObject(this.luksSecretObject);
      }
      parts.push(LUKS_DEFAULT_KEY_SECRET_OPT);
    }
    this.addArgs('-drive', parts.join(','));
    this.numDrives += 1;
    return this;
  }

  /**
   * -blockdev with `opts`: option text (a list is joined with ','), or blockdev-add's options
   * (typed; QEMU takes them as JSON).
   */
  addBlockdev(opts: string | readonly string[] | Qapi.BlockdevOptions): this {
    return this.addArgs('-blockdev', blockdevArgument(opts));
  }

  /** -incoming `addr` (e.g. 'defer', 'unix:/path', 'exec:cat /file'). */
  addIncoming(addr: string): this {
    return this.addArgs('-incoming', addr);
  }

  /** QEMU 10.0's `add_paused`: -S, so the guest CPUs start stopped (no guest code reads the disks). */
  addPaused(): this {
    return this.addArgs('-S');
  }

  /** QEMU 10.0's `get_qmp`: the QMP connection of the running VM. */
  getQmp(): QmpClient {
    return this.qmpClient;
  }

  // ---- QMP ----
  // Every asynchronous method is an operation of the test that calls it (see test-scope.ts): a
  // test that ends before it settled fails with "missing await?", and what it logs late is dropped.

  /** An operation of the current test, named as the test called it: `vm.qmp('query-status')`. */
  private operation<T>(
    method: AsyncMethod,
    args: readonly unknown[],
    work: () => Promise<T>,
  ): Promise<T> {
    return trackOperation(
      () => callLabel(`${this.displayName()}.${method}`, args),
      work,
      // Only its identity is used: the reported stack starts at the test's call of it.
      // eslint-disable-next-line @typescript-eslint/unbound-method
      this[method] as AnyFunction,
    );
  }

  private displayName(): string {
    return currentTrackedVm() === this ? 'vm' : `VM(${this.name})`;
  }

  override qmp<C extends QmpCommand>(
    command: C,
    ...rest: QmpCallParameters<C, QmpCallConvOptions>
  ): Promise<QmpReply<C>>;
  override qmp(command: string, args?: QmpObject, opts?: QmpCallConvOptions): Promise<QmpResponse> {
    return this.operation('qmp', args === undefined ? [command] : [command, args], () =>
      super.qmp(unchecked(command), args, opts),
    );
  }

  override cmd<C extends QmpCommand>(
    command: C,
    ...rest: QmpCallParameters<C, QmpCallConvOptions>
  ): Promise<QmpReturn<C>>;
  override cmd(command: string, args?: QmpObject, opts?: QmpCallConvOptions): Promise<JsonValue> {
    return this.operation('cmd', args === undefined ? [command] : [command, args], () =>
      super.cmd(unchecked(command), args, opts),
    );
  }

  override eventWait<E extends QmpEventSelector>(
    name: E,
    opts?: { match?: QmpEventPattern<E>; timeoutMs?: number },
  ): Promise<QmpEventOf<E>>;
  override eventWait(
    name: string,
    opts?: { match?: EventPattern; timeoutMs?: number },
  ): Promise<QmpEvent> {
    return this.operation('eventWait', opts === undefined ? [name] : [name, opts], () =>
      super.eventWait(unchecked(name), { timeoutMs: opts?.timeoutMs, match: opts?.match }),
    );
  }

  override eventsWait<E extends QmpEventSelector>(
    events: ReadonlyArray<QmpEventAlternative<E>>,
    opts?: { timeoutMs?: number },
  ): Promise<QmpEventOf<E>>;
  override eventsWait(
    events: ReadonlyArray<readonly [string, EventPattern?]>,
    opts?: { timeoutMs?: number },
  ): Promise<QmpEvent> {
    return this.operation('eventsWait', [events], () =>
      super.eventsWait(
        events.map(([name, match]) => [unchecked(name), match] as const),
        opts,
      ),
    );
  }

  override getQmpEvents(opts?: { wait?: boolean | number }): Promise<AnyQmpEvent[]> {
    return this.operation('getQmpEvents', opts === undefined ? [] : [opts], () =>
      super.getQmpEvents(opts),
    );
  }

  override qtest(command: string): Promise<string> {
    return this.operation('qtest', [command], () => super.qtest(command));
  }

  /** human-monitor-command `commandLine`; with useLog through qmpLog. */
  hmp(
    commandLine: string,
    options: { useLog?: boolean } = {},
  ): Promise<QmpReply<'human-monitor-command'>> {
    const args = { 'command-line': commandLine };
    return options.useLog === true
      ? this.qmpLog('human-monitor-command', args)
      : this.qmp('human-monitor-command', args);
  }

  /** Pause `drive`'s I/O at blkdebug `event` (default: both read_aio and write_aio). */
  async pauseDrive(drive: string, event?: string): Promise<void> {
    if (event === undefined || event === '') {
      await this.pauseDrive(drive, 'read_aio');
      await this.pauseDrive(drive, 'write_aio');
      return;
    }
    await this.hmp(`qemu-io ${drive} "break ${event} bp_${drive}"`);
  }

  /** Resume `drive`'s I/O paused by pauseDrive. */
  async resumeDrive(drive: string): Promise<void> {
    await this.hmp(`qemu-io ${drive} "remove_break bp_${drive}"`);
  }

  /** Run qemu-io command `cmd` on `drive` through HMP (qdev: `drive` is a qdev id). */
  hmpQemuIo(
    drive: string,
    cmd: string,
    options: { useLog?: boolean; qdev?: boolean } = {},
  ): Promise<QmpReply<'human-monitor-command'>> {
    const qdev = options.qdev === true ? '-d ' : '';
    return this.hmp(`qemu-io ${qdev}${drive} "${cmd}"`, { useLog: options.useLog });
  }

  /** The seed's flatten_qmp_object: {a: {b: 1}} -> {'a.b': 1}. */
  flattenQmpObject(obj: unknown): FlatQmpObject {
    return flattenQmpObject(obj);
  }

  /** The seed's qmp_to_opts: a QMP object as 'key=value,a.b=value' option text. */
  qmpToOpts(obj: unknown): string {
    return qmpToOpts(obj);
  }

  /** The buffered events (waiting for one first unless wait is false), timestamps filtered. */
  async getQmpEventsFiltered(
    options: { wait?: boolean | number } = {},
  ): Promise<Array<Record<string, unknown>>> {
    const events = await this.getQmpEvents({ wait: options.wait ?? true });
    return events.map((event) => filters.qmpEvent(event));
  }

  /**
   * The seed's qmp_log: log {"execute": ..., "arguments": ...} (keys sorted, '_' -> '-'), run the
   * command, log the reply; both through `filters`. Resolves with the (unfiltered) reply.
   */
  qmpLog<C extends QmpCommand>(
    command: C,
    ...rest: QmpCallParameters<C, QmpLogOptions>
  ): Promise<QmpReply<C>>;
  qmpLog(command: string, args?: QmpObject, options: QmpLogOptions = {}): Promise<QmpResponse> {
    return trackOperation(
      () =>
        callLabel(`${this.displayName()}.qmpLog`, args === undefined ? [command] : [command, args]),
      async (scope) => {
        const logOptions = { filters: options.filters ?? [], indent: options.indent };
        logTo(scope, qmpLogMessage(command, args ?? {}), logOptions);
        const result = await this.qmp(unchecked(command), args ?? {});
        logTo(scope, result, logOptions);
        return result;
      },
      // eslint-disable-next-line @typescript-eslint/unbound-method -- identity only, as above
      this.qmpLog,
    );
  }

  // ---- jobs ----

  /** Follow job `job` to its end, logging its events and steps; null on success, else its error. */
  runJob(job: string, options: RunJobOptions = {}): Promise<string | null> {
    return this.operation('runJob', [job, options], () => runJob(this, job, options));
  }

  /** Log and run blockdev-create with `options` and its job; null on success, else the error. */
  blockdevCreate(
    options: Qapi.BlockdevCreateOptions,
    createOptions: BlockdevCreateOptions = {},
  ): Promise<string | QmpErrorBody | null> {
    return this.operation('blockdevCreate', [options], () =>
      blockdevCreate(this, options, createOptions),
    );
  }

  /** Cancel a block job and wait for its end (QMPTestCase.cancel_and_wait). */
  cancelAndWait(options: CancelAndWaitOptions = {}): Promise<JobEndEvent> {
    return this.operation('cancelAndWait', [options], () => cancelAndWait(this, options));
  }

  /** Wait until a block job completed (QMPTestCase.wait_until_completed). */
  waitUntilCompleted(
    options: WaitUntilCompletedOptions = {},
  ): Promise<QmpEventOf<'BLOCK_JOB_COMPLETED'>> {
    return this.operation('waitUntilCompleted', [options], () => waitUntilCompleted(this, options));
  }

  /** Wait for BLOCK_JOB_READY of a mirror/commit job (QMPTestCase.wait_ready). */
  waitReady(options: { drive?: string } = {}): Promise<QmpEventOf<'BLOCK_JOB_READY'>> {
    return this.operation('waitReady', [options], () => waitReady(this, options));
  }

  /** Wait until ready, then cancel a mirror job (QMPTestCase.wait_ready_and_cancel). */
  waitReadyAndCancel(options: { drive?: string } = {}): Promise<void> {
    return this.operation('waitReadyAndCancel', [options], () => waitReadyAndCancel(this, options));
  }

  /** Complete a mirror/commit job and wait for its end (QMPTestCase.complete_and_wait). */
  completeAndWait(options: CompleteAndWaitOptions = {}): Promise<void> {
    return this.operation('completeAndWait', [options], () => completeAndWait(this, options));
  }

  /** Wait (3 s) until a block job is paused (QMPTestCase.pause_wait); resolves with its entry. */
  pauseWait(options: { jobId?: string } = {}): Promise<Qapi.BlockJobInfo> {
    return this.operation('pauseWait', [options], () => pauseWait(this, options));
  }

  /** Pause a block job, by default waiting until it is paused (QMPTestCase.pause_job). */
  pauseJob(
    options: { jobId?: string; wait?: boolean } = {},
  ): Promise<Qapi.BlockJobInfo | QmpReply<'block-job-pause'>> {
    return this.operation('pauseJob', [options], () => pauseJob(this, options));
  }

  /** Check that query-block-jobs returns [] (QMPTestCase.assert_no_active_block_jobs). */
  assertNoActiveBlockJobs(): Promise<void> {
    return this.operation('assertNoActiveBlockJobs', [], () => assertNoActiveBlockJobs(this));
  }

  // ---- migration ----

  /** Log and enable the 'events' migration capability; `name` names the VM in the transcript. */
  enableMigrationEvents(name: string): Promise<void> {
    return this.operation('enableMigrationEvents', [name], () => enableMigrationEvents(this, name));
  }

  /** Log MIGRATION events until completed (true, after reaching `expectRunstate`) or failed (false). */
  waitMigration(expectRunstate: string | null): Promise<boolean> {
    return this.operation('waitMigration', [expectRunstate], () =>
      waitMigration(this, expectRunstate),
    );
  }

  // ---- block nodes and bitmaps ----

  /** The query-named-block-nodes entry of `nodeName`, or null. */
  nodeInfo(nodeName: string): Promise<Qapi.BlockDeviceInfo | null> {
    return nodeInfo(this, nodeName);
  }

  /** Dirty bitmaps by node name. */
  queryBitmaps(): Promise<BitmapsByNode> {
    return queryBitmaps(this);
  }

  /** One bitmap of a node (optionally with the given recording state), or null. */
  getBitmap(
    nodeName: string,
    bitmapName: string,
    options: GetBitmapOptions = {},
  ): Promise<Qapi.BlockDirtyInfo | null> {
    return getBitmap(this, nodeName, bitmapName, options);
  }

  /** Whether a bitmap has all of `fields` with those values. */
  checkBitmapStatus(
    nodeName: string,
    bitmapName: string,
    fields: Partial<Qapi.BlockDirtyInfo>,
  ): Promise<boolean> {
    return checkBitmapStatus(this, nodeName, bitmapName, fields);
  }
}

function blockdevArgument(opts: string | readonly string[] | Qapi.BlockdevOptions): string {
  if (typeof opts === 'string') return opts;
  return isStringList(opts) ? opts.join(',') : stringifyJson(opts);
}

function isStringList(opts: readonly string[] | Qapi.BlockdevOptions): opts is readonly string[] {
  return Array.isArray(opts);
}

/** Every VM of this test file that was created or launched since the last shutdownAllVms, oldest first. */
export function trackedVms(): VM[] {
  return allTracked().filter((vm): vm is VM => vm instanceof VM);
}

/** Make `vm` this test file's VM (the Jest environment's `vm`); undefined forgets it. */
export function setCurrentVm(vm: VM | undefined): void {
  setCurrentTrackedVm(vm);
}

/** This test file's VM; throws when there is none (outside the qemu-iotests preset). */
export function currentVm(): VM {
  const vm = currentTrackedVm();
  if (!(vm instanceof VM)) {
    throw new Error(
      'no current VM: the qemu-iotests Jest preset creates one per test file (`vm`); ' +
        'outside it, create one with `new VM()` and pass it explicitly',
    );
  }
  return vm;
}
