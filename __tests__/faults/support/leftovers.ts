// What a run can leave behind: QEMU processes (found through /proc by the run's directories on
// their command lines, so that other runs on the machine are never counted or touched) and files.
import fs from 'node:fs';
import path from 'node:path';

import { isLiveProcess } from '../../../src/machine';

/** A live (not zombie) process. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** The program's base name, e.g. 'qemu-system-x86_64'. */
  program: string;
  cmdline: string;
}

/** The programs a run must never leave behind. */
export const QEMU_PROGRAMS = /^(qemu-system-.*|qemu-nbd|qemu-storage-daemon)$/;

/** Every live process of this user, read from /proc. */
export function liveProcesses(): ProcessInfo[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        // "pid (comm) state ppid ...": comm may contain spaces and parentheses.
        const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (state === 'Z' || state === 'X') return [];
        const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
        return [
          {
            pid: Number(entry),
            ppid: Number(ppid),
            program: path.basename(argv[0] ?? ''),
            cmdline: argv.join(' ').trim(),
          },
        ];
      } catch {
        return []; // gone meanwhile
      }
    });
}

/** QEMU processes (system emulator, qemu-nbd, storage daemon) whose command line names a dir. */
export function qemuProcessesUsing(dirs: readonly string[]): ProcessInfo[] {
  return liveProcesses().filter(
    (p) => QEMU_PROGRAMS.test(p.program) && dirs.some((dir) => p.cmdline.includes(dir)),
  );
}

/** The pids of every descendant of `pid` (children, grandchildren...). */
export function descendantsOf(pid: number): ProcessInfo[] {
  const all = liveProcesses();
  const found: ProcessInfo[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next = all.filter((p) => frontier.includes(p.ppid));
    found.push(...next);
    frontier = next.map((p) => p.pid);
  }
  return found;
}

/** Whether a pid still runs (zombies count as gone). */
export function isRunning(pid: number): boolean {
  return isLiveProcess(pid);
}

/** Everything under `dir`, relative, sorted; [] when `dir` is empty; undefined when it is gone. */
export function entriesUnder(dir: string): string[] | undefined {
  if (!fs.existsSync(dir)) return undefined;
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

/** Polls `condition` until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** SIGKILLs processes a failed test left behind (by pid, never by name). */
export function killAll(processes: readonly ProcessInfo[]): void {
  for (const p of processes) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
