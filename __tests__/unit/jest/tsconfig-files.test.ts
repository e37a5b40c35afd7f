import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, test } from '@jest/globals';

import { extendsOf, tsconfigChain } from '../../../src/jest/tsconfig-files';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tsconfig-files-'));

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

function write(relative: string, text: string): string {
  const file = path.join(scratch, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

describe('extendsOf', () => {
  test('reads `extends` from JSON with comments and trailing commas', () => {
    const text = `{
      // a comment with "quotes" and a // inside
      "extends": "./base", /* block */
      "compilerOptions": { "paths": { "a/*": ["b/*"] }, },
    }`;
    expect(extendsOf(text)).toEqual(['./base']);
  });

  test('takes an array of targets, and nothing from text that is not an object', () => {
    expect(extendsOf('{ "extends": ["./a.json", 3, "./b"] }')).toEqual(['./a.json', './b']);
    expect(extendsOf('[]')).toEqual([]);
    expect(extendsOf('{ not json')).toEqual([]);
  });
});

describe('tsconfigChain', () => {
  test('finds the nearest tsconfig.json above rootDir and follows what it extends', () => {
    const base = write('project/configs/base.json', '{ "compilerOptions": { "strict": true } }');
    const main = write('project/tsconfig.json', '{ "extends": "./configs/base" }');
    const rootDir = path.join(scratch, 'project', 'packages', 'tests');
    fs.mkdirSync(rootDir, { recursive: true });
    expect(tsconfigChain(rootDir)).toEqual([
      { path: main, text: fs.readFileSync(main, 'utf8') },
      { path: base, text: fs.readFileSync(base, 'utf8') },
    ]);
  });

  test('names a target it cannot find, so that adding it later changes the chain', () => {
    const main = write('broken/tsconfig.json', '{ "extends": "./missing.json" }');
    expect(tsconfigChain(path.join(scratch, 'broken'))).toEqual([
      { path: main, text: fs.readFileSync(main, 'utf8') },
      { path: './missing.json', text: undefined },
    ]);
  });

  test('stops on a cycle', () => {
    const a = write('cycle/tsconfig.json', '{ "extends": "./b.json" }');
    const b = write('cycle/b.json', '{ "extends": "./tsconfig.json" }');
    expect(tsconfigChain(path.join(scratch, 'cycle')).map((file) => file.path)).toEqual([a, b]);
  });
});
