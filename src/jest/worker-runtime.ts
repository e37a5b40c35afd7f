// The configuration and capabilities of a test file, resolved once per worker. A worker runs many
// files with the same options and the same environment variables; resolving the configuration and
// reading the capability cache (five stats, a hash, a file read) for each one cost ~10 ms a file
// under load. Global setup has already validated both for the run.
import { probeCapabilities, type Capabilities } from '../capabilities';
import {
  exportQemuModuleDir,
  resolveConfig,
  type ConfigSource,
  type IotestsConfig,
} from '../config';
import { environmentOptionsAsSource } from './options';

/** What every test file of a worker shares. */
export interface WorkerRuntime {
  readonly config: IotestsConfig;
  readonly capabilities: Capabilities;
}

const resolved = new Map<string, Promise<WorkerRuntime>>();

/**
 * The configuration for these `testEnvironmentOptions` and the current environment variables,
 * with the capabilities of its QEMU; computed on first use, then shared (failures are not kept).
 */
export async function workerRuntime(options: Record<string, unknown>): Promise<WorkerRuntime> {
  const source = environmentOptionsAsSource(options);
  // resolveConfig reads the options, the environment variables and the working directory.
  const key = JSON.stringify([source, process.env, process.cwd()]);
  let runtime = resolved.get(key);
  if (runtime === undefined) {
    runtime = resolveRuntime(source);
    resolved.set(key, runtime);
    runtime.catch(() => resolved.delete(key));
  }
  // Each file gets its own copy: nothing one file does to its configuration reaches the next.
  return structuredClone(await runtime);
}

async function resolveRuntime(source: ConfigSource): Promise<WorkerRuntime> {
  const config = resolveConfig({ options: source });
  exportQemuModuleDir(config.qemuRelease);
  const capabilities = await probeCapabilities(config);
  return { config, capabilities };
}
