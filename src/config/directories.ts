import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, type SettingOrigin } from './errors';

/** sun_path holds 108 bytes including the terminating NUL. */
export const UNIX_SOCKET_PATH_MAX = 107;
/** Room left for the socket file name QEMU and the helpers create in SOCK_DIR. */
export const SOCKET_NAME_RESERVE = 40;

/** A per-user tag for shared temp locations, so two users never collide. */
export function userTag(): string {
  return typeof process.getuid === 'function' ? String(process.getuid()) : os.userInfo().username;
}

/** This user's directory under the OS temp dir: run directories, capability cache, firmware. */
export function userTempDir(): string {
  return path.join(os.tmpdir(), `qemu-iotests-${userTag()}`);
}

/** Default TEST_DIR: per run, under the OS temp dir, never inside the project. */
export function defaultTestDir(pid: number = process.pid): string {
  return path.join(userTempDir(), `run-${pid}`);
}

/** Default SOCK_DIR: directly under /tmp, because TMPDIR may be too long for AF_UNIX paths. */
export function defaultSockDir(pid: number = process.pid): string {
  const base = process.platform === 'win32' ? os.tmpdir() : '/tmp';
  return path.join(base, `qemu-iotests-${userTag()}-${pid}`);
}

/** Names one directory setting for checks and errors. */
export interface DirectorySetting {
  variable: string;
  dir: string;
  origin: SettingOrigin;
  /** The text the user gave, when they gave one. */
  given?: string;
}

/**
 * Checks, without creating anything, that `dir` is a writable directory or can
 * be created (its nearest existing ancestor is a writable directory).
 */
export function checkWritableDir(setting: DirectorySetting): void {
  const existing = nearestExisting(setting.dir);
  const fail = (problem: string, hint: string): never => {
    throw new ConfigError({
      variable: setting.variable,
      value: setting.given ?? setting.dir,
      origin: setting.given === undefined ? 'default' : setting.origin,
      problem,
      hint,
    });
  };
  if (!isDirectory(existing)) {
    if (existing === setting.dir) {
      fail('exists but is not a directory', 'point it at a directory or remove the file');
    }
    fail(`cannot be created: ${existing} is not a directory`, 'choose another location');
  }
  if (!isWritable(existing)) {
    if (existing === setting.dir) {
      fail('is not writable', 'choose a directory this user can write to');
    }
    fail(`cannot be created: ${existing} is not writable`, 'choose another location');
  }
}

/** Rejects a socket directory too long for `<dir>/<~40-byte name>` to fit in sun_path. */
export function checkSocketDirLength(setting: DirectorySetting): void {
  const bytes = Buffer.byteLength(setting.dir);
  const limit = UNIX_SOCKET_PATH_MAX - SOCKET_NAME_RESERVE - 1;
  if (bytes > limit) {
    throw new ConfigError({
      variable: setting.variable,
      value: setting.given ?? setting.dir,
      origin: setting.given === undefined ? 'default' : setting.origin,
      problem: `is ${bytes} bytes long, too long for UNIX socket paths (at most ${limit} bytes, so that a ${SOCKET_NAME_RESERVE}-byte socket name fits in ${UNIX_SOCKET_PATH_MAX})`,
      hint: 'choose a shorter directory such as /tmp/qit',
    });
  }
}

/** Checks that a directory to read from exists. */
export function checkReadableDir(setting: DirectorySetting): void {
  if (!isDirectory(setting.dir)) {
    throw new ConfigError({
      variable: setting.variable,
      value: setting.given ?? setting.dir,
      origin: setting.origin,
      problem: 'not an existing directory',
      hint: 'point it at the directory holding the sample images',
    });
  }
}

/** Creates the run's directories (0700 where new); call once before tests run. */
export function ensureDirectories(config: {
  testDir: string;
  sockDir: string;
  outputDir: string;
}): void {
  for (const dir of [config.testDir, config.sockDir, config.outputDir]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
}

function nearestExisting(dir: string): string {
  let current = dir;
  for (;;) {
    if (pathExists(current)) return current;
    const parent = path.dirname(current);
    if (parent === current) return current;
    current = parent;
  }
}

function pathExists(file: string): boolean {
  try {
    fs.statSync(file);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function isWritable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
