// The README's examples are real: its first test is a file of the bundled suite (run by
// `npm run iotests`), quoted verbatim, and the snapshot it shows is that file's stored snapshot.
// The consumer test (integration/consumer) runs the quick start itself, from the packed package.
import fs from 'node:fs';
import path from 'node:path';
import { runInNewContext } from 'node:vm';

import { expect, test } from '@jest/globals';

import { resolveConfig } from '../../src';
import { fencedBlocks, readmeSection, readmeText } from '../support/readme';

const ROOT = path.resolve(__dirname, '../..');
const readme = readmeText();
const section = readmeSection;
const blocks = fencedBlocks;

test("the README's first test is __tests__/iotests/000-readme-first-test.test.ts, verbatim", () => {
  const file = fs.readFileSync(
    path.join(ROOT, '__tests__/iotests/000-readme-first-test.test.ts'),
    'utf8',
  );
  expect(blocks(section('## Quick start'), 'ts')).toEqual([file]);
});

test('the snapshot the README shows is the one stored for the default IMGFMT (raw)', () => {
  const snap = fs.readFileSync(
    path.join(ROOT, '__snapshots__/raw/__tests__/iotests/000-readme-first-test.test.ts.snap'),
    'utf8',
  );
  const quickStart = section('## Quick start');
  expect(quickStart).toContain('`__snapshots__/raw/__tests__/first.test.ts.snap`');
  const [shown] = blocks(quickStart, '');
  expect(shown).toBeDefined();
  expect(snap).toContain(`\n${shown}`);
});

test("the users' quick start comes first and needs nothing from this repository", () => {
  const headings = [...readme.matchAll(/^## (.*)$/gm)].map((m) => m[1]);
  expect(headings[0]).toBe('Quick start');
  expect(headings).toContain('Working on this repository');
  const quickStart = section('## Quick start');
  const [install, run] = blocks(quickStart, 'sh');
  // npm's default typescript (7) is refused by ts-jest 29.4: the line names a major it accepts.
  expect(install).toMatch(/^npm i -D qemu-iotests jest typescript@5 @types\/jest$/m);
  expect(run).toBe('npx jest --preset qemu-iotests\n');
  expect(quickStart).not.toMatch(/npm run /);
});

test('"Adding a QEMU iotest" points at no command that exists only in this repository', () => {
  const adding = section('## Adding a QEMU iotest');
  // Only inside the parenthesis addressed to this repository's contributors.
  const forUsers = adding.replace(/\(In this repository:[\s\S]*?\)\n/, '');
  expect(forUsers).not.toMatch(/npm run|__tests__\/unit/);
  expect(forUsers).toContain('npx jest --preset qemu-iotests NNN');
});

test("the VS Code config's testEnvironmentOptions reach the configuration layer", () => {
  const [config] = blocks(section('### VS Code and other IDEs'), 'js');
  const exported = { exports: {} as { testEnvironmentOptions?: Record<string, unknown> } };
  runInNewContext(config, { module: exported });
  expect(exported.exports).toMatchObject({ preset: 'qemu-iotests' });
  const env = { ...process.env };
  delete env.IMGFMT;
  const resolved = resolveConfig({ env, options: exported.exports.testEnvironmentOptions });
  expect(resolved.imgfmt).toBe('qcow2');
});

test('the GitLab CI example runs formats × shards with jest --shard', () => {
  const [yaml] = blocks(section('### CI at scale'), 'yaml');
  expect(yaml).toMatch(/IMGFMT: \[qcow2, raw, luks\]/);
  expect(yaml).toMatch(/SHARD: \['1\/2', '2\/2'\]/);
  expect(yaml).toContain('npx jest --preset qemu-iotests --ci --shard="$SHARD"');
});
