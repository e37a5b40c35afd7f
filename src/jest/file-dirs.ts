// Every test file gets its own scratch and socket directory (mode 0700), so that parallel
// workers and files using the same image names never collide. Socket directories sit directly
// under the short SOCK_DIR: AF_UNIX paths are limited to 107 bytes.
import fs from 'node:fs';
import path from 'node:path';

import type { IotestsConfig } from '../config';

/** A test file's private directories. */
export interface FileDirs {
  readonly testDir: string;
  readonly sockDir: string;
  /** Removes both, or only the socket directory with keepTestDir (scratch kept for a failure). */
  remove(options?: { keepTestDir?: boolean }): void;
}

/**
 * Create the private scratch and socket directories of the test file at `testPath`. Synchronous
 * on purpose: a handful of metadata calls cost less than the thread-pool round trips of their
 * promise versions, and nothing else runs in the worker meanwhile.
 */
export function createFileDirs(config: IotestsConfig, testPath: string): FileDirs {
  // The run-wide parents; cheap when they exist (watch mode's teardown may have removed them).
  fs.mkdirSync(config.testDir, { recursive: true, mode: 0o700 });
  fs.mkdirSync(config.sockDir, { recursive: true, mode: 0o700 });
  const stem = path.basename(testPath).replace(/\.(test|iotest)\.[cm]?[jt]s$/, '');
  const label = stem.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40);
  const testDir = mkdtempPrivate(path.join(config.testDir, `${label}-`));
  let sockDir: string;
  try {
    sockDir = mkdtempPrivate(path.join(config.sockDir, 's'));
  } catch (error) {
    fs.rmSync(testDir, { recursive: true, force: true });
    throw error;
  }
  return {
    testDir,
    sockDir,
    remove({ keepTestDir = false } = {}) {
      if (!keepTestDir) fs.rmSync(testDir, { recursive: true, force: true });
      fs.rmSync(sockDir, { recursive: true, force: true });
    },
  };
}

function mkdtempPrivate(prefix: string): string {
  const dir = fs.mkdtempSync(prefix);
  // mkdtemp already creates 0700 directories; chmod guards against an unusual umask handling.
  fs.chmodSync(dir, 0o700);
  return dir;
}
