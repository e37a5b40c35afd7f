// Where what a run keeps for later goes: debug traces, and the scratch of failed files under
// IOTESTS_KEEP_SCRATCH. Beside the run directories, which global teardown removes: a run's own
// TEST_DIR goes with it, so a failed file's scratch is moved out of it to be kept.
import fs from 'node:fs';
import path from 'node:path';

import { defaultTestDir } from '../config';

/** `<tmpdir>/qemu-iotests-<uid>/<what>`, created 0700. */
function keptRoot(what: 'traces' | 'kept'): string {
  const dir = path.join(path.dirname(defaultTestDir(0)), what);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** A fresh trace file path for the test file whose scratch directory is `testDir`. */
export function traceFilePath(testDir: string): string {
  return path.join(keptRoot('traces'), `${path.basename(testDir)}.trace`);
}

/** Whether `dir` lies in a run directory global setup created (and teardown removes). */
export function insideOwnedRunDirectory(dir: string): boolean {
  const owned = process.env.QEMU_IOTESTS_RUN_DIRS;
  if (!owned) return false;
  return owned
    .split(path.delimiter)
    .some((root) => root !== '' && !path.relative(root, dir).startsWith('..'));
}

/** Where keepScratch will keep `testDir`. */
export function keptScratchPath(testDir: string): string {
  return insideOwnedRunDirectory(testDir)
    ? path.join(keptRoot('kept'), path.basename(testDir))
    : testDir;
}

/**
 * Keep a failed file's scratch directory: moved out of a run directory that teardown removes,
 * else left where it is (a TEST_DIR the user chose is the user's). Returns where it is now.
 */
export function keepScratch(testDir: string): string {
  const target = keptScratchPath(testDir);
  if (target === testDir) return testDir;
  try {
    fs.renameSync(testDir, target);
    return target;
  } catch {
    // Another file system: copy, then let the run directory's removal take the original.
    fs.cpSync(testDir, target, { recursive: true });
    return target;
  }
}
