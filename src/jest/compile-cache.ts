// V8 code cache for the modules Jest compiles into each test file's context. Jest gives every test
// file a fresh vm context and compiles every module it loads there again (vm.compileFunction), and
// V8 does not reuse that work across contexts by itself. For a short iotest, compiling the library
// (~130 modules) and Jest's own per-file modules (circus, expect, snapshot) was the largest single
// cost (~40 ms a file). Within one worker, the first compile of a source now produces V8's code
// cache and later compiles of the same source consume it: same code, same file names and stack
// traces, less work. A cache V8 rejects (other flags or version) only means a normal compile.
import vm from 'node:vm';

type CompileFunction = typeof vm.compileFunction;
type CompiledFunction = ReturnType<CompileFunction>;

interface CacheEntry {
  readonly source: string;
  readonly data: Buffer;
}

/** Marks the patched function, so that several copies of this package install it only once. */
const PATCHED = Symbol.for('qemu-iotests.compileCache');
/** A worker runs one project's sources; this bound only matters for unusually large ones. */
const MAX_CACHED_BYTES = 256 * 1024 * 1024;

/** Counters of the installed cache (for benchmarks and debugging). */
export interface CompileCacheStats {
  hits: number;
  misses: number;
  rejected: number;
  bytes: number;
}

const stats: CompileCacheStats = { hits: 0, misses: 0, rejected: 0, bytes: 0 };

// Strings are counted at two bytes a character, as V8 may store them.
function sizeOf(source: string, data: Buffer): number {
  return source.length * 2 + data.length;
}

/** Whether this process's vm.compileFunction already uses the cache. */
export function compileCacheInstalled(): boolean {
  return (vm.compileFunction as { [PATCHED]?: boolean })[PATCHED] === true;
}

/** This process's cache counters (zero when the cache was installed by another copy). */
export function compileCacheStats(): Readonly<CompileCacheStats> {
  return { ...stats };
}

/** Make vm.compileFunction reuse V8's code cache for sources it has compiled before. Idempotent. */
export function installCompileCache(): void {
  if (compileCacheInstalled()) return;
  const original = vm.compileFunction;
  const cache = new Map<string, CacheEntry>();
  const forget = (key: string, entry: CacheEntry): void => {
    cache.delete(key);
    stats.bytes -= sizeOf(entry.source, entry.data);
  };
  const cached = function compileFunction(
    code: string,
    params?: readonly string[],
    options?: vm.CompileFunctionOptions,
  ): CompiledFunction {
    // Callers managing V8's cache themselves are left alone.
    if (options?.cachedData !== undefined || options?.produceCachedData !== undefined) {
      return original(code, params, options);
    }
    const key = `${options?.filename ?? ''}\0${(params ?? []).join(',')}`;
    const entry = cache.get(key);
    if (entry !== undefined && entry.source === code) {
      const compiled = original(code, params, { ...options, cachedData: entry.data });
      if (compiled.cachedDataRejected === true) {
        stats.rejected++;
        forget(key, entry);
      } else {
        stats.hits++;
      }
      return compiled;
    }
    stats.misses++;
    if (entry !== undefined) forget(key, entry); // the file changed (watch mode)
    const compiled = original(code, params, { ...options, produceCachedData: true });
    const data = compiled.cachedData;
    if (data !== undefined && stats.bytes + sizeOf(code, data) <= MAX_CACHED_BYTES) {
      cache.set(key, { source: code, data });
      stats.bytes += sizeOf(code, data);
    }
    return compiled;
  };
  Object.defineProperty(cached, PATCHED, { value: true });
  vm.compileFunction = cached;
}
