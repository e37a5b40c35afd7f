// Per-test-file cleanup: what the seed leaves to atexit and __del__ (file_path's remover, a
// QemuStorageDaemon's SIGKILL, qemu-nbd servers) is registered here and run by the Jest layer when
// the test file ends. Jest gives each test file its own copy of this module, so the list is per file.
import { raceTimeout } from './race-timeout';
import { session, type Ending } from './session';
import { shutdownAllVms } from './vm-registry';

/** One cleanup action; may be async. */
export type CleanupAction = () => void | Promise<void>;

/** Options of `runFileCleanups`. */
export interface RunCleanupsOptions {
  /** Upper bound for each action; a slower one is reported as an error and left behind. */
  timeoutMs?: number;
  /** Leave the files in place (a failed file's kept scratch): only processes are ended. */
  keepFiles?: boolean;
}

/** Default bound for one cleanup action: long enough for a graceful QEMU shutdown. */
export const DEFAULT_CLEANUP_TIMEOUT_MS = 30_000;

/**
 * Register `action` to run when the test file ends: processes (daemons, tools) before files,
 * newest first within each. Returns a function that unregisters it, for owners that cleaned up
 * themselves (idempotent).
 */
export function onFileCleanup(
  action: CleanupAction,
  description = 'cleanup action',
  phase: Ending['phase'] = 'files',
): () => void {
  const entry: Ending = { phase, description, run: action };
  const { endings } = session();
  endings.push(entry);
  return () => {
    const index = endings.lastIndexOf(entry);
    if (index !== -1) {
      endings.splice(index, 1);
    }
  };
}

/** How many cleanup actions are registered and not yet run. */
export function pendingFileCleanups(): number {
  return session().endings.length;
}

/**
 * End everything the file started, in one order: its VMs (newest first), the other processes,
 * then its files. Never throws: returns every error met, each naming what failed.
 */
export async function endFile(options: RunCleanupsOptions = {}): Promise<Error[]> {
  const vmErrors = await shutdownAllVms();
  return [...vmErrors, ...(await runFileCleanups(options))];
}

/**
 * Run every registered action, last registered first, and forget them. Never throws: the errors
 * of failed (or timed-out) actions are returned, each naming its action.
 */
export async function runFileCleanups(options: RunCleanupsOptions = {}): Promise<Error[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CLEANUP_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(`runFileCleanups: timeoutMs must be a positive number, got ${timeoutMs}`);
  }
  const errors: Error[] = [];
  // Actions registered while cleaning up (unusual) are run too, in the same order.
  for (const phase of ['processes', 'files'] as const) {
    for (let entry = takeLast(phase); entry !== undefined; entry = takeLast(phase)) {
      if (phase === 'files' && options.keepFiles === true) continue;
      const error = await runOne(entry, timeoutMs);
      if (error !== undefined) {
        errors.push(error);
      }
    }
  }
  return errors;
}

function takeLast(phase: Ending['phase']): Ending | undefined {
  const { endings } = session();
  for (let index = endings.length - 1; index >= 0; index -= 1) {
    if (endings[index].phase === phase) return endings.splice(index, 1)[0];
  }
  return undefined;
}

async function runOne(entry: Ending, timeoutMs: number): Promise<Error | undefined> {
  const run = (async (): Promise<undefined> => {
    await entry.run();
    return undefined;
  })().catch((error: unknown) => asError(error, entry.description));
  return await raceTimeout(
    run,
    timeoutMs,
    () => new Error(`${entry.description}: did not finish within ${timeoutMs} ms`),
  );
}

function asError(error: unknown, description: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`${description}: ${message}`, { cause: error });
}
