// Everything that belongs to one test file, in one object behind one accessor. Jest gives every
// test file its own copy of this module, so `session()` is that file's; a script outside Jest has
// one for the process. The helpers' modules (runtime, file context, cleanups, the VMs, the skip
// handler, transcripts, tool output) keep their functions but hold no state of their own: it is
// all here, set up in one call by the preset's setup file (startSession) or by initRuntime.
import type { AsyncLocalStorage } from 'node:async_hooks';

import type { Capabilities } from '../capabilities';
import type { IotestsConfig } from '../config';
import type { ObservedMachine } from '../machine/observer';
import type { QmpExchangeRecord } from '../qmp';
import type { DebugTrace } from './debug-trace';
import type { ReferenceUpdateMode } from './reference-file';
import type { OperationContext, TestScope } from './test-scope';

/** What the iotests helpers need to know about this run. */
export interface IotestsRuntime {
  readonly config: IotestsConfig;
  readonly capabilities: Capabilities;
}

/** Where a test file's scratch files and sockets live, its image format and file-name prefix. */
export interface FileContext {
  readonly testDir: string;
  readonly sockDir: string;
  readonly imgfmt: string;
  /** Prefix of the names of files a test creates, `${pid}-` like the seed's file_path. */
  readonly filePrefix: string;
}

/** Receives unmet requirements: the Jest layer skips the file (onUnmet) or records a case. */
export interface SkipHandler {
  /** The whole test file cannot run (the seed's notrun). */
  onUnmet(reason: string): void;
  /** One case was not run (the seed's case_notrun); default: a line on stderr. */
  onCaseNotrun?(reason: string): void;
}

/** What ending a file needs from a VM. */
export interface TrackedVm {
  readonly name: string;
  readonly running: boolean;
  shutdown(opts?: { hardKill?: boolean }): Promise<void>;
  kill(): void;
}

/**
 * Something to end when the file is done. Processes (VMs, daemons, tools) end before files are
 * removed, so that nothing still running loses an image it has open; within a phase, newest first.
 */
export interface Ending {
  readonly phase: 'processes' | 'files';
  readonly description: string;
  readonly run: () => void | Promise<void>;
}

/** A process other than QEMU the file started (daemons, servers, tools), for failure reports. */
export interface ReportedProcess {
  /** e.g. `qemu-storage-daemon a (pid 1234)`. */
  readonly title: string;
  /** `running`, `exited with code 1`, `killed by SIGKILL`. */
  state(): string;
  /** What it printed so far. */
  output(): string;
  /** Its QMP exchanges, when it has a monitor. */
  qmpHistory?(): QmpExchangeRecord[];
  /** Whether it ran to completion on its own (a tool run): shown only while running or when it failed. */
  readonly transient?: boolean;
}

/** One test file's state. */
export interface FileSession {
  /** The configuration and capabilities (undefined until set: see runtime()). */
  runtime: IotestsRuntime | undefined;
  /** Set explicitly (tests, scripts); otherwise derived from the runtime or the environment. */
  context: FileContext | undefined;
  /** The one list of what the file started and must end (see endFile in cleanup.ts). */
  readonly endings: Ending[];
  /** Every QEMU the file launched (VMs and bare QemuMachines), oldest first: for failure reports. */
  readonly machines: Set<ObservedMachine>;
  /** The daemons and tool processes the file started, oldest first: for failure reports. */
  readonly processes: Set<ReportedProcess>;
  /** The debug trace (IOTESTS_DEBUG, or kept scratch), when on. */
  trace: DebugTrace | undefined;
  /** The VMs the file created or launched, oldest first, and the one that is its `vm`. */
  readonly vms: Set<TrackedVm>;
  currentVm: TrackedVm | undefined;
  skipHandler: SkipHandler | undefined;
  /** Also gets every transcript line (IOTESTS_ECHO). */
  transcriptEcho: ((text: string) => void) | undefined;
  /** Where tool output the seed lets through goes (default: stderr). */
  toolOutputSink: ((text: string) => void) | undefined;
  referenceUpdateMode: ReferenceUpdateMode;
  /** The running test's transcript and operations (see test-scope.ts). */
  testScope: TestScope | undefined;
  operationStorage: AsyncLocalStorage<OperationContext> | undefined;
}

function emptySession(): FileSession {
  return {
    runtime: undefined,
    context: undefined,
    endings: [],
    machines: new Set(),
    processes: new Set(),
    trace: undefined,
    vms: new Set(),
    currentVm: undefined,
    skipHandler: undefined,
    transcriptEcho: undefined,
    toolOutputSink: undefined,
    referenceUpdateMode: 'new',
    testScope: undefined,
    operationStorage: undefined,
  };
}

let current = emptySession();

/** This test file's session. */
export function session(): FileSession {
  return current;
}

/** What the preset knows of a test file before it runs. */
export interface SessionStart {
  readonly runtime: IotestsRuntime;
  readonly testDir: string;
  readonly sockDir: string;
  readonly filePrefix?: string;
  readonly skipHandler?: SkipHandler;
  readonly transcriptEcho?: (text: string) => void;
  readonly referenceUpdateMode?: ReferenceUpdateMode;
  readonly operationStorage?: AsyncLocalStorage<OperationContext>;
}

/**
 * Start this file's session in one step: its runtime, its directories (the image format is the
 * configuration's: one source), how skips, echo and reference files behave. Replaces any state
 * left by an earlier session.
 */
export function startSession(start: SessionStart): FileSession {
  current = {
    ...emptySession(),
    runtime: start.runtime,
    context: {
      testDir: start.testDir,
      sockDir: start.sockDir,
      imgfmt: start.runtime.config.imgfmt,
      filePrefix: start.filePrefix ?? `${process.pid}-`,
    },
    skipHandler: start.skipHandler,
    transcriptEcho: start.transcriptEcho,
    referenceUpdateMode: start.referenceUpdateMode ?? 'new',
    operationStorage: start.operationStorage,
  };
  return current;
}

/** Forget everything (tests of the library start from a clean session). */
export function resetSession(): void {
  current = emptySession();
}
