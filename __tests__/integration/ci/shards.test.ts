// The README's CI example splits a run with `jest --shard`: two shards of a small set of fixture
// files together run every file exactly once, and their "Not run:" summaries add up to the whole
// run's (each skip reported by the shard that ran its file).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, expect, test } from '@jest/globals';

import {
  buildDist,
  explicitDirs,
  removeSocketDirs,
  runJest,
  type JestRun,
} from '../../faults/support/jest-child';

const FIXTURES = path.join(__dirname, 'fixtures');
let scratch: string;

beforeAll(() => {
  buildDist();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'shards-test-'));
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
  removeSocketDirs();
});

async function run(args: string[]): Promise<JestRun> {
  const result = await runJest({
    rootDir: FIXTURES,
    testMatch: ['**/*.fixture.ts'],
    dirs: explicitDirs(scratch),
    args,
  });
  expect(result.status).toBe(0);
  return result;
}

/** The test files a run ran, relative to the fixtures. */
function filesOf(result: JestRun): string[] {
  return (result.results?.testResults ?? [])
    .map((file) => path.relative(FIXTURES, file.name))
    .sort();
}

/** The lines of the run's "Not run:" summary. */
function notRunLines(result: JestRun): string[] {
  const at = result.output.indexOf('\nNot run:\n');
  if (at === -1) return [];
  const lines: string[] = [];
  for (const line of result.output.slice(at + '\nNot run:\n'.length).split('\n')) {
    if (!line.startsWith('  ')) break;
    lines.push(line.trim());
  }
  return lines.sort();
}

test('two shards run every file exactly once; their "Not run:" summaries add up', async () => {
  const whole = await run([]);
  const first = await run(['--shard=1/2']);
  const second = await run(['--shard=2/2']);

  const all = fs
    .readdirSync(FIXTURES)
    .filter((name) => name.endsWith('.fixture.ts'))
    .sort();
  expect(filesOf(whole)).toEqual(all);
  expect(filesOf(first).length).toBeGreaterThan(0);
  expect(filesOf(second).length).toBeGreaterThan(0);
  expect([...filesOf(first), ...filesOf(second)].sort()).toEqual(all);

  expect(notRunLines(whole)).toEqual(
    [
      'b-file-skipped.fixture.ts: not suitable for this image format: qcow2',
      'c-one-case-skipped.fixture.ts › c: needs raw: not suitable for this image format: qcow2',
      'd-describe-skipped.fixture.ts › d: luks only › d: never runs: not suitable for this image format: qcow2',
      'f-file-skipped.fixture.ts: not suitable for this image format: qcow2',
    ].sort(),
  );
  expect([...notRunLines(first), ...notRunLines(second)].sort()).toEqual(notRunLines(whole));

  const passed = (result: JestRun): number => result.results?.numPassedTests ?? -1;
  expect(passed(first) + passed(second)).toBe(passed(whole));
  expect(passed(whole)).toBe(4);
});
