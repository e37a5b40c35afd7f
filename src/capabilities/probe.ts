import type { IotestsConfig } from '../config';
import {
  computeCacheKey,
  defaultCacheDir,
  readCache,
  writeCache,
  type CachedCapabilities,
} from './cache';
import { CapabilityProbeError } from './errors';
import { probeLuks } from './luks';
import { probeQcow2Zstd } from './zstd';
import {
  parseAccelHelp,
  parseAccelPresence,
  parseDeviceHelp,
  parseFormatHelp,
  parseMachineHelp,
  parseQuorumSupport,
  parseVersion,
  virtioSupport,
} from './parsers';
import { describePlatform } from './platform';
import { runTool, type SpawnListener, type ToolRun } from './run-tool';
import type { Capabilities, ToolInfo } from './types';

/** Options of `probeCapabilities`. */
export interface ProbeOptions {
  /** Where probe results are cached; default `<tmpdir>/qemu-iotests-<uid>/capabilities`. */
  cacheDir?: string;
  /** Ignore a cached result and probe again (the new result is cached). */
  refresh?: boolean;
  /** Called before every process the probe starts. */
  onSpawn?: SpawnListener;
}

/**
 * Finds out what the configured QEMU can do by running its binaries (all
 * probes in parallel, each bounded by the launch timeout). Results are cached
 * on disk, keyed by the binaries' paths, sizes and mtimes.
 */
export async function probeCapabilities(
  config: IotestsConfig,
  opts: ProbeOptions = {},
): Promise<Capabilities> {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const key = await computeCacheKey(config);
  if (key !== undefined && opts.refresh !== true) {
    const cached = await readCache(cacheDir, key);
    if (cached !== undefined) return { ...cached, platform: describePlatform() };
  }
  const fresh = await runProbes(config, opts.onSpawn);
  if (key !== undefined) await writeCache(cacheDir, key, fresh);
  return { ...fresh, platform: describePlatform() };
}

async function runProbes(
  config: IotestsConfig,
  onSpawn: SpawnListener | undefined,
): Promise<CachedCapabilities> {
  const options = { timeoutMs: config.timeouts.launchMs, onSpawn };
  const qemu = (args: string[]): Promise<ToolRun> => runTool(config.binaries.qemu, args, options);
  // Help output must not depend on a machine being able to start.
  const bare = ['-M', 'none', '-nodefaults', '-display', 'none'];

  const [
    version,
    accelHelp,
    qtest,
    formats,
    devices,
    machines,
    img,
    io,
    nbd,
    qsd,
    imgHelp,
    luks,
    zstd,
  ] = await Promise.all([
    qemu(['--version']),
    qemu(['-accel', 'help']),
    qemu([...bare, '-accel', 'qtest,help']),
    qemu([...config.qemuOptions, '-M', 'none', '-drive', 'format=help']),
    qemu([...config.qemuOptions, '-M', 'none', '-device', 'help']),
    qemu(['-machine', 'help']),
    runTool(config.binaries.qemuImg, ['--version'], options),
    runTool(config.binaries.qemuIo, ['--version'], options),
    runTool(config.binaries.qemuNbd, ['--version'], options),
    runTool(config.binaries.qsd, ['--version'], options),
    runTool(config.binaries.qemuImg, ['--help'], options),
    probeLuks(config, options),
    probeQcow2Zstd(config, options),
  ]);

  const qemuVersion = parseVersion(
    requireSuccess(version, 'QEMU did not report its version').stdout,
  );
  if (qemuVersion.version === undefined) {
    throw new CapabilityProbeError(version, `no version number in "${qemuVersion.firstLine}"`);
  }
  const accelerators = parseAccelHelp(
    requireSuccess(accelHelp, 'QEMU did not list accelerators').stdout,
  );
  if (qtest.timedOut || qtest.spawnError !== undefined) {
    throw new CapabilityProbeError(qtest, 'could not check for the qtest accelerator');
  }
  const hasQtest = parseAccelPresence(qtest, 'qtest');
  const formatLists = parseFormatHelp(
    requireSuccess(formats, 'QEMU did not list its block formats (check QEMU_OPTIONS)').stdout,
  );
  const deviceNames = parseDeviceHelp(
    requireSuccess(devices, 'QEMU did not list its devices (check QEMU_OPTIONS)').stdout,
  );
  const machineHelp = parseMachineHelp(
    requireSuccess(machines, 'QEMU did not list its machines').stdout,
  );

  return {
    qemuVersion: qemuVersion.version,
    qemuVersionFull: qemuVersion.firstLine,
    accelerators,
    hasQtest,
    accelerator: hasQtest ? 'qtest' : 'tcg',
    formatsRw: formatLists.rw,
    formatsRo: formatLists.ro,
    devices: deviceNames,
    ...virtioSupport(deviceNames),
    defaultMachine: machineHelp.defaultMachine,
    tools: {
      qemuImg: toolInfo(config.binaries.qemuImg, img),
      qemuIo: toolInfo(config.binaries.qemuIo, io),
      qemuNbd: toolInfo(config.binaries.qemuNbd, nbd),
      qsd: toolInfo(config.binaries.qsd, qsd),
    },
    luks,
    quorum: imgHelp.exitCode === 0 && parseQuorumSupport(imgHelp.stdout),
    qcow2Zstd: zstd,
  };
}

function requireSuccess(run: ToolRun, problem: string): ToolRun {
  if (run.exitCode !== 0) throw new CapabilityProbeError(run, problem);
  return run;
}

function toolInfo(file: string, run: ToolRun): ToolInfo {
  const present = run.exitCode === 0;
  return { path: file, version: present ? parseVersion(run.stdout).version : undefined, present };
}
