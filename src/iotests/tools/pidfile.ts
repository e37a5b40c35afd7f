// Waiting for a daemon's pid file, as the seed does for qemu-nbd and qemu-storage-daemon: poll
// until the file holds a pid, but fail fast (exit code + command + output) when the process dies
// first, and give up after a timeout instead of waiting forever.
import { readFile } from 'node:fs/promises';

import { sleep } from '../../common/sleep';
import type { TrackedProcess } from './tracked-process';
import { pythonReturncode } from './tool-error';

const POLL_MS = 10;

/** Read a pid file; undefined while it does not exist or is not completely written yet. */
export async function readPidFile(path: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  // QEMU writes "<pid>\n"; until the newline is there the write may be partial.
  const match = /^(\d+)\n/.exec(text);
  return match === null ? undefined : Number(match[1]);
}

/**
 * Wait until `child` has written its pid to `pidfile`; returns that pid. Throws QemuToolError
 * `<tool> terminated with exit code N: <command>` (with the output) when the child exits first,
 * or `... did not write its pid file` after `timeoutMs` (the child is killed then).
 */
export async function waitForPidFile(
  child: TrackedProcess,
  pidfile: string,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pid = await readPidFile(pidfile);
    if (pid !== undefined) {
      return pid;
    }
    if (child.exited) {
      await child.waitOutputClosed(1_000);
      const status = child.exitStatus ?? { exitCode: null, signal: null };
      const returncode = pythonReturncode(status.exitCode, status.signal) ?? -1;
      throw child.toolError(`${child.tool} terminated with exit code ${returncode}`, { status });
    }
    if (Date.now() >= deadline) {
      await child.stop('SIGKILL');
      throw child.toolError(
        `${child.tool} did not write its pid file ${pidfile} within ${timeoutMs} ms (killed)`,
        { timedOut: true },
      );
    }
    const poll = sleep(POLL_MS);
    try {
      await Promise.race([child.whenExited(), poll]);
    } finally {
      poll.cancel();
    }
  }
}
