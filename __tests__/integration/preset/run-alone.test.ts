// Every bundled port passes when one of its tests runs alone by its name, as an IDE's "run this
// test" runs it (`jest -c jest.iotests.config.js FILE -t '^name$'`): no test may rely on what an
// earlier test of its file did. Each run is the suite's own Jest configuration with `--ci`, so
// the test's transcript is also compared with its stored reference.
//
// Which tests: a listing run (a -t that matches nothing) gives every file's test names in file
// order. A script-style file (numbered tests, sections of one Python script) has every test but
// the first run alone; any other file its last test, the one with the most tests before it. The
// chosen tests run in rounds: one Jest run takes one chosen test from each of several files (a
// file runs only the tests -t matches, so each runs alone in its file), and two files go into
// one round only if neither has a test of the other's chosen name. A chosen test must pass: one
// skipped for an unmet requirement is not run, so it fails the check, unless its whole file is
// skipped on this machine with a reason, which must then be reported. The files the suite's
// default format (qcow2) skips run in a format they take.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import {
  ROOT,
  buildDist,
  explicitDirs,
  removeSocketDirs,
  runJest,
  type JestRun,
} from '../../faults/support/jest-child';
import { qemuProcessesUsing } from '../../faults/support/leftovers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const SUITE_CONFIG = require('../../../jest.iotests.config.js') as {
  testMatch: string[];
} & Record<string, unknown>;

const SUITE_DIR = path.join(ROOT, '__tests__', 'iotests');
/** The suite's default format (`npm run iotests`). */
const DEFAULT_FORMAT = 'qcow2';
/** The files the default format skips, and the format each of them runs in here. */
const OTHER_FORMATS: Readonly<Record<string, string>> = {
  '136-block-device-stats.test.ts': 'raw',
  '148-quorum-events.test.ts': 'raw',
  '210-luks-create.test.ts': 'luks',
};
const RUN_TIMEOUT_MS = 300_000;

/** One test chosen to run alone: its file (base name) and full name. */
interface Choice {
  readonly file: string;
  readonly name: string;
}

let scratch: string;
const usedDirs: string[] = [];
/** Every bundled file's test full names, in file order, by base name. */
let namesByFile: Map<string, string[]>;
let listing: JestRun;

function suiteFiles(): string[] {
  return fs
    .readdirSync(SUITE_DIR)
    .filter((name) => name.endsWith('.test.ts'))
    .sort();
}

function runSuite(args: string[], imgfmt: string): Promise<JestRun> {
  const dirs = explicitDirs(scratch);
  usedDirs.push(dirs.testDir, dirs.sockDir);
  return runJest({
    rootDir: ROOT,
    testMatch: SUITE_CONFIG.testMatch,
    config: SUITE_CONFIG,
    dirs,
    env: { IMGFMT: imgfmt },
    args: ['--ci', '-w', '2', ...args],
    timeoutMs: RUN_TIMEOUT_MS,
  });
}

/** A -t pattern matching exactly these full names (Jest matches case-insensitively). */
function namePattern(names: readonly string[]): string {
  const escaped = names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return `^(?:${escaped.join('|')})$`;
}

/** The tests of one file to run alone. */
function chooseTests(names: readonly string[]): string[] {
  const scriptStyle = names.length > 1 && names.every((name) => /^\d+\. /.test(name));
  if (scriptStyle) return names.slice(1);
  return names.length === 0 ? [] : [names[names.length - 1]];
}

/**
 * Rounds of choices: at most one choice per file in a round, and no choice whose name (case
 * folded, as -t matches) is also a test of another file of the round.
 */
function schedule(
  choices: readonly Choice[],
  names: ReadonlyMap<string, readonly string[]>,
): Choice[][] {
  const folded = (name: string): string => name.toLowerCase();
  const has = (file: string, name: string): boolean =>
    (names.get(file) ?? []).some((other) => folded(other) === folded(name));
  const rounds: Choice[][] = [];
  for (const choice of choices) {
    const fits = (round: Choice[]): boolean =>
      round.every(
        (other) =>
          other.file !== choice.file &&
          !has(other.file, choice.name) &&
          !has(choice.file, other.name),
      );
    const round = rounds.find(fits);
    if (round === undefined) rounds.push([choice]);
    else round.push(choice);
  }
  return rounds;
}

/** The `not run:` line the reporter printed for a whole file, if any. */
function fileSkipReason(run: JestRun, file: string): string | undefined {
  const prefix = `not run: ${path.relative(ROOT, path.join(SUITE_DIR, file))}: `;
  const line = run.output.split('\n').find((text) => text.startsWith(prefix));
  return line?.slice(prefix.length);
}

/** What went wrong in a round: each choice must have run alone and passed. */
function problemsOf(run: JestRun, round: readonly Choice[]): string[] {
  const problems: string[] = [];
  for (const { file, name } of round) {
    const result = run.results?.testResults.find((entry) => path.basename(entry.name) === file);
    if (result === undefined) {
      problems.push(`${file}: no results (Jest exited with ${String(run.status)})`);
      continue;
    }
    const ran = result.assertionResults.filter((test) => test.status !== 'pending');
    const chosen = result.assertionResults.find((test) => test.fullName === name);
    const skipReason = fileSkipReason(run, file);
    if (ran.length === 0 && skipReason !== undefined) continue; // skipped here, reason reported
    if (chosen?.status !== 'passed') {
      const why = (chosen?.failureMessages ?? []).join('\n').split('\n').slice(0, 12).join('\n');
      problems.push(`${file} › ${name}: ${chosen?.status ?? 'not found'} when run alone\n${why}`);
    }
    const others = ran.filter((test) => test.fullName !== name).map((test) => test.fullName);
    if (others.length > 0) problems.push(`${file} › ${name}: ran with ${others.join(', ')}`);
  }
  return problems;
}

/** Run the chosen tests of these files alone, in rounds, under `imgfmt`; the problems found. */
async function runAlone(files: readonly string[], imgfmt: string): Promise<string[]> {
  const choices = files.flatMap((file) =>
    chooseTests(namesByFile.get(file) ?? []).map((name) => ({ file, name })),
  );
  expect(choices.length).toBeGreaterThanOrEqual(files.length);
  const problems: string[] = [];
  for (const round of schedule(choices, namesByFile)) {
    const run = await runSuite(
      [
        '-t',
        namePattern(round.map((choice) => choice.name)),
        '--runTestsByPath',
        ...round.map((choice) => path.join(SUITE_DIR, choice.file)),
      ],
      imgfmt,
    );
    problems.push(...problemsOf(run, round));
  }
  return problems;
}

beforeAll(async () => {
  buildDist();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'run-alone-'));
  // Nothing matches: every test is listed as skipped, in file order, and nothing runs.
  listing = await runSuite(['-t', 'a^'], DEFAULT_FORMAT);
  namesByFile = new Map(
    (listing.results?.testResults ?? []).map((file) => [
      path.basename(file.name),
      file.assertionResults.map((test) => test.fullName),
    ]),
  );
}, RUN_TIMEOUT_MS);

afterAll(() => {
  const left = qemuProcessesUsing(usedDirs);
  removeSocketDirs();
  if (scratch !== undefined) fs.rmSync(scratch, { recursive: true, force: true });
  expect(left).toEqual([]);
});

test('the listing has every bundled file; the files the default format skips say why', () => {
  expect(listing.status).toBe(0);
  expect([...namesByFile.keys()].sort()).toEqual(suiteFiles());
  for (const [file, names] of namesByFile) expect([file, names.length > 0]).toEqual([file, true]);
  for (const file of Object.keys(OTHER_FORMATS)) {
    expect([file, fileSkipReason(listing, file)]).toEqual([
      file,
      `not suitable for this image format: ${DEFAULT_FORMAT}`,
    ]);
  }
});

describe('each chosen test passes alone', () => {
  test(
    `${DEFAULT_FORMAT}: every file the default format runs`,
    async () => {
      const files = suiteFiles().filter((file) => OTHER_FORMATS[file] === undefined);
      expect(await runAlone(files, DEFAULT_FORMAT)).toEqual([]);
    },
    8 * RUN_TIMEOUT_MS,
  );

  test.each([...new Set(Object.values(OTHER_FORMATS))])(
    '%s: the files the default format skips',
    async (imgfmt) => {
      const files = Object.keys(OTHER_FORMATS).filter((file) => OTHER_FORMATS[file] === imgfmt);
      expect(await runAlone(files, imgfmt)).toEqual([]);
    },
    8 * RUN_TIMEOUT_MS,
  );
});
