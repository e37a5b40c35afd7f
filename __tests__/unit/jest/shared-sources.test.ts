// Module sources shared by the test files of a worker: a later file's cacheFS finds what an
// earlier one read while the file on disk is unchanged, and never what it no longer holds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, test } from '@jest/globals';

import { SharedSources } from '../../../src/jest/shared-sources';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-sources-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let counter = 0;
function moduleFile(text: string): string {
  const file = path.join(root, `module-${++counter}.js`);
  fs.writeFileSync(file, text);
  return file;
}

// What Jest's runtime does for a module of a test file: look in the cacheFS, else read and keep.
function load(cacheFS: Map<string, string>, file: string): string {
  let text = cacheFS.get(file);
  if (text === undefined) {
    text = fs.readFileSync(file, 'utf8');
    cacheFS.set(file, text);
  }
  return text;
}

describe('SharedSources', () => {
  test("a later file's cacheFS finds what an earlier file read, the very same string", () => {
    const shared = new SharedSources();
    const file = moduleFile('module.exports = 1;\n');
    const first = load(shared.forFile(), file);
    const later = shared.forFile();
    expect(later.has(file)).toBe(true);
    expect(later.get(file)).toBe(first);
    expect(shared.stats()).toEqual({ reused: 1, stale: 0, files: 1 });
  });

  test('an edited file is read again: another size, or the same size at another mtime', () => {
    const shared = new SharedSources();
    const grown = moduleFile('module.exports = 1;\n');
    const touched = moduleFile('module.exports = 2;\n');
    const before = shared.forFile();
    load(before, grown);
    load(before, touched);

    fs.writeFileSync(grown, 'module.exports = 100;\n');
    fs.writeFileSync(touched, 'module.exports = 3;\n');
    const stat = fs.statSync(touched);
    fs.utimesSync(touched, stat.atime, new Date(stat.mtimeMs + 5000));

    const after = shared.forFile();
    expect(after.get(grown)).toBeUndefined();
    expect(after.get(touched)).toBeUndefined();
    expect(load(after, grown)).toBe('module.exports = 100;\n');
    expect(load(after, touched)).toBe('module.exports = 3;\n');
    expect(shared.stats()).toEqual({ reused: 0, stale: 2, files: 2 });
    // And the new text is what the next file gets.
    expect(shared.forFile().get(touched)).toBe('module.exports = 3;\n');
  });

  test('a removed file is not served', () => {
    const shared = new SharedSources();
    const file = moduleFile('module.exports = 1;\n');
    load(shared.forFile(), file);
    fs.rmSync(file);
    expect(shared.forFile().get(file)).toBeUndefined();
    expect(shared.stats()).toMatchObject({ stale: 1, files: 0 });
  });

  test("what the runner handed over stays the file's own, never served to a later file", () => {
    const shared = new SharedSources();
    const testFile = moduleFile('test("x", () => {});\n');
    // Jest's runner hands the runtime a cacheFS that already holds the test file's source, read
    // before any size and mtime could be taken for it.
    const given = shared.forFile(new Map([[testFile, 'as the runner read it']]));
    expect(given.get(testFile)).toBe('as the runner read it');
    expect(shared.forFile().get(testFile)).toBeUndefined();
    expect(shared.stats().files).toBe(0);
  });

  test("clearing a file's cacheFS (Jest does at teardown) leaves the worker's store", () => {
    const shared = new SharedSources();
    const file = moduleFile('module.exports = 1;\n');
    const first = shared.forFile();
    const text = load(first, file);
    first.clear();
    expect(first.size).toBe(0);
    expect(shared.forFile().get(file)).toBe(text);
  });

  test('names that are no file on disk are not kept for later files', () => {
    const shared = new SharedSources();
    const virtual = path.join(root, 'not-on-disk.js');
    const cacheFS = shared.forFile();
    cacheFS.set(virtual, 'module.exports = "virtual";\n');
    expect(cacheFS.get(virtual)).toBe('module.exports = "virtual";\n');
    expect(shared.forFile().get(virtual)).toBeUndefined();
    expect(shared.stats().files).toBe(0);
  });
});
