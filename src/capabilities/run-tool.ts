import { runProcess } from '../common/run-process';

/** What one probe command produced. */
export interface ToolRun {
  command: string;
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved, as the seed's *_pipe_and_status helpers see them. */
  all: string;
  timedOut: boolean;
  /** Set when the program could not be started at all (e.g. ENOENT). */
  spawnError: string | undefined;
}

/** Called before each spawn; lets tests count spawns (a cache hit makes none). */
export type SpawnListener = (file: string, args: readonly string[]) => void;

/**
 * Runs a probe command (an argument array, never a shell), SIGKILLed past `timeoutMs` like every
 * program this package runs (src/common/run-process.ts says why). Never rejects.
 */
export async function runTool(
  file: string,
  args: readonly string[],
  options: { timeoutMs: number; onSpawn?: SpawnListener | undefined },
): Promise<ToolRun> {
  options.onSpawn?.(file, args);
  const run = await runProcess(file, args, { timeoutMs: options.timeoutMs, all: true });
  return {
    command: [file, ...args].join(' '),
    exitCode: run.exitCode ?? undefined,
    // The parsers were written against execa's default, which strips one final newline.
    stdout: stripFinalNewline(run.stdout),
    stderr: stripFinalNewline(run.stderr),
    all: stripFinalNewline(run.all ?? ''),
    timedOut: run.timedOut,
    spawnError:
      run.spawnFailure === undefined
        ? undefined
        : (run.spawnFailure.code ?? run.spawnFailure.message),
  };
}

function stripFinalNewline(text: string): string {
  return text.endsWith('\n') ? text.slice(0, text.endsWith('\r\n') ? -2 : -1) : text;
}
