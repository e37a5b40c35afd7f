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

/** Runs a program with an argument array (never a shell), bounded by `timeoutMs`. Never rejects. */
export async function runTool(
  file: string,
  args: readonly string[],
  options: { timeoutMs: number; onSpawn?: SpawnListener | undefined },
): Promise<ToolRun> {
  options.onSpawn?.(file, args);
  // Loaded here, not with the module: a probe answered from the cache runs nothing, and every
  // Jest run and worker reads the capabilities.
  const { default: execa } = await import('execa');
  const result = await execa(file, [...args], {
    reject: false,
    all: true,
    stdin: 'ignore',
    // On timeout execa sends SIGTERM, then SIGKILL 5 s later.
    timeout: options.timeoutMs,
  });
  // execa 5 reports a failed spawn through `errno`-style codes on the result.
  const code = (result as { code?: unknown }).code;
  return {
    command: [file, ...args].join(' '),
    exitCode: typeof result.exitCode === 'number' ? result.exitCode : undefined,
    stdout: result.stdout,
    stderr: result.stderr,
    all: result.all ?? `${result.stdout}\n${result.stderr}`,
    timedOut: result.timedOut,
    spawnError: typeof code === 'string' ? code : undefined,
  };
}
