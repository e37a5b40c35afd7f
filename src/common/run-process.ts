// Running a program to completion, for every layer that does: the capability probes, the seed's
// tools (qemu-img, qemu-io, ...) and bzip2. An argument array, never a shell; output as it was
// written (no final newline stripped); and one rule on timeout: SIGKILL at once. These programs
// hold nothing a SIGTERM would let them save, so one that overran its bound is hung, and execa's
// SIGTERM-then-SIGKILL-5-s-later would only make every hang 5 s slower to report (its `timeout`
// also outlives a spawn that failed). The timer is ours for the same reason.
import type execa from 'execa';
import type { Stream } from 'node:stream';

import { loadExeca } from './execa-on-demand';

/** Where the child's stdout or stderr goes: a pipe read into the result, a file descriptor, a stream. */
export type OutputTarget = 'pipe' | number | Stream;

/** Options of `runProcess`. */
export interface RunProcessOptions {
  /** Past it the process is SIGKILLed and the result says `timedOut`. */
  timeoutMs: number;
  /** Written to the child's stdin, then closed; without it stdin is /dev/null. */
  input?: string | undefined;
  /** The child's [stdout, stderr]; default two pipes. */
  output?: readonly [OutputTarget, OutputTarget] | undefined;
  /** Called right after the spawn, e.g. to close our copy of a socket given in `output`. */
  afterSpawn?: (() => void) | undefined;
  /** Also interleave the two pipes into `all`. */
  all?: boolean | undefined;
  /** SIGKILLs the process when aborted (e.g. a test timed out and its tools must end now). */
  signal?: AbortSignal | undefined;
}

/** How a program that could not be started failed. */
export interface SpawnFailure {
  /** The errno code, e.g. 'ENOENT'. */
  code: string | undefined;
  /** Node's message, e.g. 'spawn /no/such ENOENT'. */
  message: string;
}

/** What a finished run produced. */
export interface ProcessRun {
  /** Exit status; null when killed by a signal or never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** What the stdout / stderr pipes carried ('' for an output not piped). */
  stdout: string;
  stderr: string;
  /** Both pipes interleaved, with the `all` option. */
  all: string | undefined;
  timedOut: boolean;
  /** Set when the program could not be started at all; the other fields are then empty. */
  spawnFailure: SpawnFailure | undefined;
}

/** Run `file` with `args` to its end. Never rejects for the program's status or a failed spawn. */
export async function runProcess(
  file: string,
  args: readonly string[],
  options: RunProcessOptions,
): Promise<ProcessRun> {
  const run = await loadExeca();
  const [stdout, stderr] = options.output ?? ['pipe', 'pipe'];
  let child: execa.ExecaChildProcess;
  try {
    child = run(file, [...args], {
      reject: false,
      stripFinalNewline: false,
      all: options.all === true,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', stdout, stderr],
    });
  } finally {
    options.afterSpawn?.();
  }
  if (options.input !== undefined && child.stdin !== null) {
    // A program that exits without reading its input must not crash us with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs);
  const abort = (): void => void child.kill('SIGKILL');
  if (options.signal?.aborted === true) abort();
  options.signal?.addEventListener('abort', abort);
  let result: execa.ExecaReturnValue;
  try {
    result = await child;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', abort);
  }
  const spawnFailure = spawnFailureOf(result);
  const signal = (result.signal ?? null) as NodeJS.Signals | null;
  return {
    exitCode: signal === null ? (result.exitCode ?? null) : null,
    signal,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    all: options.all === true ? (result.all ?? '') : undefined,
    timedOut,
    spawnFailure,
  };
}

/** Why execa could not start the program, from its result; undefined when it did start. */
export function spawnFailureOf(result: object): SpawnFailure | undefined {
  const { code, exitCode, signal, timedOut, originalMessage } = result as {
    code?: unknown;
    exitCode?: unknown;
    signal?: unknown;
    timedOut?: unknown;
    originalMessage?: unknown;
  };
  if (exitCode !== undefined || signal !== undefined || timedOut === true) {
    return undefined;
  }
  const errno = typeof code === 'string' ? code : undefined;
  return {
    code: errno,
    message:
      typeof originalMessage === 'string' ? originalMessage : (errno ?? 'could not be started'),
  };
}
