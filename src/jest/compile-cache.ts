// Compiling the modules Jest loads into each test file's context, once per worker instead of once
// per file. Jest gives every test file a fresh vm context and compiles every module it loads there
// again with vm.compileFunction, which V8 does not reuse across contexts: for a short iotest,
// compiling the library and Jest's own per-file modules (circus, expect, snapshot) was the largest
// single cost, and every function a module defines was compiled again when first called.
//
// Here a module is compiled as a vm.Script that wraps its code in a function expression (what
// Node's CommonJS loader did before compileFunction existed). V8 keeps compiled Scripts, unlike
// compiled functions, in its own cache, keyed by source and file name: the next file's Script of
// the same module shares the compiled code, the functions compiled lazily included. Same code,
// same file names, line numbers and stack traces.
//
// With a directory, V8's code cache of each Script also outlives the worker, so the first file of
// every worker, and of every later run, starts warm too. It is written once a file has run the
// module (so it holds the functions that file called), under a hash of the module's file name and
// source: an edited module never meets an old cache. A cache V8 rejects (other flags or version)
// only means a normal compile; a directory that cannot be written only means no reuse.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

type CompiledFunction = ReturnType<typeof vm.compileFunction>;

interface CacheEntry {
  /**
   * The source as first compiled here (checked, so it can be wrapped safely), wrapped. Later
   * compiles pass this very string: V8 finds its cached Script by the string's hash, which a
   * string computes once, where a fresh copy would hash megabytes again in every test file.
   */
  readonly wrapped: string;
  /**
   * The code last compiled. Jest hands over the same string object in every test file (its
   * transform cache keeps it), which compares in constant time where `wrapped` takes a scan.
   */
  code: string;
  /** Names the entry's file in the cache directory. */
  readonly diskKey: string;
  /** The latest compile: holding it keeps V8's cache entry, and the code cache comes from it. */
  script: vm.Script;
}

/** Marks the patched function, so that several copies of this package install it only once. */
const PATCHED = Symbol.for('qemu-iotests.compileCache');
/** A worker runs one project's sources; this bound only matters for unusually large ones. */
const MAX_CACHED_BYTES = 256 * 1024 * 1024;
/** Parameter names are spliced into source text: only plain identifiers are. */
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Counters of a cache (for benchmarks and debugging). */
export interface CompileCacheStats {
  /** Compiles of a source seen before in this worker (V8 reuses the compiled Script). */
  hits: number;
  /** Compiles that consumed a code cache read from the directory. */
  diskHits: number;
  /** Compiles with no code cache at all: first sight of a source (or of a changed one). */
  misses: number;
  /** Code caches V8 refused. */
  rejected: number;
  /** Calls left to Node's own compileFunction (a shape this cache does not handle, or import()). */
  passedThrough: number;
  /** Code caches written to the directory. */
  written: number;
  /** Memory the kept sources take, at two bytes a character. */
  bytes: number;
}

/** Options of a compile cache. */
export interface CompileCacheOptions {
  /** Where code caches persist for other workers and later runs; none: this process only. */
  directory?: string | undefined;
}

/** The compile function a cache stands in for (Node's own, when installed). */
type Compile = typeof vm.compileFunction;

/** What a call must look like for the Script route: Jest's module wrapper calls do. */
function cacheable(
  params: readonly string[] | undefined,
  options: vm.CompileFunctionOptions | undefined,
): options is vm.CompileFunctionOptions & { parsingContext: vm.Context } {
  return (
    options?.parsingContext !== undefined &&
    // Callers managing V8's cache themselves are left alone.
    options.cachedData === undefined &&
    options.produceCachedData === undefined &&
    (options.contextExtensions ?? []).length === 0 &&
    (params ?? []).every((name) => IDENTIFIER.test(name))
  );
}

type FunctionLoader = vm.CompileFunctionOptions['importModuleDynamically'];
type ScriptLoader = vm.ScriptOptions['importModuleDynamically'];
type ScriptLoaderFunction = Extract<ScriptLoader, (...args: never[]) => unknown>;

/** A dynamic-import hook given to a Script still receives the compiled function, as promised. */
function referFunction(
  loader: FunctionLoader,
  compiledFunction: () => CompiledFunction,
): ScriptLoader {
  if (typeof loader !== 'function') return loader;
  // Every further argument (import attributes, a newer Node's import phase) passes through.
  return (specifier: string, _script: vm.Script, ...rest: unknown[]) =>
    Reflect.apply(loader, undefined, [
      specifier,
      compiledFunction(),
      ...rest,
    ]) as ReturnType<ScriptLoaderFunction>;
}

/** A code cache for vm.compileFunction calls; `installCompileCache` puts one in node:vm. */
export class CompileCache {
  private readonly entries = new Map<string, CacheEntry>();
  /** Entries whose code cache is still to be written to the directory. */
  private readonly pending = new Set<string>();
  private directory: string | undefined;
  private readonly counters = zeroStats();

  constructor(
    private readonly original: Compile,
    options: CompileCacheOptions = {},
  ) {
    this.directory = options.directory;
  }

  /** This cache's counters. */
  stats(): Readonly<CompileCacheStats> {
    return { ...this.counters };
  }

  /** vm.compileFunction, with the same results. */
  readonly compileFunction = (
    code: string,
    params?: readonly string[],
    options?: vm.CompileFunctionOptions,
  ): CompiledFunction => {
    if (!cacheable(params, options)) {
      this.counters.passedThrough++;
      return this.original(code, params, options);
    }
    const key = `${options.filename ?? ''}\0${(params ?? []).join(',')}`;
    let entry = this.entries.get(key);
    if (entry !== undefined && entry.code !== code && !wraps(entry.wrapped, params, code)) {
      this.forget(key, entry); // the file changed (watch mode)
      entry = undefined;
    }
    if (entry === undefined && mayImportDynamically(code)) {
      // import() is Jest's to resolve, through the callback it gives compileFunction. Node 20
      // loses that callback for a Script built from a code cache, and without
      // --experimental-vm-modules only compileFunction's error names the flag: such a module
      // (jest-util is the one a test file usually loads) is compiled the usual way.
      this.counters.passedThrough++;
      return this.original(code, params, options);
    }
    const diskKey = entry === undefined ? hashKey(key, code) : entry.diskKey;
    let data: Buffer | undefined;
    if (entry === undefined) {
      data = this.read(diskKey);
      // A cache file is named after a source that compiled before; anything else is checked by
      // compileFunction itself, which raises a syntax error exactly as Jest expects it. A valid
      // function body cannot close the wrapper below early, so the Script compiles this function.
      if (data === undefined) this.original(code, params, options);
    }

    // Seen before in this process: V8's own compilation cache finds the Script by its source and
    // shares its compiled functions, those compiled lazily included; no code cache needed.
    // The wrapper's first line is not part of the file: lineOffset -1 keeps every line number
    // (and every column) of the code as compileFunction reports them.
    const wrapped = entry?.wrapped ?? wrap(params, code);
    const script = new vm.Script(wrapped, {
      filename: options.filename,
      lineOffset: (options.lineOffset ?? 0) - 1,
      columnOffset: options.columnOffset ?? 0,
      importModuleDynamically: referFunction(options.importModuleDynamically, () => compiled),
      ...(data === undefined ? {} : { cachedData: data }),
    });
    if (entry !== undefined) {
      this.counters.hits++;
      entry.script = script;
      entry.code = code;
    } else {
      const rejected = data !== undefined && script.cachedDataRejected === true;
      if (data === undefined) this.counters.misses++;
      else if (rejected) this.counters.rejected++;
      else this.counters.diskHits++;
      // Its code cache is written once a file has run it, unless the directory has a good one.
      this.remember(key, { wrapped, code, diskKey, script }, data === undefined || rejected);
    }
    // Only the function runs import(): by then `compiled` is set.
    const compiled = script.runInContext(options.parsingContext) as CompiledFunction;
    return compiled;
  };

  /**
   * Write the code caches of the sources first compiled since the last call. Called once a test
   * file has run, so that they hold the functions it used.
   */
  flush(): void {
    for (const key of this.pending) {
      const entry = this.entries.get(key);
      if (entry !== undefined) this.write(entry.diskKey, entry.script.createCachedData());
    }
    this.pending.clear();
  }

  private remember(key: string, entry: CacheEntry, toWrite: boolean): void {
    const size = entry.wrapped.length * 2; // V8 may store two bytes a character
    if (this.counters.bytes + size > MAX_CACHED_BYTES) return;
    this.entries.set(key, entry);
    this.counters.bytes += size;
    if (toWrite && this.directory !== undefined) this.pending.add(key);
  }

  private forget(key: string, entry: CacheEntry): void {
    this.entries.delete(key);
    this.pending.delete(key);
    this.counters.bytes -= entry.wrapped.length * 2;
  }

  private read(diskKey: string): Buffer | undefined {
    if (this.directory === undefined) return undefined;
    try {
      return fs.readFileSync(path.join(this.directory, `${diskKey}.bin`));
    } catch {
      return undefined;
    }
  }

  // Written to a private name, then renamed: workers writing the same entry never mix.
  private write(diskKey: string, data: Buffer): void {
    if (this.directory === undefined) return;
    const file = path.join(this.directory, `${diskKey}.bin`);
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(this.directory, { recursive: true });
      fs.writeFileSync(temporary, data);
      fs.renameSync(temporary, file);
      this.counters.written++;
    } catch {
      removeQuietly(temporary);
      this.directory = undefined; // read-only or full: no reuse across workers, nothing worse
    }
  }
}

/** Whether `code` may call import() (or merely mentions it: that only costs the caching). */
function mayImportDynamically(code: string): boolean {
  return /\bimport\s*\(/.test(code);
}

const WRAPPER_END = '\n})';

function wrapperStart(params: readonly string[] | undefined): string {
  return `(function (${(params ?? []).join(', ')}) {\n`;
}

function wrap(params: readonly string[] | undefined, code: string): string {
  return `${wrapperStart(params)}${code}${WRAPPER_END}`;
}

/** Whether `wrapped` is `code` wrapped (params are part of the cache key, so only code varies). */
function wraps(wrapped: string, params: readonly string[] | undefined, code: string): boolean {
  const start = wrapperStart(params).length;
  const end = start + code.length;
  // A slice shares the characters, and === compares them in bulk (startsWith goes one by one).
  return wrapped.length === end + WRAPPER_END.length && wrapped.slice(start, end) === code;
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // Its directory is not there (or not a directory): the file never was either.
  }
}

function zeroStats(): CompileCacheStats {
  return { hits: 0, diskHits: 0, misses: 0, rejected: 0, passedThrough: 0, written: 0, bytes: 0 };
}

function hashKey(key: string, code: string): string {
  return createHash('sha256').update(key).update('\0').update(code).digest('hex');
}

/** The directory for code caches under a Jest cache directory: one per V8 and architecture. */
export function compileCacheDirectory(jestCacheDirectory: string): string {
  return path.join(
    jestCacheDirectory,
    `qemu-iotests-code-cache-v8-${process.versions.v8}-${process.arch}`,
  );
}

let installed: CompileCache | undefined;

/** Whether this process's vm.compileFunction already uses a cache. */
export function compileCacheInstalled(): boolean {
  return (vm.compileFunction as { [PATCHED]?: boolean })[PATCHED] === true;
}

/** The installed cache's counters (zero when the cache was installed by another copy). */
export function compileCacheStats(): Readonly<CompileCacheStats> {
  return installed?.stats() ?? zeroStats();
}

/** Make vm.compileFunction reuse V8's code cache for sources it has compiled before. Idempotent. */
export function installCompileCache(options: CompileCacheOptions = {}): void {
  if (compileCacheInstalled()) return;
  const cache = new CompileCache(vm.compileFunction, options);
  const compileFunction = cache.compileFunction;
  Object.defineProperty(compileFunction, PATCHED, { value: true });
  vm.compileFunction = compileFunction;
  installed = cache;
}

/** Take (and write) the code caches of what the installed cache compiled since the last flush. */
export function flushCompileCache(): void {
  installed?.flush();
}
