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
  remove(): void;
}

/** Create the private scratch and socket directories of the test file at `testPath`. */
export async function createFileDirs(config: IotestsConfig, testPath: string): Promise<FileDirs> {
  await fs.promises.mkdir(config.testDir, { recursive: true, mode: 0o700 });
  await fs.promises.mkdir(config.sockDir, { recursive: true, mode: 0o700 });
  const stem = path.basename(testPath).replace(/\.(test|iotest)\.[cm]?[jt]s$/, '');
  const label = stem.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40);
  const testDir = await fs.promises.mkdtemp(path.join(config.testDir, `${label}-`));
  const sockDir = await fs.promises.mkdtemp(path.join(config.sockDir, 's'));
  // mkdtemp already creates 0700 directories; chmod guards against an unusual umask handling.
  await Promise.all([fs.promises.chmod(testDir, 0o700), fs.promises.chmod(sockDir, 0o700)]);
  return {
    testDir,
    sockDir,
    remove() {
      fs.rmSync(testDir, { recursive: true, force: true });
      fs.rmSync(sockDir, { recursive: true, force: true });
    },
  };
}
