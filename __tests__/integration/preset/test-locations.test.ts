// Which files the preset takes for tests in a project that sets nothing else: Jest's own default
// locations (as ts-jest's and other presets keep them) plus `*.iotest.ts`, never node_modules or
// dist. `jest --listTests` answers without running anything.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, expect, test } from '@jest/globals';

import { ROOT, buildDist } from '../../faults/support/jest-child';

const JEST_BIN = require.resolve('jest/bin/jest', { paths: [ROOT] });

const FILES = [
  '__tests__/foo.test.ts',
  '__tests__/iotests/206-qcow2-create.test.ts',
  '__tests__/helpers/in-tests-dir.ts',
  'src/beside-the-code.test.ts',
  'src/beside-the-code.spec.js',
  'images/qcow2-basics.iotest.ts',
  'src/not-a-test.ts',
  'node_modules/some-package/__tests__/theirs.test.ts',
  'dist/__tests__/built.test.js',
];

let project: string;

beforeAll(() => {
  buildDist();
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'preset-locations-'));
  fs.writeFileSync(
    path.join(project, 'package.json'),
    '{ "name": "locations", "private": true }\n',
  );
  for (const file of FILES) {
    fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
    fs.writeFileSync(path.join(project, file), '');
  }
});

afterAll(() => {
  if (project !== undefined) fs.rmSync(project, { recursive: true, force: true });
});

function listTests(args: readonly string[]): string[] {
  const run = spawnSync(process.execPath, [JEST_BIN, '--listTests', ...args], {
    cwd: project,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => path.relative(project, line))
    .sort();
}

test("the preset keeps Jest's default test locations, adds *.iotest.ts, skips node_modules and dist", () => {
  expect(listTests(['--preset', path.join(ROOT, 'jest-preset.js')])).toEqual(
    [
      '__tests__/foo.test.ts',
      '__tests__/helpers/in-tests-dir.ts',
      '__tests__/iotests/206-qcow2-create.test.ts',
      'images/qcow2-basics.iotest.ts',
      'src/beside-the-code.spec.js',
      'src/beside-the-code.test.ts',
    ].sort(),
  );
});

test('a test named on the command line, as an IDE does, is found', () => {
  expect(
    listTests([
      '--preset',
      path.join(ROOT, 'jest-preset.js'),
      '--runTestsByPath',
      path.join(project, '__tests__/foo.test.ts'),
    ]),
  ).toEqual(['__tests__/foo.test.ts']);
});
