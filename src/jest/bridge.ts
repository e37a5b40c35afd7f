// The one object shared between the test environment (loaded once per worker, outside the test
// file's module registry) and the setup file (loaded inside it). Only plain data and functions
// cross it: classes such as VM are created inside the registry, so that the test file, the setup
// file and the library share one instance of every module and `instanceof` works as users expect.
import type { Capabilities } from '../capabilities';
import type { IotestsConfig } from '../config';

/** Name of the global under which the environment publishes the bridge. */
export const BRIDGE_KEY = '__qemuIotestsBridge__';

/** Whether the environment boots the file's `vm` before its first test. */
export type VmMode = 'boot' | 'none';

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
  /**
   * Skip the describe block being defined (the whole file, at top level) for this reason.
   * Returns false outside definition time, where the caller throws a NotRunError instead.
   */
  markUnmet(reason: string): boolean;
  /** What to show under a failing test: QEMU's log tail, the last QMP exchanges. */
  setDebugInfo(provider: () => string): void;
  /** Shuts down what the file started; the environment calls it if the file's own afterAll did not. */
  setTeardown(teardown: () => Promise<Error[]>): void;
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
