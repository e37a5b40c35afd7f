// The seed's file helpers: scratch file names in TEST_DIR that clean themselves up (file_path,
// FilePath), try_remove, create_image, unarchive_sample_image, remote_filename and Timeout.
import { closeSync, openSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';

import { onFileCleanup } from './cleanup';
import { fileContext } from './context';
import { raceTimeout } from './race-timeout';
import { hasRuntime, runtime } from './runtime';
import { runProcess, type ProcessRun } from '../common/run-process';

/** Options of filePath / filePaths / withFilePaths (the seed's `base_dir` keyword). */
export interface FilePathOptions {
  /** Directory of the files (default: the test directory; e.g. `fileContext().sockDir` for sockets). */
  baseDir?: string;
}

/** The seed's `file_pattern`: the file name of `name` in this test (`${pid}-${name}`). */
export function filePattern(name: string): string {
  checkName('filePattern', name);
  return `${fileContext().filePrefix}${name}`;
}

/**
 * The seed's `file_path`: `<TEST_DIR>/<pid>-<name>` for each name, removed when the test file
 * ends. One name gives one path, several names an array, as in the seed:
 * `const img = filePath('t.img')`, `const [a, b] = filePath('a.img', 'b.img')`.
 */
export function filePath(name: string, options?: FilePathOptions): string;
export function filePath(...names: [string, string, ...string[]]): string[];
export function filePath(...args: [string, string, ...string[], FilePathOptions]): string[];
export function filePath(...args: Array<string | FilePathOptions | undefined>): string | string[] {
  const { names, options } = splitNames('filePath', args);
  const paths = filePaths(names, options);
  return paths.length === 1 ? paths[0] : paths;
}

/** `filePath` for a list of names; always an array. */
export function filePaths(names: readonly string[], options: FilePathOptions = {}): string[] {
  const paths = makePaths('filePaths', names, options);
  // Removed in reverse order of creation, like the seed's file_path_remover.
  onFileCleanup(() => removeAll(paths), `remove ${paths.join(', ')}`);
  return paths;
}

/**
 * The seed's `FilePath` context manager: `fn` gets the path (one name) or paths (an array of
 * names), and the files are removed when it finishes, whether it returns or throws.
 */
export async function withFilePaths<T>(
  name: string,
  fn: (path: string) => T | Promise<T>,
  options?: FilePathOptions,
): Promise<Awaited<T>>;
export async function withFilePaths<T>(
  names: readonly string[],
  fn: (paths: string[]) => T | Promise<T>,
  options?: FilePathOptions,
): Promise<Awaited<T>>;
export async function withFilePaths<T>(
  names: string | readonly string[],
  fn: ((path: string) => T | Promise<T>) | ((paths: string[]) => T | Promise<T>),
  options: FilePathOptions = {},
): Promise<Awaited<T>> {
  const single = typeof names === 'string';
  const paths = makePaths('withFilePaths', single ? [names] : names, options);
  try {
    // The overloads pair a single name with a single-path callback and a list with a list one.
    return await (single
      ? (fn as (path: string) => T | Promise<T>)(paths[0])
      : (fn as (paths: string[]) => T | Promise<T>)(paths));
  } finally {
    removeAll(paths);
  }
}

/** The seed's `try_remove`: remove a file, ignoring any error (e.g. it does not exist). */
export function tryRemove(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Like the seed: whatever went wrong, the file is not there to worry about.
  }
}

/** The largest size `createImage` can mark: the sector number is a signed 32-bit integer. */
export const CREATE_IMAGE_MAX_SIZE = 2 ** 31 * 512;

const SECTOR = 512;
const SECTORS_PER_WRITE = 2048;

/**
 * The seed's `create_image(name, size)`: at `imagePath` (a path, e.g. from `filePath`, not a name
 * inside TEST_DIR), a fully allocated raw image of `size` bytes (rounded up to whole 512-byte
 * sectors) where sector N holds N as a big-endian int32, 504 zero bytes, and N again.
 */
export async function createImage(imagePath: string, size: number): Promise<void> {
  // Kept: no type says "non-negative integer"; -1 or NaN would silently make an empty image, and
  // past int32 the sector numbers would wrap.
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new TypeError(`createImage: size must be a non-negative integer, got ${String(size)}`);
  }
  if (size > CREATE_IMAGE_MAX_SIZE) {
    throw new RangeError(
      `createImage: size ${size} needs sector numbers beyond int32; at most ${CREATE_IMAGE_MAX_SIZE}`,
    );
  }
  const sectors = Math.ceil(size / SECTOR);
  const handle = await open(imagePath, 'w');
  try {
    const chunk = Buffer.alloc(SECTORS_PER_WRITE * SECTOR);
    for (let first = 0; first < sectors; first += SECTORS_PER_WRITE) {
      const count = Math.min(SECTORS_PER_WRITE, sectors - first);
      for (let i = 0; i < count; i++) {
        chunk.writeInt32BE(first + i, i * SECTOR);
        chunk.writeInt32BE(first + i, i * SECTOR + SECTOR - 4);
      }
      await handle.write(chunk, 0, count * SECTOR);
    }
  } finally {
    await handle.close();
  }
}

/** Bound for decompressing one sample image (they are a few MiB). */
const UNARCHIVE_TIMEOUT_MS = 120_000;

/**
 * The seed's `unarchive_sample_image`: decompress `<SAMPLE_IMG_DIR>/<sample>.bz2` into `fname`.
 * Node has no bzip2 decoder, so this runs the `bzip2` program (Debian package `bzip2`).
 */
export async function unarchiveSampleImage(sample: string, fname: string): Promise<void> {
  const sampleDir = runtime().config.sampleImgDir;
  if (sampleDir === undefined) {
    throw new Error(
      'unarchiveSampleImage: no sample image directory; set SAMPLE_IMG_DIR ' +
        "(QEMU's tests/qemu-iotests/sample_images)",
    );
  }
  const archive = path.join(sampleDir, `${sample}.bz2`);
  const output = openSync(fname, 'w');
  let result: ProcessRun;
  try {
    result = await runProcess('bzip2', ['-d', '-c', '--', archive], {
      timeoutMs: UNARCHIVE_TIMEOUT_MS,
      output: [output, 'pipe'],
    });
  } finally {
    closeSync(output);
  }
  if (result.spawnFailure?.code === 'ENOENT') {
    tryRemove(fname);
    throw new Error(
      'unarchiveSampleImage: the bzip2 program was not found on PATH; ' +
        'install the Debian package `bzip2` (apt-get install bzip2)',
    );
  }
  if (result.exitCode !== 0) {
    tryRemove(fname);
    throw new Error(
      `unarchiveSampleImage: bzip2 could not decompress ${archive} ` +
        `(exit ${String(result.exitCode ?? result.signal)}): ${result.stderr.trim()}`,
    );
  }
}

/** The seed's `remote_filename`: how the image protocol under test names a local path. */
export function remoteFilename(file: string): string {
  const imgproto = runtime().config.imgproto;
  if (imgproto === 'file') {
    return file;
  }
  if (imgproto === 'ssh') {
    return `ssh://${process.env.USER ?? 'None'}@127.0.0.1:22${file}`;
  }
  throw new Error(`remoteFilename: protocol ${imgproto} is not supported (supported: file, ssh)`);
}

/** Options of withTimeout. */
export interface WithTimeoutOptions {
  /** Force the timeout on or off (default: off under gdb or valgrind, like the seed). */
  enabled?: boolean;
}

/**
 * The seed's `Timeout` context manager: run `fn`, rejecting with `Error(message)` when it takes
 * longer than `ms`. Disabled when QEMU runs under gdb or valgrind. Unlike SIGALRM this cannot
 * interrupt `fn`: the caller stops waiting, `fn` is left to finish (or be cleaned up) on its own.
 */
export async function withTimeout<T>(
  ms: number,
  message: string,
  fn: () => T | Promise<T>,
  options: WithTimeoutOptions = {},
): Promise<Awaited<T>> {
  // Kept: a timer of 0 or NaN ms fires at once, which would fail every call "by timeout".
  if (!(ms > 0)) {
    throw new TypeError(`withTimeout: ms must be a positive number, got ${String(ms)}`);
  }
  const run = Promise.resolve().then(fn);
  if (!(options.enabled ?? !underDebugger())) {
    return await run;
  }
  // fn's own failure after the timeout fired must not become an unhandled rejection: raceTimeout
  // handles it.
  return await raceTimeout(run, ms, (): never => {
    throw new Error(message);
  });
}

function underDebugger(): boolean {
  if (!hasRuntime()) {
    return false;
  }
  const { config } = runtime();
  return config.gdbOptions !== undefined || config.valgrindQemu;
}

function makePaths(fn: string, names: readonly string[], options: FilePathOptions): string[] {
  const ctx = fileContext();
  const baseDir = options.baseDir ?? ctx.testDir;
  // Kept: '' would make the paths relative, so files would land in (and stay in) the cwd.
  if (baseDir === '') {
    throw new TypeError(`${fn}: baseDir must be a non-empty string, got ""`);
  }
  return names.map((name) => {
    checkName(fn, name);
    return path.join(baseDir, `${ctx.filePrefix}${name}`);
  });
}

function splitNames(
  fn: string,
  args: ReadonlyArray<string | FilePathOptions | undefined>,
): { names: string[]; options: FilePathOptions } {
  const last = args[args.length - 1];
  const hasOptions = last === undefined || typeof last === 'object';
  // The overloads put the options last, so everything before them is a name.
  const names = (hasOptions ? args.slice(0, -1) : args) as string[];
  names.forEach((name) => checkName(fn, name));
  return { names, options: (hasOptions ? last : undefined) ?? {} };
}

function removeAll(paths: readonly string[]): void {
  for (const file of [...paths].reverse()) {
    tryRemove(file);
  }
}

// Kept: no type says "non-empty, without NUL"; '' would name the bare prefix (every '' the same
// file) and a NUL would only fail later, in whatever tool gets the path.
function checkName(fn: string, name: string): void {
  if (name === '' || name.includes('\0')) {
    throw new TypeError(
      `${fn}: a file name must be a non-empty string without NUL bytes, got ${JSON.stringify(name)}`,
    );
  }
}
