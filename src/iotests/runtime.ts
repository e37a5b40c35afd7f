// The per-test-file runtime: the resolved configuration and the probed capabilities that the VM
// and the tool wrappers read. Jest loads this module once per test file, so each file has its own.
import type { ResolveConfigOptions } from '../config';
import { setFileContext } from './context';
import { session, type IotestsRuntime } from './session';

export type { IotestsRuntime } from './session';

/** Options of `initRuntime`: where the configuration comes from and how to probe. */
export interface InitRuntimeOptions extends ResolveConfigOptions {
  /** Probe again instead of using the on-disk capability cache. */
  refreshCapabilities?: boolean;
}

/** Install the runtime of this test file (the Jest environment does this). */
export function setRuntime(rt: IotestsRuntime): void {
  session().runtime = Object.freeze({ config: rt.config, capabilities: rt.capabilities });
}

/** The runtime set by `setRuntime` / `initRuntime`; throws a clear error when there is none. */
export function runtime(): IotestsRuntime {
  const current = session().runtime;
  if (current === undefined) {
    throw new Error(
      'qemu-iotests runtime is not set: run the test under the qemu-iotests Jest preset ' +
        "(preset: 'qemu-iotests'), or call `await initRuntime()` first in a script outside Jest",
    );
  }
  return current;
}

/** Whether a runtime is set. */
export function hasRuntime(): boolean {
  return session().runtime !== undefined;
}

/** Forget the runtime (for tests of this module and for environment teardown). */
export function resetRuntime(): void {
  session().runtime = undefined;
}

/**
 * For scripts outside Jest: resolve the configuration from the environment, probe QEMU, create
 * the scratch directories, point the file context at them and install the result as the runtime.
 */
export async function initRuntime(opts: InitRuntimeOptions = {}): Promise<IotestsRuntime> {
  // Loaded on demand: every test file has this module, only scripts outside Jest need these.
  const { ensureDirectories, exportQemuModuleDir, resolveConfig } = await import('../config');
  const { probeCapabilities } = await import('../capabilities/probe');
  const { refreshCapabilities, ...configOptions } = opts;
  const config = resolveConfig(configOptions);
  ensureDirectories(config);
  exportQemuModuleDir(config.qemuRelease);
  const capabilities = await probeCapabilities(config, { refresh: refreshCapabilities === true });
  setFileContext({ testDir: config.testDir, sockDir: config.sockDir, imgfmt: config.imgfmt });
  setRuntime({ config, capabilities });
  return runtime();
}
