// Module sources read once per worker instead of once per test file. Jest's runtime keeps the text
// of the modules a test file loads in a Map of that file's own (its "cacheFS"), so every test file
// reads each module of the library, of expect, circus and the rest from disk again: for a short
// iotest, a few hundred reads and UTF-8 decodes that give the same text each time.
//
// SharedSources keeps the text for the worker's life, and each test file gets a view on it that
// Jest uses as its cacheFS. A source is reused while its file's size and modification time are the
// ones it was read with, the test Jest's own transform cache makes (it keys on the mtime), so an
// edit between two files of a watch run is read again, as without the cache.
import fs from 'node:fs';

interface SharedSource {
  readonly text: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** The worker-wide store: one per process (see `workerSources`). */
export class SharedSources {
  private readonly sources = new Map<string, SharedSource>();
  private readonly counters = { reused: 0, stale: 0 };

  /**
   * A test file's cacheFS: its own entries first, then the worker's while they are current.
   * `initial` (what Jest's runner read before the runtime existed: the test file) stays the file's
   * own: it was read at some earlier moment, so no size and mtime would vouch for it later.
   */
  forFile(initial?: ReadonlyMap<string, string>): Map<string, string> {
    return new FileSources(this, initial);
  }

  /** Sources reused by later test files, and reuses refused because the file had changed. */
  stats(): { reused: number; stale: number; files: number } {
    return { ...this.counters, files: this.sources.size };
  }

  /** The source of `file` as read before, if the file still has that size and mtime. */
  lookup(file: string): string | undefined {
    const kept = this.sources.get(file);
    if (kept === undefined) return undefined;
    const now = statOf(file);
    if (now === undefined || now.size !== kept.size || now.mtimeMs !== kept.mtimeMs) {
      this.sources.delete(file);
      this.counters.stale++;
      return undefined;
    }
    this.counters.reused++;
    return kept.text;
  }

  /** Remember what a test file read (Jest read it just now: the file's current state). */
  keep(file: string, text: string): void {
    const now = statOf(file);
    // Not a file on disk (Jest also caches what it was handed): nothing to check it against later.
    if (now === undefined) this.sources.delete(file);
    else this.sources.set(file, { text, size: now.size, mtimeMs: now.mtimeMs });
  }
}

/** One test file's cacheFS. Clearing it (Jest does at teardown) leaves the worker's store alone. */
class FileSources extends Map<string, string> {
  constructor(
    private readonly shared: SharedSources,
    initial: ReadonlyMap<string, string> = new Map(),
  ) {
    super();
    for (const [file, text] of initial) super.set(file, text);
  }

  override get(file: string): string | undefined {
    const own = super.get(file);
    if (own !== undefined) return own;
    const text = this.shared.lookup(file);
    if (text !== undefined) super.set(file, text);
    return text;
  }

  override has(file: string): boolean {
    return this.get(file) !== undefined;
  }

  override set(file: string, text: string): this {
    super.set(file, text);
    this.shared.keep(file, text);
    return this;
  }
}

function statOf(file: string): { size: number; mtimeMs: number } | undefined {
  try {
    const stats = fs.statSync(file, { throwIfNoEntry: false });
    return stats?.isFile() === true ? { size: stats.size, mtimeMs: stats.mtimeMs } : undefined;
  } catch {
    return undefined; // a path that is not a plain file name (Jest has virtual modules)
  }
}

let workerStore: SharedSources | undefined;

/** This process's store, made on first use. */
export function workerSources(): SharedSources {
  workerStore ??= new SharedSources();
  return workerStore;
}
