// What Linux's /proc says about a process: used to tell a process from a later one that reused
// its pid, and to learn how a child died before Node has reaped it. Elsewhere these read as
// "unknown" (undefined) and callers fall back to plainer checks.

import { readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';

/** The parts of /proc/<pid>/stat this package uses. */
export interface ProcStat {
  /** One-letter state: R running, S sleeping, T stopped, Z zombie, X dead, ... */
  state: string;
  /** Kernel start time in clock ticks since boot; identifies a process together with its pid. */
  startTime: number;
  /** Whether the kernel is already tearing the process down (PF_EXITING). */
  exiting: boolean;
  /** The wait status the process will report (set as soon as it starts exiting), 0 if none yet. */
  waitStatus: number;
}

const PF_EXITING = 0x4;
// Field numbers from proc(5), counted from 1; the text after the ')' of the command name starts
// at field 3.
const FIRST_FIELD_AFTER_COMM = 3;
const FIELD_STATE = 3;
const FIELD_FLAGS = 9;
const FIELD_STARTTIME = 22;
const FIELD_EXIT_CODE = 52;

function field(fields: string[], number: number): string | undefined {
  return fields[number - FIRST_FIELD_AFTER_COMM];
}

/** Parses /proc/<pid>/stat; undefined when the process is gone or /proc is unavailable. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name may contain spaces and parentheses; it ends at the last ')'.
  const fields = text
    .slice(text.lastIndexOf(')') + 2)
    .trim()
    .split(' ');
  const state = field(fields, FIELD_STATE);
  const startTime = Number(field(fields, FIELD_STARTTIME));
  if (state === undefined || !Number.isFinite(startTime)) {
    return undefined;
  }
  const flags = Number(field(fields, FIELD_FLAGS) ?? 0);
  const exitCode = Number(field(fields, FIELD_EXIT_CODE) ?? 0);
  return {
    state,
    startTime,
    exiting: (flags & PF_EXITING) !== 0,
    waitStatus: Number.isFinite(exitCode) ? exitCode : 0,
  };
}

/** The NUL-separated argv of a process as one string; undefined when it cannot be read. */
export function readProcCmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1');
  } catch {
    return undefined;
  }
}

/** What readProcCmdline reads for a process that was executed with `argv` (UTF-8 bytes as latin1). */
export function cmdlineOf(argv: readonly string[]): string {
  return Buffer.from(argv.map((arg) => `${arg}\0`).join(''), 'utf8').toString('latin1');
}

/** What tells a process from a later one that reused its pid; a part that is unknown is null. */
export interface ProcessIdentity {
  /** Its kernel start time (ProcStat.startTime). */
  startTime?: number | null | undefined;
  /** Its argv as readProcCmdline reads it. */
  cmdline?: string | null | undefined;
}

let procWorks: boolean | undefined;

/**
 * The one "is it still that process" question: whether `pid` is a live process (not gone, not a
 * zombie) and, for each part of `identity` that is known, the very process it describes. Where
 * there is no /proc (not Linux), only existence can be checked.
 */
export function isLiveProcess(pid: number, identity: ProcessIdentity = {}): boolean {
  const stat = readProcStat(pid);
  if (stat === undefined) {
    procWorks ??= readProcStat(process.pid) !== undefined;
    return !procWorks && existsBySignal(pid);
  }
  if (stat.state === 'Z' || stat.state === 'X') {
    return false;
  }
  const { startTime, cmdline } = identity;
  if (startTime !== undefined && startTime !== null && stat.startTime !== startTime) {
    return false;
  }
  return cmdline === undefined || cmdline === null || readProcCmdline(pid) === cmdline;
}

function existsBySignal(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** The name of a signal number, e.g. 9 -> 'SIGKILL'. */
export function signalName(signal: number): NodeJS.Signals | undefined {
  for (const [name, value] of Object.entries(osConstants.signals)) {
    if (value === signal) {
      return name as NodeJS.Signals;
    }
  }
  return undefined;
}

/**
 * How a process that is exiting (or a zombie) ended, from its wait status; undefined while it
 * still runs or when that cannot be known.
 */
export function exitOfDyingProcess(
  pid: number,
): { code: number | null; signal: NodeJS.Signals | null } | undefined {
  const stat = readProcStat(pid);
  if (stat === undefined || !(stat.exiting || stat.state === 'Z' || stat.state === 'X')) {
    return undefined;
  }
  const termSignal = stat.waitStatus & 0x7f;
  if (termSignal !== 0) {
    return { code: null, signal: signalName(termSignal) ?? null };
  }
  return { code: (stat.waitStatus >> 8) & 0xff, signal: null };
}
