// Run-wide directories. Without TEST_DIR/SOCK_DIR the defaults are per process; a Jest run has a
// parent and several workers, so global setup pins one pair for the whole run (workers inherit
// the environment) and global teardown removes it. Runs that died before their teardown
// (`--bail`, SIGKILL) leave theirs behind: the next global setup removes those whose owner is gone.
import fs from 'node:fs';
import path from 'node:path';

import { defaultSockDir, defaultTestDir } from '../config';
import { isLiveProcess } from '../machine/proc-info';
import { notRunLedgerDir } from './not-run';

/** Environment variable listing the directories global setup created and teardown removes. */
const OWNED_DIRS_VARIABLE = 'QEMU_IOTESTS_RUN_DIRS';

/** Give this run its own TEST_DIR and SOCK_DIR unless the user chose them. */
export function pinRunDirectories(options: Record<string, unknown>): void {
  const owned: string[] = [];
  const pin = (variable: 'TEST_DIR' | 'SOCK_DIR', dir: string): void => {
    if (process.env[variable] || options[variable] !== undefined) return;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env[variable] = dir;
    owned.push(dir);
  };
  pin('TEST_DIR', defaultTestDir(process.pid));
  pin('SOCK_DIR', defaultSockDir(process.pid));
  if (owned.length > 0) process.env[OWNED_DIRS_VARIABLE] = owned.join(path.delimiter);
}

/** Remove what pinRunDirectories created; safe to call twice (watch mode, signals). */
export function removeRunDirectories(): void {
  const owned = process.env[OWNED_DIRS_VARIABLE];
  if (!owned) return;
  for (const dir of owned.split(path.delimiter)) fs.rmSync(dir, { recursive: true, force: true });
  delete process.env[OWNED_DIRS_VARIABLE];
  delete process.env.TEST_DIR;
  delete process.env.SOCK_DIR;
}

/** Remove default run directories (and not-run ledgers) of runs whose process is gone. */
export function sweepStaleRunDirectories(): string[] {
  const removed: string[] = [];
  const perRun = [defaultTestDir, defaultSockDir, notRunLedgerDir].flatMap(runDirsOf);
  for (const { dir, pid } of perRun) {
    if (pid === process.pid || isLiveProcess(pid)) continue;
    fs.rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

// The existing default directories of any run: `defaultDir(pid)` for some pid.
function runDirsOf(defaultDir: (pid: number) => string): Array<{ dir: string; pid: number }> {
  const sample = defaultDir(0);
  const parent = path.dirname(sample);
  const prefix = path.basename(sample).slice(0, -1); // drop the trailing "0"
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const pid = name.startsWith(prefix) ? name.slice(prefix.length) : '';
    return /^\d+$/.test(pid) ? [{ dir: path.join(parent, name), pid: Number(pid) }] : [];
  });
}
