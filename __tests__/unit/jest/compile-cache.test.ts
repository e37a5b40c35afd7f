// The compile cache changes how often V8 compiles, never what a compiled function does.
// Installing it patches this worker's node:vm, as the preset's environment does in Jest workers.
import vm from 'node:vm';

import { describe, expect, test } from '@jest/globals';

import {
  compileCacheInstalled,
  compileCacheStats,
  installCompileCache,
} from '../../../src/jest/compile-cache';

installCompileCache();

function compileIn(context: vm.Context, source: string, filename: string): (x: number) => unknown {
  return vm.compileFunction(source, ['x'], { filename, parsingContext: context }) as (
    x: number,
  ) => unknown;
}

describe('compile cache', () => {
  test('is installed once, however often it is asked', () => {
    const patched = vm.compileFunction;
    installCompileCache();
    expect(compileCacheInstalled()).toBe(true);
    expect(vm.compileFunction).toBe(patched);
  });

  test('a source compiled again in another context comes from the cache and behaves the same', () => {
    const source = 'return [x * 2, typeof Array, new Error("boom").stack];';
    const filename = '/virtual/cached-module.js';
    const before = compileCacheStats();
    const first = compileIn(vm.createContext({}), source, filename)(21) as [number, string, string];
    const second = compileIn(vm.createContext({}), source, filename)(21) as [
      number,
      string,
      string,
    ];
    const after = compileCacheStats();
    expect(after.misses - before.misses).toBe(1);
    expect(after.hits - before.hits).toBe(1);
    expect(second[0]).toBe(42);
    expect(second[1]).toBe(first[1]);
    // Stack traces still name the file.
    expect(second[2]).toContain(filename);
  });

  test('a changed source under the same file name is compiled afresh, not taken from the cache', () => {
    const filename = '/virtual/edited-module.js';
    expect(compileIn(vm.createContext({}), 'return x + 1;', filename)(1)).toBe(2);
    const before = compileCacheStats();
    expect(compileIn(vm.createContext({}), 'return x + 100;', filename)(1)).toBe(101);
    expect(compileCacheStats().misses - before.misses).toBe(1);
  });

  test("callers managing V8's cache themselves are passed through", () => {
    const before = compileCacheStats();
    const compiled = vm.compileFunction('return 7;', [], {
      filename: '/virtual/own-cache.js',
      produceCachedData: true,
    }) as (() => number) & { cachedData?: Buffer };
    expect(compiled()).toBe(7);
    expect(compiled.cachedData).toBeInstanceOf(Buffer);
    expect(compileCacheStats()).toEqual(before);
  });
});
