// The one object shared between the test environment (loaded once per worker, outside the test
// file's module registry) and the setup file (loaded inside it). Only plain data and functions
// cross it: classes such as VM are created inside the registry, so that the test file, the setup
// file and the library share one instance of every module and `instanceof` works as users expect.
import type { AsyncLocalStorage } from 'node:async_hooks';

import type { Capabilities } from '../capabilities';
import type { BundleModule } from './bundle-script';
import type { IotestsConfig } from '../config';
import type { OperationContext } from '../iotests/test-scope';

/** Name of the global under which the environment publishes the bridge. */
export const BRIDGE_KEY = '__qemuIotestsBridge__';

/** Whether the environment boots the file's `vm` before its first test. */
export type VmMode = 'boot' | 'none';

/** `@transcript snapshot`: each test's transcript is its snapshot once the test passed. */
export type TranscriptMode = 'snapshot';

/** A report for a test's result: Jest shows `stack` (the message, then the frames). */
export interface TestProblem {
  readonly message: string;
  readonly stack: string;
}

/** What the setup file does as each test runs (the environment sees circus' events). */
export interface TestLifecycle {
  /** Before the test's beforeEach hooks: the test gets its own transcript and operations. */
  testStarted(title: string): void;
  /** After the test function succeeded: operations it left pending, if any. */
  testFnSucceeded(): TestProblem | undefined;
  /** After the afterEach hooks: operations they left pending (when all else passed); closes the scope. */
  testDone(passedSoFar: boolean): TestProblem | undefined;
  /**
   * Jest's timeout fired on the test function: end the processes the test started (before its
   * afterEach hooks remove their files) and name the operations that were pending.
   */
  testTimedOut(): string;
}

/** Where a file's debug output goes (see debug-trace.ts and kept-dirs.ts). */
export interface DebugOutputs {
  /** The trace file, or undefined without one. */
  readonly traceFile: string | undefined;
  /** Also print the trace to the console. */
  readonly traceToConsole: boolean;
  /** IOTESTS_KEEP_SCRATCH: a failed file keeps its files, QEMU logs and `.out.bad` transcripts. */
  readonly keepScratch: boolean;
}

/** What the environment offers the code running inside a test file's module registry. */
export interface IotestsBridge {
  readonly testPath: string;
  /** This file's private scratch directory (the seed's TEST_DIR for the file). */
  readonly testDir: string;
  /** This file's private, short socket directory (the seed's SOCK_DIR for the file). */
  readonly sockDir: string;
  readonly config: IotestsConfig;
  readonly capabilities: Capabilities;
  readonly vmMode: VmMode;
  /** The file's `@transcript` pragma, if it has one. */
  readonly transcriptMode: TranscriptMode | undefined;
  /** Jest's snapshot update mode (-u: 'all', --ci: 'none'), which reference files follow too. */
  readonly updateSnapshot: 'all' | 'new' | 'none';
  readonly debug: DebugOutputs;
  /** Whether a test or hook of the file has failed so far. */
  fileFailed(): boolean;
  /** One per worker, for every file: see useOperationStorage in test-scope.ts. */
  readonly operationStorage: AsyncLocalStorage<OperationContext>;
  /**
   * Skip the describe block being defined (the whole file, at top level) for this reason.
   * Returns false outside definition time, where the caller throws a NotRunError instead.
   */
  markUnmet(reason: string): boolean;
  /** What to show under a failing test: QEMU's log tail, the last QMP exchanges. */
  setDebugInfo(provider: () => string): void;
  /** Follow each test's start and end. */
  setTestLifecycle(lifecycle: TestLifecycle): void;
  /** Shuts down what the file started; the environment calls it if the file's own afterAll did not. */
  setTeardown(teardown: () => Promise<Error[]>): void;
  /**
   * Runs the package's registry bundle at `file` as `module` of this test file, compiled once per
   * worker (see bundle-script.ts). Called by dist/registry-bundle-loader.js, before the bundle.
   */
  runBundle(file: string, module: BundleModule, require: NodeJS.Require): void;
}

/** The bridge of the current test file, or a clear error when not running under the preset. */
export function readBridge(global: object = globalThis): IotestsBridge {
  const bridge = (global as Record<string, unknown>)[BRIDGE_KEY];
  if (bridge === undefined) {
    throw new Error(
      'qemu-iotests: no test environment. Run the tests with `jest --preset qemu-iotests` ' +
        "(or set testEnvironment: 'qemu-iotests/jest/environment').",
    );
  }
  return bridge as IotestsBridge;
}
