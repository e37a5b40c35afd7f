import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from './errors';
import table from './qemu-binaries.json';
import type { Setting, SettingsReader } from './settings';
import type { InstalledQemuRelease, QemuBinaries } from './types';

/** QEMU's target name for the host CPU (`os.arch()` uses Node's names). */
export function qemuTargetForArch(nodeArch: string = os.arch()): string {
  return (table.targets as Record<string, string | undefined>)[nodeArch] ?? nodeArch;
}

/** The Debian package that ships `qemu-system-<target>`. */
export function debianPackageForEmulator(target: string): string {
  // The table ends with a catch-all pattern.
  return table.emulatorPackages.find((entry) => new RegExp(entry.targetPattern).test(target))!
    .package;
}

interface BinarySpec {
  key: keyof QemuBinaries;
  variable: string;
  /** File name searched on PATH when the variable is unset. */
  programName: string;
  /** Location inside a QEMU build tree. */
  buildPath: string[];
  debianPackage: string;
}

function binarySpecs(target: string): BinarySpec[] {
  const fill = (text: string): string =>
    text.replace('{target}', target).replace('{emulatorPackage}', debianPackageForEmulator(target));
  return table.binaries.map((entry) => ({
    key: entry.key as keyof QemuBinaries,
    variable: entry.variable,
    programName: fill(entry.programName),
    buildPath: entry.buildPath.map(fill),
    debianPackage: fill(entry.debianPackage),
  }));
}

/** True for a regular file (symlinks followed) that this process may execute. */
export function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds `name` on a PATH string like `which` does; undefined when absent. */
export function findOnPath(name: string, searchPath: string, cwd: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    // An empty PATH entry means the current directory.
    const candidate = path.resolve(cwd, dir === '' ? '.' : dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** Everything binary resolution needs besides the variables. */
export interface BinaryContext {
  reader: SettingsReader;
  cwd: string;
  searchPath: string;
  target?: string;
  /** The release QEMU_RELEASE chose (see release.ts). */
  release?: InstalledQemuRelease | undefined;
}

/**
 * Resolves the five QEMU programs: an explicit *_PROG wins, then a QEMU build
 * tree (QEMU_BUILD_DIR / buildDir, laid out like testenv.py's build_root),
 * then the installed release QEMU_RELEASE names, then the program name on PATH.
 */
export function resolveBinaries(context: BinaryContext): QemuBinaries {
  const target = context.target ?? qemuTargetForArch();
  const buildDir = resolveBuildDir(context);
  if (buildDir !== undefined && context.release !== undefined) {
    const setting = context.reader.get('QEMU_RELEASE', ['qemuRelease']);
    throw new ConfigError({
      variable: setting.name,
      value: setting.value,
      origin: setting.origin,
      problem: 'set together with QEMU_BUILD_DIR',
      hint: 'choose one QEMU: unset QEMU_RELEASE (or set it to system) to test the build tree',
    });
  }
  const resolved: Partial<QemuBinaries> = {};
  for (const spec of binarySpecs(target)) {
    resolved[spec.key] =
      buildDir === undefined && context.release !== undefined
        ? resolveInRelease(spec, context, context.release)
        : resolveOne(spec, context, buildDir);
  }
  return resolved as QemuBinaries;
}

function resolveInRelease(
  spec: BinarySpec,
  context: BinaryContext,
  release: InstalledQemuRelease,
): string {
  if (context.reader.get(spec.variable).value !== undefined) {
    return resolveOne(spec, context, undefined);
  }
  const file = path.join(release.binDir, spec.programName);
  checkExecutable(file, {
    variable: spec.variable,
    value: file,
    hint: `reinstall it with: npm run setup -- --qemu ${release.name}`,
  });
  return file;
}

function resolveBuildDir(context: BinaryContext): string | undefined {
  const setting = context.reader.get('QEMU_BUILD_DIR', ['buildDir']);
  if (setting.value === undefined) return undefined;
  const dir = path.resolve(context.cwd, setting.value);
  let isDir = false;
  try {
    isDir = fs.statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    throw new ConfigError({
      variable: setting.name,
      value: setting.value,
      origin: setting.origin,
      problem: 'not a directory',
      hint: 'set it to a QEMU build tree (the directory holding qemu-img and qemu-system-*)',
    });
  }
  return dir;
}

function resolveOne(
  spec: BinarySpec,
  context: BinaryContext,
  buildDir: string | undefined,
): string {
  const setting = context.reader.get(spec.variable);
  if (setting.value !== undefined) return resolveExplicit(spec, setting, context);
  if (buildDir !== undefined) return resolveInBuildDir(spec, buildDir);
  const found = findOnPath(spec.programName, context.searchPath, context.cwd);
  if (found === undefined) {
    throw new ConfigError({
      variable: spec.variable,
      value: spec.programName,
      origin: 'default',
      problem: 'not found on PATH',
      hint: `install the Debian package ${spec.debianPackage}, or set ${spec.variable} to the binary's path`,
    });
  }
  return found;
}

function resolveExplicit(spec: BinarySpec, setting: Setting, context: BinaryContext): string {
  const value = setting.value ?? spec.programName;
  const hint = `install the Debian package ${spec.debianPackage}, or set ${spec.variable} to an executable`;
  // A bare name is looked up on PATH, anything with a slash is a path.
  if (!value.includes('/')) {
    const found = findOnPath(value, context.searchPath, context.cwd);
    if (found !== undefined) return found;
    throw new ConfigError({
      variable: spec.variable,
      value,
      origin: setting.origin,
      problem: 'not found on PATH',
      hint,
    });
  }
  const file = path.resolve(context.cwd, value);
  checkExecutable(file, { variable: spec.variable, value, origin: setting.origin, hint });
  return file;
}

function resolveInBuildDir(spec: BinarySpec, buildDir: string): string {
  const hint = `build it there, or set ${spec.variable} (Debian package: ${spec.debianPackage})`;
  if (spec.key === 'qemu') {
    const preferred = path.join(buildDir, ...spec.buildPath);
    if (fs.existsSync(preferred)) {
      checkExecutable(preferred, { variable: spec.variable, value: preferred, hint });
      return preferred;
    }
    // Like testenv.py: a tree built for another target still has some emulator.
    const other = fs
      .readdirSync(buildDir)
      .filter((name) => name.startsWith('qemu-system-'))
      .sort()
      .map((name) => path.join(buildDir, name))
      .find(isExecutableFile);
    if (other !== undefined) return other;
    throw new ConfigError({
      variable: spec.variable,
      value: preferred,
      problem: 'no qemu-system-* executable in QEMU_BUILD_DIR',
      hint,
    });
  }
  const file = path.join(buildDir, ...spec.buildPath);
  checkExecutable(file, { variable: spec.variable, value: file, hint });
  return file;
}

function checkExecutable(
  file: string,
  where: { variable: string; value: string; origin?: Setting['origin']; hint: string },
): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new ConfigError({ ...where, problem: `no such file: ${file}` });
  }
  if (!stat.isFile()) {
    throw new ConfigError({ ...where, problem: `not a regular file: ${file}` });
  }
  if (!isExecutableFile(file)) {
    throw new ConfigError({ ...where, problem: `not executable: ${file}` });
  }
}
