// The test environment of `--preset qemu-iotests`: per test file it resolves the configuration,
// makes the file's private scratch and socket directories, publishes the bridge (see bridge.ts)
// for the setup file that boots the file's VM, turns unmet requirements into skips that carry
// their reason, adds QEMU's log and the last QMP exchanges to failures, and at teardown ends
// whatever the file started, whatever the test did.

import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import path from 'node:path';

import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import { TestEnvironment } from 'jest-environment-node';

import type { IotestsConfig } from '../config';
import type { OperationContext } from '../iotests/test-scope';
import { raceTimeout } from '../iotests/race-timeout';
// The registry alone: the machine and QMP modules are for the test files, not this worker.
import { killChildrenOwnedBy } from '../machine/registry';
import { runBundle } from './bundle-script';
import {
  BRIDGE_KEY,
  type IotestsBridge,
  type TestLifecycle,
  type TestProblem,
  type DebugOutputs,
  type TranscriptMode,
  type VmMode,
} from './bridge';
import { createFileDirs, type FileDirs } from './file-dirs';
import { deselectionReason, groupSelectionFor, groupsOfPragmas } from './groups';
import { keepScratch, keptScratchPath, traceFilePath } from './kept-dirs';
import { isNotRun, oneLine, writeNotRun, type NotRunRecord } from './not-run';
import { debugModeFor, transcriptModeFor, vmModeFor, type DebugMode } from './options';
import { workerRuntime } from './worker-runtime';

/** How long the environment waits for the file's own shutdown before killing what is left. */
const TEARDOWN_GRACE_MS = 30_000;

/** Shared by every file of this worker (see useOperationStorage in test-scope.ts). */
const operationStorage = new AsyncLocalStorage<OperationContext>();

export default class QemuIotestsEnvironment extends TestEnvironment {
  private readonly testPath: string;
  private readonly environmentOptions: Record<string, unknown>;
  private readonly vmMode: VmMode;
  private readonly transcriptMode: TranscriptMode | undefined;
  /** Why the file's groups leave it out of this run (IOTESTS_GROUPS), if they do. */
  private readonly deselected: string | undefined;
  private readonly debugMode: DebugMode;
  private debugOutputs: DebugOutputs | undefined;
  private readonly updateSnapshot: IotestsBridge['updateSnapshot'];
  private config: IotestsConfig | undefined;
  private dirs: FileDirs | undefined;
  private circusState: Circus.State | undefined;
  private readonly unmet = new Map<Circus.DescribeBlock, string>();
  /** The tests skipped for a reason, for the reporter (titles stay untouched: see not-run.ts). */
  private readonly notRun: NotRunRecord[] = [];
  private debugInfo: (() => string) | undefined;
  private fileTeardown: (() => Promise<Error[]>) | undefined;
  private lifecycle: TestLifecycle | undefined;
  private failed = false;
  /** See watchAbruptEnd: the file's dirs go even when teardown never runs. */
  private readonly onProcessExit = (): void => this.removeDirs();
  /** See watchAbruptEnd: the Jest parent is gone, so nobody will ever end this worker. */
  private readonly onParentGone = (): void => {
    killChildrenOwnedBy(process.pid);
    this.removeDirs();
    process.exit(1);
  };

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.testPath = context.testPath;
    this.environmentOptions = config.projectConfig.testEnvironmentOptions;
    this.deselected = deselectionReason(
      groupsOfPragmas(context.docblockPragmas),
      groupSelectionFor(this.environmentOptions),
    );
    // A file that does not run needs no VM.
    this.vmMode =
      this.deselected === undefined
        ? vmModeFor(context.docblockPragmas, this.environmentOptions)
        : 'none';
    this.transcriptMode = transcriptModeFor(context.docblockPragmas);
    this.debugMode = debugModeFor(this.environmentOptions);
    this.updateSnapshot = config.globalConfig.updateSnapshot;
  }

  override async setup(): Promise<void> {
    await super.setup();
    const { config, capabilities } = await workerRuntime(this.environmentOptions);
    this.config = config;
    this.dirs = createFileDirs(config, this.testPath);
    this.watchAbruptEnd();
    const keep = config.keepScratchOnFailure;
    this.debugOutputs = {
      // With IOTESTS_DEBUG, beside the run (kept); for kept scratch alone, in the scratch.
      traceFile:
        this.debugMode !== 'off'
          ? traceFilePath(this.dirs.testDir)
          : keep
            ? path.join(this.dirs.testDir, 'debug.trace')
            : undefined,
      traceToConsole: this.debugMode === 'console',
      keepScratch: keep,
    };
    const bridge: IotestsBridge = {
      testPath: this.testPath,
      testDir: this.dirs.testDir,
      sockDir: this.dirs.sockDir,
      config,
      capabilities,
      vmMode: this.vmMode,
      transcriptMode: this.transcriptMode,
      updateSnapshot: this.updateSnapshot,
      operationStorage,
      debug: this.debugOutputs,
      fileFailed: () => this.failed,
      markUnmet: (reason) => this.markUnmet(reason),
      setDebugInfo: (provider) => {
        this.debugInfo = provider;
      },
      setTestLifecycle: (lifecycle) => {
        this.lifecycle = lifecycle;
      },
      setTeardown: (teardown) => {
        this.fileTeardown = teardown;
      },
      runBundle: (file, module, require) => {
        const context = this.getVmContext();
        if (context === null) {
          throw new Error(`qemu-iotests: ${file} loaded after the test environment was torn down`);
        }
        runBundle(file, context, module, require);
      },
    };
    this.global[BRIDGE_KEY] = bridge;
  }

  // Jest awaits this for every circus event, before the result of a test is reported.
  handleTestEvent(event: Circus.Event, state: Circus.State): void {
    this.circusState = state;
    switch (event.name) {
      case 'run_describe_start':
        if (event.describeBlock.parent === undefined && this.deselected !== undefined) {
          this.unmet.set(event.describeBlock, this.deselected);
        }
        if (this.unmet.has(event.describeBlock)) skipBlock(event.describeBlock);
        break;
      case 'test_skip': {
        const reason = this.unmetReasonOf(event.test.parent);
        if (reason !== undefined) this.recordNotRun(event.test, reason);
        break;
      }
      case 'test_start':
        this.lifecycle?.testStarted(event.test.name);
        break;
      case 'test_fn_success':
        this.failTest(event.test, this.lifecycle?.testFnSucceeded());
        break;
      case 'test_fn_failure':
        if (isJestTimeout(event.error)) {
          this.failed = true;
          this.explainTimeout(event.test, event.error);
        } else {
          this.recordFailure(event.error);
        }
        break;
      case 'hook_failure':
        this.recordFailure(event.error);
        break;
      case 'test_done': {
        this.failTest(event.test, this.lifecycle?.testDone(event.test.errors.length === 0));
        const reason = convertNotRunToSkip(event.test);
        if (reason !== undefined) this.recordNotRun(event.test, reason);
        break;
      }
      default:
        break;
    }
  }

  override async teardown(): Promise<void> {
    try {
      if (this.fileTeardown) {
        const errors = await settleWithin(this.fileTeardown(), TEARDOWN_GRACE_MS);
        for (const error of errors)
          process.stderr.write(`qemu-iotests: teardown: ${error.message}\n`);
      }
    } finally {
      this.unwatchAbruptEnd();
      writeNotRun(this.testPath, this.notRun);
      // Whatever the file's own shutdown missed (a hung QEMU, a crashed hook) dies here.
      killChildrenOwnedBy(process.pid);
      this.removeDirs();
      delete this.global[BRIDGE_KEY];
      await super.teardown();
    }
  }

  // Two ways a file ends without teardown. A test calling process.exit(): the process registry's
  // exit hook kills QEMU, and the file's directories are removed here. The Jest parent dying
  // (SIGINT, SIGTERM, SIGKILL) or leaving without ending its workers (`--bail`): Jest's worker
  // keeps running the file, QEMU included, until the test's own timeouts, with nobody to report
  // to; the closed IPC channel says so, and the worker ends everything and exits at once.
  // A 'disconnect' listener keeps the channel referenced, so it is only attached while a file
  // runs: an idle worker must still exit when Jest ends it.
  private watchAbruptEnd(): void {
    process.on('exit', this.onProcessExit);
    if (process.send !== undefined) process.on('disconnect', this.onParentGone);
  }

  private unwatchAbruptEnd(): void {
    process.removeListener('exit', this.onProcessExit);
    process.removeListener('disconnect', this.onParentGone);
  }

  // Called from inside the test file while it is being defined: skips the describe block that is
  // being defined. At run time (inside a test or hook) there is no block to skip: the caller then
  // throws a NotRunError, which handleTestEvent turns into a skip.
  private markUnmet(reason: string): boolean {
    const state = this.circusState;
    if (state === undefined || state.hasStarted) return false;
    const block = state.currentDescribeBlock;
    if (!this.unmet.has(block)) this.unmet.set(block, reason);
    return true;
  }

  // A problem the test did not throw (operations it left pending) fails it all the same.
  private failTest(test: Circus.TestEntry, problem: TestProblem | undefined): void {
    if (problem === undefined) return;
    const error = new Error(problem.message);
    error.stack = problem.stack;
    test.errors.push(error);
    this.failed = true;
  }

  // The reason of the nearest enclosing block that was skipped for one.
  private unmetReasonOf(block: Circus.DescribeBlock | undefined): string | undefined {
    for (let current = block; current !== undefined; current = current.parent) {
      const reason = this.unmet.get(current);
      if (reason !== undefined) return reason;
    }
    return undefined;
  }

  private recordNotRun(test: Circus.TestEntry, reason: string): void {
    const ancestorTitles: string[] = [];
    for (let block = test.parent; block.parent !== undefined; block = block.parent) {
      ancestorTitles.unshift(block.name);
    }
    this.notRun.push({ ancestorTitles, title: test.name, reason: oneLine(reason) });
  }

  private recordFailure(error: unknown): void {
    if (isNotRun(error)) return;
    this.failed = true;
    this.annotate(error);
  }

  private annotate(error: unknown): void {
    if (typeof error !== 'object' || error === null) return;
    const info = this.failureInfo();
    if (info === '') return;
    appendToError(error, info);
  }

  // What every failure report adds: the QEMUs and daemons, the trace, the kept scratch.
  private failureInfo(): string {
    const parts: string[] = [];
    try {
      parts.push(this.debugInfo?.() ?? '');
    } catch (cause) {
      parts.push(`(could not collect QEMU debug information: ${String(cause)})`);
    }
    if (this.debugOutputs?.keepScratch === true && this.dirs !== undefined) {
      parts.push(`scratch kept (IOTESTS_KEEP_SCRATCH) in: ${keptScratchPath(this.dirs.testDir)}`);
    }
    return parts.filter((part) => part !== '').join('\n');
  }

  // Jest's timeout rejects with a bare string, and the test's hooks run next: end what the test
  // started first, then replace the string with a report of what was pending and of QEMU.
  private explainTimeout(test: Circus.TestEntry, timeout: string): void {
    let pending: string;
    try {
      pending = this.lifecycle?.testTimedOut() ?? '';
    } catch (cause) {
      pending = `(could not collect the pending operations: ${String(cause)})`;
    }
    const message = [timeout, pending, this.failureInfo()]
      .filter((part) => part !== '')
      .join('\n\n');
    const error = new Error(message);
    error.stack = `${message}\n${framesOf(test.asyncError)}`;
    const index = test.errors.length - 1;
    if (index >= 0) test.errors[index] = error;
    else test.errors.push(error);
  }

  private removeDirs(): void {
    if (!this.dirs) return;
    const keepTestDir = this.failed && this.config?.keepScratchOnFailure === true;
    if (keepTestDir) {
      const kept = keepScratch(this.dirs.testDir);
      const trace = this.debugOutputs?.traceFile;
      if (trace !== undefined && path.dirname(trace) !== this.dirs.testDir) {
        copyQuietly(trace, path.join(kept, 'debug.trace'));
      }
      process.stderr.write(`qemu-iotests: ${this.testPath} failed; scratch kept in ${kept}\n`);
    }
    this.dirs.remove({ keepTestDir });
    this.dirs = undefined;
  }
}

// Circus only passes a block's own mode to its direct tests: nested describe blocks (with their
// hooks, e.g. a beforeEach creating images) would still run, so every block below is marked too.
// Titles stay as they are: Jest keeps a skipped test's snapshots by its full name.
function skipBlock(block: Circus.DescribeBlock): void {
  block.mode = 'skip';
  for (const child of block.children) {
    if (child.type === 'describeBlock') skipBlock(child);
  }
}

// A test (or a hook before it) that threw NotRunError was not run: report it as skipped, not as
// a failure, and return the reason. Any other error alongside it keeps the test failed.
function convertNotRunToSkip(test: Circus.TestEntry): string | undefined {
  if (test.errors.length === 0) return undefined;
  // Circus stores an error or an [error, asyncError] pair per failure.
  const errors = test.errors.map((entry: unknown): unknown =>
    Array.isArray(entry) ? (entry[0] as unknown) : entry,
  );
  if (!errors.every(isNotRun)) return undefined;
  test.errors = [];
  test.status = 'skip';
  return errors[0].reason;
}

// Jest shows `stack` (falling back to `message`); the debug text goes between the message and
// the first stack frame so that stack filtering does not drop it.
function appendToError(error: { message?: unknown; stack?: unknown }, info: string): void {
  const block = `\n\n${info}`;
  // Read the stack first: V8 formats it on first access, from the message as it is then, so
  // reading it after extending the message would put the block in it twice.
  const stack = error.stack;
  if (typeof error.message === 'string') error.message += block;
  if (typeof stack === 'string') {
    const frame = stack.search(/\n\s+at /);
    error.stack = frame === -1 ? stack + block : stack.slice(0, frame) + block + stack.slice(frame);
  }
}

// Circus rejects a timed-out test with a string (its message) rather than an Error.
function isJestTimeout(error: unknown): error is string {
  return typeof error === 'string' && error.startsWith('Exceeded timeout of ');
}

// The frames of the error circus made where the test was defined: they lead to its line.
function framesOf(error: unknown): string {
  const stack = error instanceof Error ? error.stack : undefined;
  if (stack === undefined) return '';
  return stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
}

function copyQuietly(from: string, to: string): void {
  try {
    fs.copyFileSync(from, to);
  } catch {
    // Nothing was traced, or the kept directory went away: the report says where to look.
  }
}

async function settleWithin(work: Promise<Error[]>, ms: number): Promise<Error[]> {
  return await raceTimeout(
    work.catch((error: unknown) => [asError(error)]),
    ms,
    () => [new Error(`shutdown did not finish within ${ms} ms; killing what is left`)],
  );
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
