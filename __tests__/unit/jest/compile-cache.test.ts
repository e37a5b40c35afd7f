// The compile cache changes how often V8 compiles, never what a compiled function does.
// Installing it patches this worker's node:vm, as the preset's environment does in Jest workers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

import { afterAll, describe, expect, test } from '@jest/globals';

import {
  CompileCache,
  compileCacheDirectory,
  compileCacheInstalled,
  compileCacheStats,
  installCompileCache,
  type CompileCacheStats,
} from '../../../src/jest/compile-cache';

installCompileCache();

type Compiled = (x: number) => unknown;

function compileIn(context: vm.Context, source: string, filename: string): Compiled {
  return vm.compileFunction(source, ['x'], { filename, parsingContext: context }) as Compiled;
}

/** The `file:line:column` of the frame in `filename` of the error `run` throws. */
function thrownAt(run: () => unknown, filename: string): string {
  try {
    run();
  } catch (error) {
    const frame = (error as Error).stack?.split('\n').find((line) => line.includes(filename));
    return frame?.replace(/^.*\((.*)\)$/, '$1').replace(/^\s*at\s+/, '') ?? 'no frame';
  }
  return 'nothing thrown';
}

const delta = (before: Readonly<CompileCacheStats>): Record<string, number> => {
  const after = compileCacheStats();
  return Object.fromEntries(
    Object.entries(before).map(([key, value]) => [
      key,
      after[key as keyof CompileCacheStats] - value,
    ]),
  );
};

describe('compile cache', () => {
  test('is installed once, however often it is asked', () => {
    const patched = vm.compileFunction;
    installCompileCache();
    expect(compileCacheInstalled()).toBe(true);
    expect(vm.compileFunction).toBe(patched);
  });

  test('a source compiled again in another context comes from the cache and behaves the same', () => {
    const source = 'const double = (n) => n * 2;\nreturn [double(x), typeof Array];';
    const filename = '/virtual/cached-module.js';
    const before = compileCacheStats();
    const first = compileIn(vm.createContext({}), source, filename)(21);
    const second = compileIn(vm.createContext({}), source, filename)(21);
    const third = compileIn(vm.createContext({}), source, filename)(4);
    expect(delta(before)).toMatchObject({ misses: 1, hits: 2, rejected: 0, passedThrough: 0 });
    expect(first).toEqual([42, 'function']);
    expect(second).toEqual([42, 'function']);
    expect(third).toEqual([8, 'function']);
  });

  test('the function belongs to the context it was compiled for, every time', () => {
    const source = 'return [Array, globalThis.marker, x];';
    for (const marker of ['first', 'second']) {
      const context = vm.createContext({ marker });
      const [array, seen, x] = compileIn(context, source, '/virtual/realm.js')(3) as unknown[];
      expect(array).toBe(vm.runInContext('Array', context));
      expect(array).not.toBe(Array);
      expect(seen).toBe(marker);
      expect(x).toBe(3);
    }
  });

  test('line and column numbers are those of the code, on its first line too', () => {
    const filename = '/virtual/throwing-module.js';
    const source =
      'if (x === 1) throw new Error("first line");\n\n  throw new Error("third line");';
    for (let round = 0; round < 3; round++) {
      // Round 0 compiles, later rounds consume the code cache.
      expect(thrownAt(() => compileIn(vm.createContext({}), source, filename)(1), filename)).toBe(
        `${filename}:1:20`,
      );
      expect(thrownAt(() => compileIn(vm.createContext({}), source, filename)(2), filename)).toBe(
        `${filename}:3:9`,
      );
    }
  });

  test('a "use strict" directive still makes the whole function strict', () => {
    const strict = compileIn(vm.createContext({}), '"use strict"; return this;', '/virtual/s.js');
    const sloppy = compileIn(vm.createContext({}), 'return typeof this;', '/virtual/sl.js');
    expect(strict.call(undefined, 0)).toBeUndefined();
    expect(sloppy.call(undefined, 0)).toBe('object');
  });

  // Node's SyntaxError comes from the worker's realm, not this file's: compare by name.
  const syntaxError = (compile: () => unknown): Error => {
    try {
      compile();
    } catch (error) {
      expect((error as Error).name).toBe('SyntaxError');
      return error as Error;
    }
    throw new Error('no SyntaxError raised');
  };

  test('a syntax error is the one compileFunction raises', () => {
    const source = 'return 1 +;';
    // contextExtensions makes the call pass through to Node's own compileFunction.
    const expected = syntaxError(() =>
      vm.compileFunction(source, ['x'], { contextExtensions: [{}] }),
    );
    const before = compileCacheStats();
    const raised = syntaxError(() => compileIn(vm.createContext({}), source, '/virtual/broken.js'));
    expect(raised.message).toBe(expected.message);
    expect(delta(before)).toMatchObject({ misses: 0, hits: 0 });
  });

  test('code cannot close the wrapper early and run outside it: a syntax error as before', () => {
    const context = vm.createContext({ ran: false });
    syntaxError(() =>
      compileIn(context, 'return 1; }); ran = true; (function () {', '/virtual/escape.js'),
    );
    expect(vm.runInContext('ran', context)).toBe(false);
  });

  test('a changed source under the same file name is compiled afresh, not taken from the cache', () => {
    const filename = '/virtual/edited-module.js';
    expect(compileIn(vm.createContext({}), 'return x + 1;', filename)(1)).toBe(2);
    expect(compileIn(vm.createContext({}), 'return x + 1;', filename)(1)).toBe(2);
    const before = compileCacheStats();
    expect(compileIn(vm.createContext({}), 'return x + 100;', filename)(1)).toBe(101);
    expect(delta(before)).toMatchObject({ misses: 1, hits: 0 });
  });

  test('a module that may call import() is left to compileFunction, every time', () => {
    const before = compileCacheStats();
    for (let round = 0; round < 2; round++) {
      const compiled = compileIn(
        vm.createContext({}),
        'return typeof x === "number" ? "ok" : import("./other.mjs");',
        '/virtual/dynamic-import.js',
      );
      expect(compiled(1)).toBe('ok');
    }
    expect(delta(before)).toMatchObject({ passedThrough: 2, misses: 0, hits: 0 });
  });

  test("callers managing V8's cache themselves, or without a context, are passed through", () => {
    const before = compileCacheStats();
    const compiled = vm.compileFunction('return 7;', [], {
      filename: '/virtual/own-cache.js',
      produceCachedData: true,
    }) as (() => number) & { cachedData?: Buffer };
    expect(compiled()).toBe(7);
    expect(compiled.cachedData).toBeInstanceOf(Buffer);
    expect((vm.compileFunction('return 8;') as () => number)()).toBe(8);
    expect(delta(before)).toMatchObject({ passedThrough: 2, hits: 0, misses: 0 });
  });
});

// A CompileCache of its own stands for one worker: two of them on one directory are two workers,
// or two runs.
describe('compile cache directory', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'compile-cache-test-'));
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  // The original compileFunction, as the installed cache received it.
  const original: typeof vm.compileFunction = (code, params, options) =>
    vm.compileFunction(code, params, { ...options, contextExtensions: [{}] });

  const source = 'const triple = (n) => n * 3;\nreturn triple(x);';
  // V8 itself reuses a Script compiled in this process with the same source, file name and line
  // offset, and then never looks at a code cache: another lineOffset makes it read the one given.
  // Each test has a file name of its own, so that no test meets another's compiled Script.
  const compileWith = (cache: CompileCache, code = source, lineOffset = 0) =>
    (
      cache.compileFunction(code, ['x'], {
        filename: `/virtual/${expect.getState().currentTestName ?? 'disk'}.js`,
        lineOffset,
        parsingContext: vm.createContext({}),
      }) as Compiled
    )(5);

  test("a second worker starts from the first one's code cache, written once a file ran", () => {
    const directory = path.join(scratch, 'shared');
    const first = new CompileCache(original, { directory });
    expect(compileWith(first)).toBe(15);
    expect(fs.existsSync(directory)).toBe(false); // nothing written before the file has run
    first.flush();
    expect(first.stats()).toMatchObject({ misses: 1, written: 1 });
    expect(fs.readdirSync(directory)).toHaveLength(1);
    first.flush(); // nothing new: nothing written again
    expect(first.stats().written).toBe(1);

    const second = new CompileCache(original, { directory });
    expect(compileWith(second, source, 1)).toBe(15);
    expect(compileWith(second, source, 1)).toBe(15);
    second.flush();
    expect(second.stats()).toMatchObject({ diskHits: 1, hits: 1, misses: 0, written: 0 });
  });

  test('an edited module gets a cache file of its own, never the old one', () => {
    const directory = path.join(scratch, 'edited');
    const cache = new CompileCache(original, { directory });
    expect(compileWith(cache)).toBe(15);
    cache.flush();
    expect(compileWith(cache, 'return x - 1;')).toBe(4);
    cache.flush();
    expect(fs.readdirSync(directory)).toHaveLength(2);
    const next = new CompileCache(original, { directory });
    expect(compileWith(next, 'return x - 1;', 1)).toBe(4);
    expect(next.stats()).toMatchObject({ diskHits: 1, rejected: 0, misses: 0 });
  });

  test('a cache file V8 refuses is replaced; the module still compiles and runs', () => {
    const directory = path.join(scratch, 'corrupt');
    const first = new CompileCache(original, { directory });
    compileWith(first);
    first.flush();
    const [file] = fs.readdirSync(directory);
    fs.writeFileSync(path.join(directory, file), 'not a code cache');
    const second = new CompileCache(original, { directory });
    expect(compileWith(second, source, 1)).toBe(15);
    second.flush();
    expect(second.stats()).toMatchObject({ rejected: 1, written: 1 });
    const third = new CompileCache(original, { directory });
    expect(compileWith(third, source, 2)).toBe(15);
    expect(third.stats()).toMatchObject({ diskHits: 1, rejected: 0 });
  });

  test('a directory that cannot be written leaves the cache working in memory', () => {
    const blocker = path.join(scratch, 'a-file');
    fs.writeFileSync(blocker, '');
    const cache = new CompileCache(original, { directory: path.join(blocker, 'cache') });
    expect(compileWith(cache)).toBe(15);
    cache.flush();
    expect(compileWith(cache)).toBe(15);
    expect(cache.stats()).toMatchObject({ written: 0, misses: 1, hits: 1 });
    expect(fs.readdirSync(scratch).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  test('a syntax error is raised even when a cache directory is in use', () => {
    const cache = new CompileCache(original, { directory: path.join(scratch, 'broken') });
    expect(() => compileWith(cache, 'return 1 +;')).toThrow(/Unexpected/);
    expect(cache.stats().misses).toBe(0);
  });

  test('the directory is per V8 version and architecture, inside the Jest cache directory', () => {
    const directory = compileCacheDirectory('/tmp/jest-cache');
    expect(path.dirname(directory)).toBe('/tmp/jest-cache');
    expect(path.basename(directory)).toContain(process.versions.v8);
    expect(path.basename(directory)).toContain(process.arch);
  });
});
