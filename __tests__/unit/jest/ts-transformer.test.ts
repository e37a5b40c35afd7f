// The preset's transform: ts-jest's output, with a cache key that needs neither ts-jest nor
// TypeScript loaded. Laziness is observed in a fresh Node process on the built package, because
// this worker has loaded ts-jest already (it transforms these tests).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import {
  createTransformer,
  isTranspileOnly,
  transpileCacheKey,
  type TransformOptionsLike,
} from '../../../src/jest/ts-transformer';

const ROOT = path.resolve(__dirname, '../../..');
const PRESET_OPTIONS = {
  tsconfig: { isolatedModules: true, target: 'ES2022', module: 'commonjs', esModuleInterop: true },
};
const SOURCE = "import { x } from './x';\nexport const y: number = x + 1;\n";

let scratch: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-transformer-'));
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

function optionsFor(rootDir: string, configString = '{}'): TransformOptionsLike {
  return { configString, config: { rootDir }, instrument: false, supportsStaticESM: false };
}

describe('which setups are transpile-only', () => {
  test('isolatedModules, inline or as the ts-jest option, without other inputs', () => {
    expect(isTranspileOnly(PRESET_OPTIONS)).toBe(true);
    expect(isTranspileOnly({ isolatedModules: true })).toBe(true);
    expect(isTranspileOnly({ tsconfig: { target: 'ES2022' } })).toBe(false);
    expect(isTranspileOnly({ tsconfig: 'tsconfig.json' })).toBe(false);
    expect(isTranspileOnly({ ...PRESET_OPTIONS, babelConfig: true })).toBe(false);
    expect(isTranspileOnly({ ...PRESET_OPTIONS, astTransformers: {} })).toBe(false);
  });

  test('any other setup is ts-jest itself', () => {
    const transformer = createTransformer({ tsconfig: { target: 'ES2022' } });
    expect(transformer.constructor.name).toBe('TsJestTransformer');
  });
});

describe('the cache key', () => {
  test('is stable, and changes with the file, its path, the options and the Jest config', () => {
    const options = optionsFor(scratch);
    const key = transpileCacheKey(SOURCE, '/p/a.test.ts', options, PRESET_OPTIONS);
    expect(transpileCacheKey(SOURCE, '/p/a.test.ts', options, PRESET_OPTIONS)).toBe(key);
    expect(transpileCacheKey(`${SOURCE} `, '/p/a.test.ts', options, PRESET_OPTIONS)).not.toBe(key);
    expect(transpileCacheKey(SOURCE, '/p/b.test.ts', options, PRESET_OPTIONS)).not.toBe(key);
    expect(
      transpileCacheKey(SOURCE, '/p/a.test.ts', options, {
        tsconfig: { ...PRESET_OPTIONS.tsconfig, target: 'ES2020' },
      }),
    ).not.toBe(key);
    expect(
      transpileCacheKey(SOURCE, '/p/a.test.ts', optionsFor(scratch, '{"x":1}'), PRESET_OPTIONS),
    ).not.toBe(key);
    expect(
      transpileCacheKey(SOURCE, '/p/a.test.ts', { ...options, instrument: true }, PRESET_OPTIONS),
    ).not.toBe(key);
  });

  test('follows the tsconfig files ts-jest reads, not the rootDir they are found from', () => {
    const project = path.join(scratch, 'project');
    const nested = path.join(project, 'nested');
    const other = path.join(scratch, 'other');
    fs.mkdirSync(nested, { recursive: true });
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(project, 'tsconfig.json'), '{ "extends": "./base.json" }');
    fs.writeFileSync(path.join(project, 'base.json'), '{ "compilerOptions": {} }');
    fs.writeFileSync(path.join(other, 'tsconfig.json'), '{ "compilerOptions": { "jsx": 2 } }');
    const key = (rootDir: string): string =>
      transpileCacheKey(SOURCE, '/p/a.test.ts', optionsFor(rootDir), PRESET_OPTIONS);
    // A nested rootDir finds the same files: same key. Other files: another key.
    expect(key(nested)).toBe(key(project));
    expect(key(other)).not.toBe(key(project));
  });
});

describe('ts-jest is loaded only to transpile', () => {
  beforeAll(() => {
    const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/setup.js'), '--quiet'], {
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`setup failed: ${build.stdout}${build.stderr}`);
  });

  test('computing keys loads neither; transpiling loads ts-jest and gives its output', () => {
    const script = `
      const path = require('node:path');
      const { createTransformer } = require(${JSON.stringify(path.join(ROOT, 'dist/src/jest/ts-transformer.js'))});
      const loaded = () => Object.keys(require.cache).some((file) => /node_modules[\\\\/](typescript|ts-jest)[\\\\/]/.test(file));
      const transformer = createTransformer(${JSON.stringify(PRESET_OPTIONS)});
      const rootDir = ${JSON.stringify(scratch)};
      const options = { configString: '{}', instrument: false, cacheFS: new Map(),
        config: { rootDir, cwd: rootDir, testMatch: [], testRegex: [], cache: false, globals: {} } };
      const key = transformer.getCacheKey(${JSON.stringify(SOURCE)}, path.join(rootDir, 'a.test.ts'), options);
      const afterKey = loaded();
      const output = transformer.process(${JSON.stringify(SOURCE)}, path.join(rootDir, 'a.test.ts'), options);
      process.stdout.write(JSON.stringify({ key, afterKey, afterProcess: loaded(), code: output.code }));
    `;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: scratch });
    expect(child.stderr).toBe('');
    const result = JSON.parse(child.stdout) as {
      key: string;
      afterKey: boolean;
      afterProcess: boolean;
      code: string;
    };
    expect(result.key).toMatch(/^[0-9a-f]{64}$/);
    expect(result.afterKey).toBe(false);
    expect(result.afterProcess).toBe(true);
    expect(result.code).toContain('require("./x")');
    expect(result.code).toContain('exports.y = x_1.x + 1;');
  });
});
