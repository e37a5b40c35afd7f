import path from 'node:path';
import { findOnPath, resolveBinaries } from './binaries';
import {
  checkReadableDir,
  checkSocketDirLength,
  checkWritableDir,
  defaultSockDir,
  defaultTestDir,
  type DirectorySetting,
} from './directories';
import { ConfigError } from './errors';
import { IMAGE_FORMATS, isImageFormat, type ImageFormat } from './image-format';
import { resolveQemuRelease } from './release';
import { SettingsReader } from './settings';
import {
  defaultQemuOptions,
  deriveImgopts,
  deriveQemuIoOptions,
  splitOptions,
} from './tool-options';
import type { AioMode, CacheMode, ConfigSource, IotestsConfig } from './types';
import {
  AIO_MODES,
  CACHE_MODES,
  DEFAULT_TIMEOUT_SECONDS,
  NON_GENERIC_FORMATS,
  PROTOCOLS,
} from './variables';

/** Inputs of `resolveConfig`; every field is optional. */
export interface ResolveConfigOptions {
  /** Environment variables; defaults to `process.env`. Wins over `options`. */
  env?: ConfigSource;
  /** Jest `testEnvironmentOptions` (same variable names, plus `buildDir`). */
  options?: Readonly<Record<string, unknown>>;
  /** Base for relative paths; defaults to `process.cwd()`. */
  cwd?: string;
}

/**
 * Reads the iotests variables (environment over testEnvironmentOptions over
 * defaults) into one validated config. Works without QEMU's `check` script.
 * Only looks at the file system (PATH lookups, directory checks); creates
 * nothing. Throws ConfigError naming the bad variable.
 */
export function resolveConfig(opts: ResolveConfigOptions = {}): IotestsConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const reader = new SettingsReader(env, opts.options ?? {});
  const searchPath = env.PATH ?? process.env.PATH ?? '';

  const imgfmt = readImgfmt(reader);
  const imgproto = reader.choice('IMGPROTO', PROTOCOLS, 'file', 'a supported protocol');
  const cachemode = reader.choice<CacheMode>('CACHEMODE', CACHE_MODES, 'writeback', 'a cache mode');
  const cachemodeIsDefault =
    reader.optionalFlag('CACHEMODE_IS_DEFAULT') ?? reader.get('CACHEMODE').value === undefined;
  const aiomode = reader.choice<AioMode>('AIOMODE', AIO_MODES, 'threads', 'an AIO mode');
  checkAioNeedsDirectIo(reader, aiomode, cachemode);

  const dirs = resolveDirectories(reader, cwd);
  const qemuRelease = resolveQemuRelease(reader, env);
  const binaries = resolveBinaries({ reader, cwd, searchPath, release: qemuRelease });
  const misalign = reader.flag('MISALIGN');

  const qemuOptionsSetting = reader.get('QEMU_OPTIONS');
  const qemuOptions =
    qemuOptionsSetting.value === undefined
      ? defaultQemuOptions(binaries.qemu)
      : splitOptions(qemuOptionsSetting.value);
  const derivedIo = deriveQemuIoOptions({ cachemode, aiomode, misalign, imgfmt });
  const ioSetting = reader.get('QEMU_IO_OPTIONS');
  const ioNoFmtSetting = reader.get('QEMU_IO_OPTIONS_NO_FMT');

  const isLuks = imgfmt === 'luks';
  const debugging = resolveDebugWrappers(reader, { cwd, searchPath, testDir: dirs.testDir });

  return {
    imgfmt,
    imgproto,
    cachemode,
    cachemodeIsDefault,
    aiomode,
    testDir: dirs.testDir,
    sockDir: dirs.sockDir,
    sampleImgDir: dirs.sampleImgDir,
    outputDir: dirs.outputDir,
    binaries,
    qemuRelease,
    qemuOptions,
    qemuImgOptions: splitOptions(reader.get('QEMU_IMG_OPTIONS').value),
    qemuIoOptions:
      ioSetting.value === undefined ? derivedIo.withFormat : splitOptions(ioSetting.value),
    qemuIoOptionsNoFmt:
      ioNoFmtSetting.value === undefined
        ? derivedIo.withoutFormat
        : splitOptions(ioNoFmtSetting.value),
    qemuNbdOptions: splitOptions(reader.get('QEMU_NBD_OPTIONS').value),
    defaultMachine: reader.get('QEMU_DEFAULT_MACHINE').value,
    imgopts: deriveImgopts(imgfmt, reader.get('IMGOPTS').value),
    imgKeySecret: reader.get('IMGKEYSECRET').value ?? (isLuks ? '123456' : ''),
    imgoptsSyntax: reader.optionalFlag('IMGOPTSSYNTAX') ?? isLuks,
    imgfmtGeneric: reader.optionalFlag('IMGFMT_GENERIC') ?? !NON_GENERIC_FORMATS.includes(imgfmt),
    misalign,
    gdbOptions: debugging.gdbOptions,
    valgrindQemu: debugging.valgrindQemu,
    printQemu: reader.flag('PRINT_QEMU'),
    timeouts: {
      qmpCommandMs: reader.secondsAsMs('IOTESTS_QMP_TIMEOUT', DEFAULT_TIMEOUT_SECONDS.qmpCommand),
      eventWaitMs: reader.secondsAsMs('IOTESTS_EVENT_TIMEOUT', DEFAULT_TIMEOUT_SECONDS.eventWait),
      launchMs: reader.secondsAsMs('IOTESTS_LAUNCH_TIMEOUT', DEFAULT_TIMEOUT_SECONDS.launch),
      shutdownMs: reader.secondsAsMs('IOTESTS_SHUTDOWN_TIMEOUT', DEFAULT_TIMEOUT_SECONDS.shutdown),
    },
    keepScratchOnFailure: reader.flag('IOTESTS_KEEP_SCRATCH'),
    referenceBase: readReleaseName(reader, 'IOTESTS_REFERENCE_BASE', ['referenceBase']),
    qemuWrapper: debugging.wrapper,
    defaultedDirs: dirs.defaulted,
  };
}

function readImgfmt(reader: SettingsReader): ImageFormat {
  const setting = reader.get('IMGFMT');
  const imgfmt = setting.value ?? 'raw';
  if (!isImageFormat(imgfmt)) {
    throw new ConfigError({
      variable: 'IMGFMT',
      value: imgfmt,
      origin: setting.origin,
      problem: 'not an image format qemu-iotests tests',
      hint: `accepted: ${IMAGE_FORMATS.join(', ')} (\`check\`'s format options; vvfat is a directory driver, not an image format)`,
    });
  }
  return imgfmt;
}

// file-posix refuses aio=native without O_DIRECT, so every qemu-io call would fail.
function checkAioNeedsDirectIo(
  reader: SettingsReader,
  aiomode: AioMode,
  cachemode: CacheMode,
): void {
  if (aiomode !== 'native' || cachemode === 'none' || cachemode === 'directsync') return;
  const setting = reader.get('AIOMODE');
  throw new ConfigError({
    variable: 'AIOMODE',
    value: aiomode,
    origin: setting.origin,
    problem: `needs O_DIRECT but CACHEMODE is ${cachemode}`,
    hint: 'set CACHEMODE=none (or directsync), or use AIOMODE=threads or io_uring',
  });
}

interface ResolvedDirectories {
  testDir: string;
  sockDir: string;
  outputDir: string;
  sampleImgDir: string | undefined;
  defaulted: string[];
}

function resolveDirectories(reader: SettingsReader, cwd: string): ResolvedDirectories {
  const testDir = directorySetting(reader, 'TEST_DIR', cwd, defaultTestDir());
  const sockDir = directorySetting(reader, 'SOCK_DIR', cwd, defaultSockDir());
  const outputDir = directorySetting(reader, 'OUTPUT_DIR', cwd, testDir.dir);
  checkWritableDir(testDir);
  checkSocketDirLength(sockDir);
  checkWritableDir(sockDir);
  checkWritableDir(outputDir);

  const sample = reader.get('SAMPLE_IMG_DIR');
  let sampleImgDir: string | undefined;
  if (sample.value !== undefined) {
    sampleImgDir = path.resolve(cwd, sample.value);
    checkReadableDir({
      variable: 'SAMPLE_IMG_DIR',
      dir: sampleImgDir,
      origin: sample.origin,
      given: sample.value,
    });
  }
  const defaulted = [testDir, sockDir, outputDir]
    .filter((setting) => setting.given === undefined)
    .map((setting) => setting.dir);
  return {
    testDir: testDir.dir,
    sockDir: sockDir.dir,
    outputDir: outputDir.dir,
    sampleImgDir,
    defaulted: [...new Set(defaulted)],
  };
}

function directorySetting(
  reader: SettingsReader,
  variable: string,
  cwd: string,
  fallback: string,
): DirectorySetting {
  const setting = reader.get(variable);
  if (setting.value === undefined) return { variable, dir: fallback, origin: 'default' };
  return {
    variable,
    dir: path.resolve(cwd, setting.value),
    origin: setting.origin,
    given: setting.value,
  };
}

interface DebugWrappers {
  gdbOptions: string[] | undefined;
  valgrindQemu: boolean;
  wrapper: string[];
}

function resolveDebugWrappers(
  reader: SettingsReader,
  context: { cwd: string; searchPath: string; testDir: string },
): DebugWrappers {
  const gdbSetting = reader.get('GDB_OPTIONS');
  const gdbOptions = gdbSetting.value === undefined ? undefined : splitOptions(gdbSetting.value);
  const valgrindQemu = reader.flag('VALGRIND_QEMU') && !reader.flag('NO_VALGRIND');
  if (gdbOptions !== undefined && gdbOptions.length === 0) {
    throw new ConfigError({
      variable: 'GDB_OPTIONS',
      value: gdbSetting.value,
      origin: gdbSetting.origin,
      problem: 'holds no gdbserver arguments',
      hint: 'accepted: gdbserver arguments such as localhost:12345, or unset it',
    });
  }

  if (gdbOptions !== undefined && valgrindQemu) {
    throw new ConfigError({
      variable: 'GDB_OPTIONS',
      value: gdbSetting.value,
      origin: gdbSetting.origin,
      problem: 'gdb and valgrind are mutually exclusive, and VALGRIND_QEMU is on too',
      hint: 'unset GDB_OPTIONS or VALGRIND_QEMU (or set NO_VALGRIND=y)',
    });
  }
  if (gdbOptions !== undefined) {
    requireTool('gdbserver', 'gdbserver', 'GDB_OPTIONS', gdbSetting.value, context);
    return { gdbOptions, valgrindQemu, wrapper: ['gdbserver', ...gdbOptions] };
  }
  if (valgrindQemu) {
    requireTool(
      'valgrind',
      'valgrind',
      'VALGRIND_QEMU',
      reader.get('VALGRIND_QEMU').value,
      context,
    );
    // %p: valgrind substitutes the PID, unknown before QEMU starts.
    const logFile = `--log-file=${path.join(context.testDir, '%p.valgrind')}`;
    return { gdbOptions, valgrindQemu, wrapper: ['valgrind', logFile, '--error-exitcode=99'] };
  }
  return { gdbOptions, valgrindQemu, wrapper: [] };
}

function requireTool(
  program: string,
  debianPackage: string,
  variable: string,
  value: string | undefined,
  context: { cwd: string; searchPath: string },
): void {
  if (findOnPath(program, context.searchPath, context.cwd) !== undefined) return;
  throw new ConfigError({
    variable,
    value,
    problem: `needs ${program}, which is not on PATH`,
    hint: `install the Debian package ${debianPackage}, or unset ${variable}`,
  });
}

// A QEMU release as major.minor, e.g. 7.2 or 10.0.
function readReleaseName(
  reader: SettingsReader,
  name: string,
  optionAliases: readonly string[],
): string | undefined {
  const setting = reader.get(name, optionAliases);
  if (setting.value === undefined || /^\d+\.\d+$/.test(setting.value)) return setting.value;
  throw new ConfigError({
    variable: name,
    value: setting.value,
    origin: setting.origin,
    problem: 'not a QEMU release',
    hint: 'accepted: major.minor, e.g. 7.2 or 10.0',
  });
}
