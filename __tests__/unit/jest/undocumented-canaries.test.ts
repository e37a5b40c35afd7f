// Canaries for what the preset takes from Jest and ts-jest beyond their documented interfaces.
// Each fails when the versions installed are not the ones the code was made for, or when the
// behaviour it relies on stops taking effect; the code itself then steps aside (see runtime.ts and
// ts-transformer.ts), so a failure here means "review and re-measure", never a broken run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { SHARED_SOURCES_JEST_MAJOR, sharesSources } from '../../../src/jest/runtime';
import {
  KEYED_VERSIONS,
  createTransformer,
  keyedVersionsInstalled,
  transpileCacheKey,
} from '../../../src/jest/ts-transformer';
import { ROOT, buildDist } from '../../faults/support/jest-child';

const JEST_BIN = require.resolve('jest/bin/jest', { paths: [ROOT] });

describe('shared module sources (jest-runtime reads modules through its cacheFS argument)', () => {
  let dir: string;

  beforeAll(() => {
    buildDist();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'canary-runtime-'));
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test(`the installed jest-runtime is major ${SHARED_SOURCES_JEST_MAJOR}`, () => {
    const { version } = JSON.parse(
      fs.readFileSync(require.resolve('jest-runtime/package.json', { paths: [ROOT] }), 'utf8'),
    ) as { version: string };
    expect(sharesSources(version)).toBe(true);
    expect(sharesSources('31.0.0')).toBe(false);
  });

  test('a second test file of a worker reads the modules the first one read from the store', () => {
    const report = path.join(dir, 'stats.json');
    fs.writeFileSync(path.join(dir, 'shared.js'), 'module.exports = 42;\n');
    for (const name of ['a', 'b']) {
      fs.writeFileSync(
        path.join(dir, `${name}.test.js`),
        "test('reads the shared module', () => expect(require('./shared')).toBe(42));\n",
      );
    }
    // The preset's runtime, reporting the worker's store when the (in-band) process ends.
    fs.writeFileSync(
      path.join(dir, 'reporting-runtime.js'),
      `const fs = require('node:fs');
const { workerSources } = require(${JSON.stringify(path.join(ROOT, 'dist/src/jest/shared-sources.js'))});
process.on('exit', () => fs.writeFileSync(${JSON.stringify(report)}, JSON.stringify(workerSources().stats())));
module.exports = require(${JSON.stringify(path.join(ROOT, 'dist/src/jest/runtime.js'))}).default;
`,
    );
    const config = {
      rootDir: dir,
      runtime: path.join(dir, 'reporting-runtime.js'),
      testEnvironment: 'node',
      transform: {},
    };
    const run = spawnSync(
      process.execPath,
      [JEST_BIN, '--config', JSON.stringify(config), '--runInBand', '--ci'],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, JEST_WORKER_ID: undefined } },
    );
    expect(run.status).toBe(0);
    const stats = JSON.parse(fs.readFileSync(report, 'utf8')) as { reused: number };
    // shared.js, and Jest's own modules loaded into every file, came from the store.
    expect(stats.reused).toBeGreaterThan(1);
  });
});

describe("the transform's cache key (ts-jest's transpile-only output depends on file, options and tsconfigs)", () => {
  test(`the installed ts-jest and TypeScript are majors ${KEYED_VERSIONS['ts-jest']} and ${KEYED_VERSIONS.typescript}`, () => {
    expect(keyedVersionsInstalled()).toBe(true);
  });

  test('with those versions, transpile-only setups get our key: stable, and following the source', () => {
    const transformer = createTransformer({ tsconfig: { isolatedModules: true } });
    const options = { configString: '{}', config: { rootDir: os.tmpdir() } };
    const source = 'export const x: number = 1;\n';
    const key = transformer.getCacheKey(source, '/x.ts', options);
    // Our own key, not ts-jest's: the wrapper did not step aside.
    expect(key).toBe(
      transpileCacheKey(source, '/x.ts', options, { tsconfig: { isolatedModules: true } }),
    );
    expect(transformer.getCacheKey(source, '/x.ts', options)).toBe(key);
    expect(transformer.getCacheKey(`${source}// changed\n`, '/x.ts', options)).not.toBe(key);
  });
});
