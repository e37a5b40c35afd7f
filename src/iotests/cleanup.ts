// Per-test-file cleanup: what the seed leaves to atexit and __del__ (file_path's remover, a
// QemuStorageDaemon's SIGKILL, qemu-nbd servers) is registered here and run by the Jest layer when
// the test file ends. Jest gives each test file its own copy of this module, so the list is per file.
import { raceTimeout } from './race-timeout';

/** One cleanup action; may be async. */
export type CleanupAction = () => void | Promise<void>;

/** Options of `runFileCleanups`. */
export interface RunCleanupsOptions {
  /** Upper bound for each action; a slower one is reported as an error and left behind. */
  timeoutMs?: number;
}

interface Registered {
  readonly action: CleanupAction;
  readonly description: string;
}

/** Default bound for one cleanup action: long enough for a graceful QEMU shutdown. */
export const DEFAULT_CLEANUP_TIMEOUT_MS = 30_000;

const pending: Registered[] = [];

/**
 * Register `action` to run when the test file ends (last registered runs first). Returns a
 * function that unregisters it, for owners that cleaned up themselves (idempotent).
 */
export function onFileCleanup(action: CleanupAction, description = 'cleanup action'): () => void {
  if (typeof action !== 'function') {
    throw new TypeError(`onFileCleanup expects a function, got ${typeof action}`);
  }
  const entry: Registered = { action, description };
  pending.push(entry);
  return () => {
    const index = pending.lastIndexOf(entry);
    if (index !== -1) {
      pending.splice(index, 1);
    }
  };
}

/** How many cleanup actions are registered and not yet run. */
export function pendingFileCleanups(): number {
  return pending.length;
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
  // Actions registered while cleaning up (unusual) are run too, in the same LIFO order.
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    const error = await runOne(entry, timeoutMs);
    if (error !== undefined) {
      errors.push(error);
    }
  }
  return errors;
}

async function runOne(entry: Registered, timeoutMs: number): Promise<Error | undefined> {
  const run = (async (): Promise<undefined> => {
    await entry.action();
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
