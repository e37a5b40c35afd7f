// One QEMU process: command line, private socket dir, launch with QMP (and optionally qtest and a
// serial console), output capture, and a shutdown that always cleans up: quit -> SIGTERM ->
// SIGKILL, each bounded.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  QmpClient,
  QmpCommandError,
  QmpConnectionLostError,
  type EventPattern,
  type JsonValue,
  type QmpClientOptions,
  type QmpEvent,
  type QmpExchangeRecord,
  type QmpObject,
  type QmpResponse,
} from '../qmp';
import { sleep } from '../common/sleep';
import { buildCommandLine, socketPathList, type MachineSocketPaths } from './command-line';
import {
  QemuAbnormalExitError,
  QemuLaunchError,
  QemuMachineError,
  describeExit,
  type QemuExitReport,
} from './errors';
import { sharedMachineState } from './host-process';
import { notifyObserver, type MachineProcessStatus, type ObservedMachine } from './observer';
import { OutputLog } from './output-log';
import { exitOfDyingProcess } from './proc-info';
import { QtestClient } from './qtest';
import { registerSpawnedChild, type SpawnedChildRegistration } from './registry';
import {
  SingleConnectionListener,
  checkSocketPathLengths,
  createPrivateDir,
  movedOutPath,
  plannedSocketPaths,
  removePrivateDir,
  socketPathsIn,
  type SocketNeeds,
} from './socket-dir';
import { KILL_WAIT_MS, TERM_GRACE_MS, resolveTimeouts, type MachineTimeouts } from './timeouts';
import { convertArgumentKeys, type QmpCallConvOptions } from './qmp-args';
import type {
  AnyQmpEvent,
  QmpCallParameters,
  QmpCommand,
  QmpEventAlternative,
  QmpEventOf,
  QmpEventPattern,
  QmpEventSelector,
  QmpReply,
  QmpReturn,
} from '../qapi/calls';

/** How to run one QEMU. */
export interface QemuMachineOptions {
  /** The qemu-system-* binary. */
  binary: string;
  /** Extra arguments appended after the generated ones. */
  args?: string[];
  /** Prefix such as ['gdbserver', ':1234'] or ['valgrind', ...]; lifts default timeouts. */
  wrapper?: string[];
  /** Used in log file names; default `qemu-<pid>-<n>`. */
  name?: string;
  /** Where the private 0700 socket dir is created (default os.tmpdir()); keep it short. */
  sockDir?: string;
  /** Where `<name>.log` (QEMU's stdout+stderr) goes; default the private dir (removed at shutdown). */
  logDir?: string;
  /** Accelerators in order of preference, each becoming `-accel X`; default ['tcg'], [] for none. */
  accel?: string[];
  /** `-machine X`; omitted when undefined. */
  machineType?: string;
  /** Adds a qtest chardev and `-qtest`, enabling qtest(). */
  qtest?: boolean;
  /** Adds a serial console (`-serial`) backed by a socket: consoleSocket / consoleOutput(). */
  console?: boolean;
  /** `-display none -vga none -nodefaults` (default true). */
  defaultArgs?: boolean;
  /** Launch limit in ms, default 30 000 (IOTESTS_LAUNCH_TIMEOUT). */
  launchTimeoutMs?: number;
  /** Graceful quit limit in ms, default 30 000 (IOTESTS_SHUTDOWN_TIMEOUT). */
  shutdownTimeoutMs?: number;
  /** Passed to the QmpClient. */
  qmp?: QmpClientOptions;
  /** Send QEMU's output to our stdout/stderr instead of the log file (PRINT_QEMU). */
  printOutput?: boolean;
  /** QEMU's environment (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** Console output kept in memory; older output is dropped past this. */
const CONSOLE_BUFFER_LIMIT = 1 << 20;
/** After the QMP connection broke during launch, how long QEMU gets to finish dying. */
const LAUNCH_EXIT_GRACE_MS = 1_000;

interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Everything that belongs to one launch; dropped at shutdown. */
interface Run {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly dir: string;
  readonly commandLine: string[];
  /** QEMU's output, unless printOutput sends it to our stdout/stderr. */
  readonly log: OutputLog | undefined;
  readonly registration: SpawnedChildRegistration;
  readonly exited: Promise<void>;
  readonly signalsSent: Set<NodeJS.Signals>;
  listeners: SingleConnectionListener[];
  exit: ExitStatus | undefined;
  qmp: QmpClient | undefined;
  qtest: QtestClient | undefined;
  console: Socket | undefined;
  consoleChunks: Buffer[];
  consoleBytes: number;
  quitIssued: boolean;
  /** The private dir's removal: started once QEMU is told to go, else at release. */
  dirRemoval: Promise<void> | undefined;
}

/** What the last run left behind, for reports once it is over; replaced by the next launch. */
interface RunRecord {
  readonly exit: ExitStatus | undefined;
  readonly commandLine: string[];
  /** QEMU's output; undefined when it was not captured. */
  readonly log: string | undefined;
  readonly console: string;
  readonly history: QmpExchangeRecord[];
}

/**
 * The machine's one state; it changes only in `moveTo`. idle: nothing runs (never launched, or
 * shut down: `lastRun` tells how it went). launching: a launch is in progress, its run known once
 * QEMU is spawned (so kill() can reach it). launched: QEMU was started and connected (it may have
 * died since: `run.exit` says). stopping: a shutdown is in progress, shared by every caller.
 */
type MachineState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'launching'; readonly attempt: Promise<void>; readonly run?: Run }
  | { readonly kind: 'launched'; readonly run: Run }
  | { readonly kind: 'stopping'; readonly run: Run; readonly done: Promise<void> };

/** The transitions `moveTo` allows, from each state. */
const TRANSITIONS: Readonly<Record<MachineState['kind'], readonly MachineState['kind'][]>> = {
  idle: ['launching'],
  launching: ['launching', 'launched', 'idle'],
  launched: ['stopping'],
  stopping: ['idle'],
};

const NAME_PATTERN = /^[\w.+-]+$/;

/** A QEMU process driven over QMP. */
export class QemuMachine implements ObservedMachine {
  readonly name: string;
  /** Extra arguments; add to them (addArgs) before a launch, they apply to every later launch. */
  readonly args: string[];
  /** The time limits in force (defaults, options, and the slow-wrapper rule applied). */
  readonly timeouts: MachineTimeouts;

  private readonly binary: string;
  private readonly wrapper: string[];
  private readonly sockDir: string;
  private readonly logDir: string | undefined;
  private readonly accel: string[];
  private readonly options: QemuMachineOptions;
  private readonly socketNeeds: SocketNeeds;
  private state: MachineState = { kind: 'idle' };
  private lastRun: RunRecord | undefined;

  constructor(options: QemuMachineOptions) {
    const name = options.name ?? `qemu-${process.pid}-${++sharedMachineState().machineCounter}`;
    // Kept: the name goes into socket and log file names, where a '/' would fail obscurely.
    if (!NAME_PATTERN.test(name)) {
      throw new TypeError(
        `QemuMachine: name ${JSON.stringify(name)} is not usable in file names; ` +
          'use letters, digits, ".", "_", "+" and "-"',
      );
    }
    this.options = options;
    this.name = name;
    this.binary = options.binary;
    this.args = [...(options.args ?? [])];
    this.wrapper = [...(options.wrapper ?? [])];
    this.accel = [...(options.accel ?? ['tcg'])];
    this.sockDir = options.sockDir ?? tmpdir();
    this.logDir = options.logDir;
    this.socketNeeds = { qtest: options.qtest === true, console: options.console === true };
    this.timeouts = resolveTimeouts(
      {
        launchMs: options.launchTimeoutMs,
        shutdownMs: options.shutdownTimeoutMs,
        commandMs: options.qmp?.commandTimeoutMs,
        handshakeMs: options.qmp?.handshakeTimeoutMs,
        eventMs: options.qmp?.eventTimeoutMs,
      },
      this.wrapper,
    );
  }

  /** Appends arguments for the next launch. */
  addArgs(...args: string[]): this {
    this.args.push(...args);
    return this;
  }

  /** Whether QEMU was launched and has not exited. */
  get running(): boolean {
    const run = this.launchedRun();
    return run !== undefined && run.exit === undefined;
  }

  /** QEMU's pid (the wrapper's, with a wrapper) while it runs. */
  get pid(): number | undefined {
    return this.running ? this.launchedRun()?.pid : undefined;
  }

  /** Exit code of the last run; null while running, before any launch, or after a signal. */
  get exitCode(): number | null {
    return this.currentOrLastExit()?.code ?? null;
  }

  /** The signal that ended the last run, if one did. */
  get exitSignal(): NodeJS.Signals | null {
    return this.currentOrLastExit()?.signal ?? null;
  }

  /**
   * How QEMU is doing now. Unlike `running`, a QEMU that died and whose exit Node has not reported
   * yet (its sockets closed first) reads as exited, with the status the kernel keeps for it.
   */
  processStatus(): MachineProcessStatus {
    const run = this.anyRun();
    if (run === undefined) {
      const exit = this.lastRun?.exit;
      return exit === undefined
        ? { kind: 'not launched' }
        : { kind: 'exited', code: exit.code, signal: exit.signal };
    }
    const exit = run.exit ?? exitOfDyingProcess(run.pid);
    return exit === undefined
      ? { kind: 'running', pid: run.pid }
      : { kind: 'exited', code: exit.code, signal: exit.signal };
  }

  /** The QMP connection of the running machine. */
  get qmpClient(): QmpClient {
    const client = this.launchedRun()?.qmp;
    if (client === undefined) {
      throw new QemuMachineError(
        `QEMU machine ${this.name} has no QMP connection: it is not launched (call launch() first)`,
      );
    }
    return client;
  }

  /** The serial console's socket (needs `console: true`); console output is also kept for consoleOutput(). */
  get consoleSocket(): Socket {
    if (!this.socketNeeds.console) {
      throw new QemuMachineError(
        `QEMU machine ${this.name} has no console: create it with { console: true }`,
      );
    }
    const socket = this.launchedRun()?.console;
    if (socket === undefined) {
      throw new QemuMachineError(`QEMU machine ${this.name} is not launched (call launch() first)`);
    }
    return socket;
  }

  /**
   * The QMP exchanges of the current run or, once QEMU is gone, of the last one (oldest first, up
   * to the client's historySize): what a failure report shows after `qmpClient` stopped working.
   */
  lastQmpHistory(): QmpExchangeRecord[] {
    const client = this.anyRun()?.qmp;
    return client === undefined
      ? (this.lastRun?.history ?? []).map((record) => ({ ...record }))
      : client.history();
  }

  /** Everything the guest wrote to the serial console so far (last MiB), or in the last run. */
  consoleOutput(): string {
    const run = this.launchedRun();
    return run === undefined
      ? (this.lastRun?.console ?? '')
      : Buffer.concat(run.consoleChunks).toString('utf8');
  }

  /** The full argv launch() used (while running) or would use (socket dir shown as XXXXXX). */
  commandLine(): string[] {
    return (
      this.launchedRun()?.commandLine ??
      this.lastRun?.commandLine ??
      this.buildArgv(this.plannedSockets())
    );
  }

  /** Starts QEMU and connects QMP (and qtest/console); rejects with QemuLaunchError. */
  async launch(): Promise<void> {
    if (this.state.kind !== 'idle') {
      throw new QemuMachineError(
        `QEMU machine ${this.name} is already launched; shut it down before launching again`,
      );
    }
    checkSocketPathLengths(this.sockDir, this.socketNeeds);
    // launchOnce's first step is asynchronous: the state is 'launching' before it reads it.
    const attempt = this.launchOnce();
    this.moveTo({ kind: 'launching', attempt });
    try {
      await attempt;
    } finally {
      if (this.stateKind() === 'launching') this.moveTo({ kind: 'idle' });
    }
  }

  private async launchOnce(): Promise<void> {
    this.lastRun = undefined;
    const run = await this.start();
    const { attempt } = this.launchingState();
    this.moveTo({ kind: 'launching', attempt, run });
    try {
      await this.connect(run);
    } catch (error: unknown) {
      throw await this.abortLaunch(run, error);
    }
    // Done long ago (it started at the spawn): from here on QEMU could outlive this process.
    await run.registration.persisted;
    this.moveTo({ kind: 'launched', run });
  }

  /** The only place the state changes; a transition not in TRANSITIONS is a bug here. */
  private moveTo(next: MachineState): void {
    if (!TRANSITIONS[this.state.kind].includes(next.kind)) {
      throw new QemuMachineError(
        `QEMU machine ${this.name}: internal error, ${this.state.kind} -> ${next.kind}`,
      );
    }
    this.state = next;
  }

  // Read through a call: TypeScript keeps `this.state` narrowed across moveTo otherwise.
  private stateKind(): MachineState['kind'] {
    return this.state.kind;
  }

  private launchingState(): Extract<MachineState, { kind: 'launching' }> {
    if (this.state.kind !== 'launching') {
      throw new QemuMachineError(`QEMU machine ${this.name}: internal error, not launching`);
    }
    return this.state;
  }

  /** The run of a launched (or stopping) machine: what commands, reports and getters use. */
  private launchedRun(): Run | undefined {
    return this.state.kind === 'launched' || this.state.kind === 'stopping'
      ? this.state.run
      : undefined;
  }

  /** Any run QEMU is in, the one being launched included (for kill() and failure reports). */
  private anyRun(): Run | undefined {
    return this.state.kind === 'launching' ? this.state.run : this.launchedRun();
  }

  /**
   * Sends `command` (a command of the QEMU the types describe, or `unchecked('name')`) and
   * resolves with QEMU's reply, `{ return }` typed by the schema or `{ error }`.
   */
  qmp<C extends QmpCommand>(
    command: C,
    ...rest: QmpCallParameters<C, QmpCallConvOptions>
  ): Promise<QmpReply<C>>;
  async qmp(
    command: string,
    args?: QmpObject,
    opts: QmpCallConvOptions = {},
  ): Promise<QmpResponse> {
    return this.send(command, opts.convKeys === false ? args : convertArgumentKeys(args));
  }

  /** Sends `command`; resolves with what it returns, or throws QmpCommandError on an error reply. */
  cmd<C extends QmpCommand>(
    command: C,
    ...rest: QmpCallParameters<C, QmpCallConvOptions>
  ): Promise<QmpReturn<C>>;
  async cmd(command: string, args?: QmpObject, opts: QmpCallConvOptions = {}): Promise<JsonValue> {
    const sent = opts.convKeys === false ? args : convertArgumentKeys(args);
    const reply = await this.send(command, sent);
    if ('error' in reply) {
      throw new QmpCommandError(command, sent, reply.error.class, reply.error.desc);
    }
    return reply.return;
  }

  /** The one way a command reaches QEMU (arguments as sent); a quit QEMU accepted is noted. */
  private async send(command: string, args: QmpObject | undefined): Promise<QmpResponse> {
    const run = this.launchedRun();
    const reply = await this.qmpClient.execute(command, args);
    // A quit QEMU accepted: the connection loss that follows is expected (see describeLoss).
    if (command === 'quit' && 'return' in reply && run !== undefined) {
      run.quitIssued = true;
    }
    return reply;
  }

  /** Waits for the next event `name` (matching `match`); see QmpClient.eventWait. */
  eventWait<E extends QmpEventSelector>(
    name: E,
    opts?: { match?: QmpEventPattern<E>; timeoutMs?: number },
  ): Promise<QmpEventOf<E>>;
  eventWait(name: string, opts?: { match?: EventPattern; timeoutMs?: number }): Promise<QmpEvent> {
    return this.qmpClient.eventWait(name, opts);
  }

  /** Waits for the first event matching any of `events`; see QmpClient.eventsWait. */
  eventsWait<E extends QmpEventSelector>(
    events: ReadonlyArray<QmpEventAlternative<E>>,
    opts?: { timeoutMs?: number },
  ): Promise<QmpEventOf<E>>;
  eventsWait(
    events: ReadonlyArray<readonly [string, EventPattern?]>,
    opts?: { timeoutMs?: number },
  ): Promise<QmpEvent> {
    return this.qmpClient.eventsWait(events, opts);
  }

  /** Returns and removes the buffered events (optionally waiting for one first). */
  getQmpEvents(opts?: { wait?: boolean | number }): Promise<AnyQmpEvent[]>;
  getQmpEvents(opts?: { wait?: boolean | number }): Promise<AnyQmpEvent[] | QmpEvent[]> {
    return this.qmpClient.getEvents(opts);
  }

  /**
   * The seed's get_qmp_event: removes and returns the oldest buffered event; without one, null,
   * or with `wait` the next event (true: the event timeout; a number: ms), throwing
   * QmpTimeoutError when none comes.
   */
  getQmpEvent(opts: { wait: true }): Promise<AnyQmpEvent>;
  getQmpEvent(opts?: { wait?: boolean | number }): Promise<AnyQmpEvent | null>;
  getQmpEvent(opts?: { wait?: boolean | number }): Promise<AnyQmpEvent | QmpEvent | null> {
    return this.qmpClient.getEvent(opts);
  }

  /** Drops the buffered events. */
  clearEvents(): void {
    this.qmpClient.clearEvents();
  }

  /** Sends one qtest command; resolves with the reply line ('OK ...' or 'FAIL ...'). */
  qtest(command: string): Promise<string> {
    if (!this.socketNeeds.qtest) {
      return Promise.reject(
        new QemuMachineError(
          `qtest('${command}'): QEMU machine ${this.name} has no qtest socket; ` +
            'create it with { qtest: true }',
        ),
      );
    }
    const client = this.launchedRun()?.qtest;
    if (client === undefined) {
      return Promise.reject(
        new QemuMachineError(
          `qtest('${command}'): QEMU machine ${this.name} is not launched (call launch() first)`,
        ),
      );
    }
    return client.command(command);
  }

  /** QEMU's output so far (while running) or of the last run; undefined when not captured. */
  getLog(): string | undefined {
    const run = this.launchedRun();
    return run === undefined ? this.lastRun?.log : run.log?.text();
  }

  /**
   * Stops QEMU and releases everything of the run: `quit` over QMP, then SIGTERM (after SIGCONT,
   * in case it is stopped), then SIGKILL, each bounded; hardKill goes straight to SIGKILL.
   * Resolves at once when not launched (after a launch in progress settles); concurrent calls
   * share one shutdown. Throws
   * QemuAbnormalExitError, after cleaning up, when QEMU crashed, was killed by a signal this
   * machine did not send, exited non-zero, or had to be forced down.
   */
  shutdown(opts: { hardKill?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const state = this.state;
    switch (state.kind) {
      case 'idle':
        return Promise.resolve();
      case 'launching':
        // A launch in progress is let finish (or fail) first, so nothing it starts is left running.
        return state.attempt.then(
          () => this.shutdown(opts),
          () => undefined,
        );
      case 'stopping':
        return state.done;
      case 'launched': {
        const done = this.stop(state.run, opts).finally(() => this.moveTo({ kind: 'idle' }));
        this.moveTo({ kind: 'stopping', run: state.run, done });
        return done;
      }
    }
  }

  /** SIGKILLs QEMU at once, synchronously (safe in exit handlers); shutdown() then cleans up. */
  kill(): void {
    const run = this.anyRun();
    if (run !== undefined && run.exit === undefined) {
      this.sendSignal(run, 'SIGKILL');
    }
  }

  private currentOrLastExit(): ExitStatus | undefined {
    const run = this.launchedRun();
    return run === undefined ? this.lastRun?.exit : run.exit;
  }

  private plannedSockets(): MachineSocketPaths {
    return plannedSocketPaths(this.sockDir, this.socketNeeds);
  }

  private buildArgv(sockets: MachineSocketPaths): string[] {
    return buildCommandLine({
      wrapper: this.wrapper,
      binary: this.binary,
      defaultArgs: this.options.defaultArgs ?? true,
      sockets,
      accel: this.accel,
      machineType: this.options.machineType,
      args: this.args,
    });
  }

  /** Creates the socket dir and listeners, then spawns QEMU. */
  private async start(): Promise<Run> {
    let dir: string | undefined;
    const listeners: SingleConnectionListener[] = [];
    let commandLine = this.buildArgv(this.plannedSockets());
    let log: OutputLog | undefined;
    try {
      dir = createPrivateDir(this.sockDir);
      const sockets = socketPathsIn(dir, this.socketNeeds);
      commandLine = this.buildArgv(sockets);
      for (const path of socketPathList(sockets)) {
        listeners.push(await SingleConnectionListener.listen(path));
      }
      if (!this.options.printOutput) {
        log = OutputLog.create(join(this.logDir ?? dir, `${this.name}.log`));
      }
      const child = await this.spawnQemu(commandLine, log);
      return this.trackChild(child, dir, commandLine, log, listeners);
    } catch (error: unknown) {
      for (const listener of listeners) {
        listener.close();
      }
      const output = log?.close();
      if (dir !== undefined) {
        await removePrivateDir(dir, this.filesIn(dir, log));
      }
      this.lastRun = { exit: undefined, commandLine, log: undefined, console: '', history: [] };
      throw new QemuLaunchError(
        errorMessage(error),
        { exitCode: null, signal: null, commandLine, output: output ?? this.outputNote() },
        { cause: error },
      );
    }
  }

  private spawnQemu(commandLine: string[], log: OutputLog | undefined): Promise<ChildProcess> {
    const [file, ...args] = commandLine as [string, ...string[]];
    const child = spawn(file, args, {
      stdio: ['ignore', log?.fd ?? 'inherit', log?.fd ?? 'inherit'],
      env: this.options.env ?? process.env,
    });
    if (child.pid !== undefined) {
      return Promise.resolve(child);
    }
    // Spawning failed (e.g. ENOENT); Node reports why in an 'error' event.
    return new Promise((_resolve, reject) => {
      child.once('error', (error) =>
        reject(new Error(`cannot run ${file}: ${error.message}`, { cause: error })),
      );
    });
  }

  private trackChild(
    child: ChildProcess,
    dir: string,
    commandLine: string[],
    log: OutputLog | undefined,
    listeners: SingleConnectionListener[],
  ): Run {
    const pid = child.pid as number;
    // Should this process die without shutting QEMU down, its private dir goes with it (and
    // the log, should it be caught on its way out of the dir: see removePrivateDir).
    const cleanupPaths = [dir, ...this.filesIn(dir, log).map((file) => movedOutPath(dir, file))];
    const registration = registerSpawnedChild(
      pid,
      commandLine,
      `${this.name}: ${commandLine.join(' ')}`,
      { cleanupPaths },
    );
    let markExited: () => void = () => undefined;
    const run: Run = {
      child,
      pid,
      dir,
      commandLine,
      log,
      registration,
      exited: new Promise<void>((resolve) => {
        markExited = resolve;
      }),
      signalsSent: new Set(),
      listeners,
      exit: undefined,
      qmp: undefined,
      qtest: undefined,
      console: undefined,
      consoleChunks: [],
      consoleBytes: 0,
      quitIssued: false,
      dirRemoval: undefined,
    };
    child.on('error', () => {
      // Only failed kill() calls can land here after a successful spawn; the exit path decides.
    });
    notifyObserver((observer) => observer.spawned?.(this, commandLine, pid));
    child.once('exit', (code, signal) => {
      run.exit = { code, signal };
      notifyObserver((observer) => observer.exited?.(this, code, signal));
      // QEMU's output is complete: keep it and let the descriptor go.
      log?.close();
      registration.unregister();
      const reason = describeExit(code, signal);
      run.qmp?.abort(reason);
      run.qtest?.close(reason);
      markExited();
    });
    return run;
  }

  /** Waits for QEMU to connect every socket, then performs the QMP handshake. */
  private async connect(run: Run): Promise<void> {
    const limit = this.timeouts.launchMs;
    const timer = sleep(limit);
    let outcome: Socket[] | 'exited' | 'timed out';
    try {
      outcome = await Promise.race([
        Promise.all(run.listeners.map((listener) => listener.connection)),
        run.exited.then(() => 'exited' as const),
        timer.then(() => 'timed out' as const),
      ]);
    } finally {
      timer.cancel();
    }
    const connected = Array.isArray(outcome);
    for (const listener of run.listeners) {
      listener.close({ dropConnection: !connected });
    }
    run.listeners = [];
    if (outcome === 'exited') {
      throw new Error('QEMU exited before connecting to its sockets');
    }
    if (outcome === 'timed out') {
      throw new Error(
        `QEMU did not connect to its sockets within ${limit} ms; if it is just slow, ` +
          'raise IOTESTS_LAUNCH_TIMEOUT (seconds)',
      );
    }
    const qmp = this.attachSockets(run, outcome);
    if (run.exit !== undefined) {
      qmp.abort(describeExit(run.exit.code, run.exit.signal));
    }
    await qmp.handshake();
  }

  private attachSockets(run: Run, sockets: Socket[]): QmpClient {
    const [qmpSocket, ...rest] = sockets as [Socket, ...Socket[]];
    const user = this.options.qmp ?? {};
    const qmp = new QmpClient(qmpSocket, {
      ...user,
      commandTimeoutMs: this.timeouts.commandMs,
      handshakeTimeoutMs: this.timeouts.handshakeMs,
      eventTimeoutMs: this.timeouts.eventMs,
      describeConnectionLoss: () => this.describeLoss(run) ?? user.describeConnectionLoss?.(),
      onMessage: (direction, raw) => {
        user.onMessage?.(direction, raw);
        notifyObserver((observer) => observer.qmpMessage?.(this, direction, raw));
      },
    });
    run.qmp = qmp;
    if (this.socketNeeds.qtest) {
      const socket = rest.shift() as Socket;
      run.qtest = new QtestClient(
        socket,
        this.timeouts.commandMs,
        () => this.describeLoss(run) ?? 'qtest connection closed by QEMU',
      );
    }
    if (this.socketNeeds.console) {
      const socket = rest.shift() as Socket;
      socket.on('error', () => {
        // The console ends with QEMU; nothing to report beyond what the exit says.
      });
      socket.on('data', (chunk: Buffer) => keepConsoleOutput(run, chunk));
      run.console = socket;
    }
    return qmp;
  }

  /** Why QEMU's sockets closed, if QEMU has exited or is exiting (read from /proc before the reap). */
  private describeLoss(run: Run): string | undefined {
    if (run.exit !== undefined) {
      return describeExit(run.exit.code, run.exit.signal);
    }
    if (run.quitIssued) {
      // Expected, so no /proc read: that of an exiting process is slow, and blocks the event loop.
      return 'QEMU is shutting down after quit';
    }
    const exit = exitOfDyingProcess(run.pid);
    return exit === undefined ? undefined : describeExit(exit.code, exit.signal);
  }

  /** Ends a half-launched QEMU and builds the QemuLaunchError to throw. */
  private async abortLaunch(run: Run, error: unknown): Promise<QemuLaunchError> {
    // A monitor that broke means QEMU is on its way out with an error: give it a moment to
    // finish, so the report has the real exit status instead of our SIGKILL.
    if (run.exit === undefined && error instanceof QmpConnectionLostError) {
      await this.waitForExit(run, LAUNCH_EXIT_GRACE_MS);
    }
    if (run.exit === undefined) {
      this.sendSignal(run, 'SIGCONT');
      this.sendSignal(run, 'SIGKILL');
      await this.waitForExit(run, KILL_WAIT_MS);
    }
    await this.release(run);
    return new QemuLaunchError(errorMessage(error), this.exitReport(run), { cause: error });
  }

  private async stop(run: Run, opts: { hardKill?: boolean; timeoutMs?: number }): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? this.timeouts.shutdownMs;
    // With its console unread, QEMU could block writing to it instead of exiting.
    run.console?.destroy();
    let forcedReason: string | undefined;
    if (run.exit === undefined) {
      if (opts.hardKill === true || run.signalsSent.has('SIGKILL')) {
        forcedReason = await this.killAndWait(run);
      } else {
        forcedReason = await this.stopGracefully(run, timeoutMs);
      }
    }
    await this.release(run);
    const reason = forcedReason ?? abnormalExitReason(run);
    if (reason !== undefined) {
      throw new QemuAbnormalExitError(reason, this.exitReport(run));
    }
  }

  /** quit, then SIGTERM, then SIGKILL; returns why it was not graceful, if it was not. */
  private async stopGracefully(run: Run, timeoutMs: number): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    const qmp = run.qmp;
    const quitReply =
      !run.quitIssued && qmp !== undefined && !qmp.closed
        ? qmp.execute('quit', undefined, { timeoutMs })
        : undefined;
    this.removeDirWhileQemuExits(run);
    if (quitReply !== undefined) {
      try {
        await quitReply;
        run.quitIssued = true;
      } catch {
        // QEMU died or hangs; waiting for the exit below tells which.
      }
    }
    if (await this.waitForExit(run, Math.max(0, deadline - Date.now()))) {
      return undefined;
    }
    const notGraceful =
      `QEMU did not exit within ${timeoutMs} ms of being asked to quit ` +
      '(raise IOTESTS_SHUTDOWN_TIMEOUT if it is just slow)';
    // A stopped process does not act on SIGTERM until it is continued.
    this.sendSignal(run, 'SIGCONT');
    this.sendSignal(run, 'SIGTERM');
    if (await this.waitForExit(run, TERM_GRACE_MS)) {
      return `${notGraceful}; it was terminated with SIGTERM`;
    }
    const killed = await this.killAndWait(run);
    return `${notGraceful}; it ignored SIGTERM for ${TERM_GRACE_MS} ms${killed ?? '; it was killed with SIGKILL'}`;
  }

  /** SIGKILL and wait; returns a problem description if even that did not end it. */
  private async killAndWait(run: Run): Promise<string | undefined> {
    if (run.exit === undefined) {
      this.sendSignal(run, 'SIGKILL');
    }
    this.removeDirWhileQemuExits(run);
    if (await this.waitForExit(run, KILL_WAIT_MS)) {
      return undefined;
    }
    return (
      `; it survived SIGKILL for ${KILL_WAIT_MS} ms (pid ${run.pid}, probably stuck in the ` +
      'kernel); it stays registered as a child to kill'
    );
  }

  private sendSignal(run: Run, signal: NodeJS.Signals): void {
    run.signalsSent.add(signal);
    try {
      process.kill(run.pid, signal);
    } catch {
      // Already gone; its exit event tells the rest.
    }
  }

  /** Resolves true once QEMU has exited, false if `ms` passed first. */
  private async waitForExit(run: Run, ms: number): Promise<boolean> {
    if (run.exit !== undefined) {
      return true;
    }
    const timer = sleep(ms);
    try {
      await Promise.race([run.exited, timer]);
    } finally {
      timer.cancel();
    }
    return run.exit !== undefined;
  }

  /** Closes every connection, keeps the log and console text, removes the private dir. */
  private async release(run: Run): Promise<void> {
    run.qtest?.close('the machine was shut down');
    run.console?.destroy();
    for (const listener of run.listeners) {
      listener.close(); // which also removes its socket file
    }
    run.listeners = [];
    const dirRemoved = this.removeDir(run);
    if (run.qmp !== undefined) {
      try {
        await run.qmp.close();
      } catch {
        // The connection is gone either way.
      }
    }
    this.lastRun = {
      exit: run.exit,
      commandLine: run.commandLine,
      log: run.log?.close(),
      console: Buffer.concat(run.consoleChunks).toString('utf8'),
      history: run.qmp?.history() ?? [],
    };
    await dirRemoved;
  }

  /**
   * Once QEMU is told to go, its private dir is of no more use (its sockets are connected, the
   * log is read through our descriptor): removing it while QEMU exits keeps the removal off the
   * time a shutdown takes.
   */
  private removeDirWhileQemuExits(run: Run): void {
    if (run.listeners.length === 0) {
      void this.removeDir(run);
    }
  }

  /** Starts removing the run's private dir (once); listeners must be closed by then. */
  private removeDir(run: Run): Promise<void> {
    run.dirRemoval ??= removePrivateDir(run.dir, this.filesIn(run.dir, run.log));
    return run.dirRemoval;
  }

  /** The files a launch keeps open in its private dir: the log, unless it goes to logDir. */
  private filesIn(dir: string, log: OutputLog | undefined): string[] {
    return log !== undefined && dirname(log.path) === dir ? [log.path] : [];
  }

  private exitReport(run: Run): QemuExitReport {
    const output = run.log === undefined ? undefined : (this.lastRun?.log ?? run.log.text());
    return {
      exitCode: run.exit?.code ?? null,
      signal: run.exit?.signal ?? null,
      commandLine: run.commandLine,
      output: output ?? this.outputNote(),
    };
  }

  private outputNote(): string {
    return this.options.printOutput
      ? '(printed to stdout/stderr: printOutput is on)'
      : '(no output captured)';
  }
}

/** Why the run's end counts as abnormal, or undefined for a clean exit. */
function abnormalExitReason(run: Run): string | undefined {
  const exit = run.exit;
  if (exit === undefined) {
    return undefined;
  }
  if (exit.signal !== null) {
    return run.signalsSent.has(exit.signal) ? undefined : describeExit(null, exit.signal);
  }
  return exit.code !== null && exit.code !== 0 ? describeExit(exit.code, null) : undefined;
}

function keepConsoleOutput(run: Run, chunk: Buffer): void {
  run.consoleChunks.push(chunk);
  run.consoleBytes += chunk.length;
  while (run.consoleBytes > CONSOLE_BUFFER_LIMIT && run.consoleChunks.length > 1) {
    run.consoleBytes -= (run.consoleChunks.shift() as Buffer).length;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
