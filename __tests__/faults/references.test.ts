// References a QEMU developer can trust (issue 12), observed from outside through real Jest runs of
// the preset: a skipped test of any kind (file, describe, nested describe, run-time requires(),
// notrun(), each kind of requirement the configuration can turn off) keeps its snapshot entries
// byte for byte under `-u` and `--ci`, with its title; a forgotten `await` fails its test by
// name without moving output into the next test's transcript; `@transcript snapshot` makes each
// passed test's transcript its snapshot, never a failed or skipped test's partial one; and a plain
// reference file (QEMU's NNN.out) follows -u and --ci, shows `diff -u` and writes .bad, and is
// left alone by skips.
// The qtest-accelerator and device requirements are never met or always met on this machine; they
// produce their reason through the same unmetRequirement, and skip through the same mechanism.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import {
  ROOT,
  buildDist,
  explicitDirs,
  failureOf,
  removeSocketDirs,
  runJest,
  statuses,
  type JestRun,
} from './support/jest-child';

const REFERENCE_FIXTURES = path.join(__dirname, 'fixtures', 'references');
const SKIP_FIXTURES = [
  'skip-file.fixture.ts',
  'skip-describe.fixture.ts',
  'skip-runtime.fixture.ts',
];

/** A configuration under which each skip fixture's guarded tests are not run. */
const SKIPPING_ENV = {
  IMGOPTS: 'compat=0.10',
  AIOMODE: 'native',
  CACHEMODE: 'none',
  IMGPROTO: 'nbd',
};

let scratch: string;

beforeAll(() => {
  buildDist();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-references-'));
});

afterAll(() => {
  removeSocketDirs();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** A user's project holding `fixtures`: snapshots go to its __snapshots__/<format>/ tree. */
function project(fixtures: readonly string[]): string {
  const dir = fs.mkdtempSync(path.join(scratch, 'project-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "name": "references", "private": true }\n');
  for (const name of fixtures) {
    fs.copyFileSync(path.join(REFERENCE_FIXTURES, name), path.join(dir, name));
  }
  return dir;
}

function run(rootDir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<JestRun> {
  return runJest({
    rootDir,
    testMatch: ['**/*.fixture.ts'],
    dirs: explicitDirs(scratch),
    args,
    env,
  });
}

/** Every .snap file under `dir` with its bytes, by path relative to `dir`. */
function snapshotFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (entry.endsWith('.snap')) files[entry] = fs.readFileSync(path.join(dir, entry), 'utf8');
  }
  return files;
}

function titles(result: JestRun): string[] {
  return (result.results?.testResults ?? [])
    .flatMap((file) => file.assertionResults.map((test) => test.fullName))
    .sort();
}

describe('a skipped test keeps its reference', () => {
  let root: string;
  let written: Record<string, string>;
  let firstRun: JestRun;

  beforeAll(async () => {
    root = project(SKIP_FIXTURES);
    // Everything runs and writes its snapshots (CI=true makes --ci the default: turn it off).
    firstRun = await run(root, ['--ci=false']);
    written = snapshotFiles(root);
  }, 180_000);

  test('the first run writes every reference', () => {
    expect(firstRun.status).toBe(0);
    expect(Object.values(statuses(firstRun))).not.toContain('pending');
    expect(Object.keys(written).sort()).toEqual([
      path.join('__snapshots__', 'qcow2', 'skip-describe.fixture.ts.snap'),
      path.join('__snapshots__', 'qcow2', 'skip-file.fixture.ts.snap'),
      path.join('__snapshots__', 'qcow2', 'skip-runtime.fixture.ts.snap'),
    ]);
  });

  test.each([
    ['-u', ['-u']],
    ['--ci', ['--ci']],
    ['neither', ['--ci=false']],
  ])(
    'skipped with %s: exit 0, nothing obsolete, .snap files byte for byte',
    async (_label, args) => {
      const skipped = await run(root, args, SKIPPING_ENV);
      expect(skipped.output).not.toMatch(/obsolete|removed|snapshots? (written|updated)/i);
      expect(skipped.status).toBe(0);
      expect(snapshotFiles(root)).toEqual(written);
      // Titles stay the user's own: the same full names as the run that wrote the references.
      expect(titles(skipped)).toEqual(titles(firstRun));
      const byTitle = statuses(skipped);
      for (const title of [
        'first reference',
        'second reference',
        'direct child',
        'grandchild',
        'cache mode checked inside the test',
        'protocol checked inside the test',
        'notrun called by the test',
      ]) {
        expect([title, byTitle[title]]).toEqual([title, 'pending']);
      }
      expect(byTitle['always runs']).toBe('passed');
      expect(byTitle['runs in every configuration']).toBe('passed');
    },
    180_000,
  );

  test('every reason is shown as its file ends and in the Not run summary', async () => {
    const skipped = await run(root, ['--ci'], SKIPPING_ENV);
    const summary = skipped.output.slice(skipped.output.lastIndexOf('Not run:'));
    const expected = [
      'skip-file.fixture.ts: not suitable for this imgopts: compat=0.10',
      'skip-describe.fixture.ts › threads only › direct child: not suitable for this aio mode: native',
      'skip-describe.fixture.ts › threads only › nested › grandchild: not suitable for this aio mode: native',
      'skip-runtime.fixture.ts › cache mode checked inside the test: not suitable for this cache mode: none',
      'skip-runtime.fixture.ts › protocol checked inside the test: not suitable for this protocol: nbd',
      'skip-runtime.fixture.ts › notrun called by the test: this test creates its own images',
    ];
    for (const line of expected) {
      expect(skipped.output).toContain(`not run: ${line}\n`);
      expect(summary).toContain(`  ${line}\n`);
    }
    expect(summary).toMatch(/Passed all 2 iotests/);
  }, 180_000);
});

test('a run that fails for an obsolete snapshot is not called passed', async () => {
  const root = project(['skip-runtime.fixture.ts']);
  expect((await run(root, ['--ci=false'])).status).toBe(0);
  // A renamed test leaves its old reference behind: Jest fails the run under --ci.
  const file = path.join(root, 'skip-runtime.fixture.ts');
  fs.writeFileSync(
    file,
    fs.readFileSync(file, 'utf8').replace('runs in every configuration', 'renamed'),
  );
  const result = await run(root, ['--ci']);
  expect(result.status).toBe(1);
  expect(result.output).toContain('Snapshots failed the run: 1 obsolete');
  expect(result.output).not.toContain('Passed all');
}, 180_000);

describe("`@transcript snapshot`: each passed test's transcript is its snapshot", () => {
  const NAME = 'transcript-snapshot.fixture.ts';
  let root: string;
  const snapFile = (): string => path.join(root, '__snapshots__', 'qcow2', `${NAME}.snap`);
  const entries = (): string[] => {
    const listed = spawnSync(
      process.execPath,
      [path.join(ROOT, 'dist/src/cli/main.js'), 'transcript', snapFile(), '--list'],
      { encoding: 'utf8' },
    );
    return listed.stdout.split('\n').filter((line) => line !== '');
  };

  beforeAll(() => {
    root = project([NAME]);
  });

  test('a failed test writes no reference, and its report is its own error alone', async () => {
    const failed = await run(root, ['--ci=false'], { FIXTURE_FAIL: 'y' });
    expect(failed.status).toBe(1);
    const failure = failureOf(failed, '2. fails under FIXTURE_FAIL');
    expect(failure).toContain('"the real error"');
    expect(failure).not.toContain('toMatchSnapshot');
    expect(entries()).toEqual([
      '1. logs two lines',
      '3. skipped at run time under IMGOPTS',
      '4. changes under FIXTURE_CHANGE',
    ]);
  }, 180_000);

  test("each passed test wrote its whole transcript; -u keeps a failed test's reference", async () => {
    expect((await run(root, ['--ci=false'])).status).toBe(0);
    const written = fs.readFileSync(snapFile(), 'utf8');
    expect(written).toContain('exports[`1. logs two lines 1`] = `\nfirst\n{"return": {}}\n\n`;');
    expect(written).toContain(
      'exports[`2. fails under FIXTURE_FAIL 1`] = `\nbefore the failure\nafter it\n\n`;',
    );
    const failedUpdate = await run(root, ['-u'], { FIXTURE_FAIL: 'y' });
    expect(failedUpdate.status).toBe(1);
    expect(fs.readFileSync(snapFile(), 'utf8')).toBe(written);
  }, 180_000);

  test('a test skipped at run time keeps its reference and is not failed', async () => {
    const written = fs.readFileSync(snapFile(), 'utf8');
    const skipped = await run(root, ['--ci'], { IMGOPTS: 'compat=0.10' });
    expect(skipped.status).toBe(0);
    expect(statuses(skipped)['3. skipped at run time under IMGOPTS']).toBe('pending');
    expect(skipped.output).not.toMatch(/obsolete/i);
    expect(fs.readFileSync(snapFile(), 'utf8')).toBe(written);
  }, 180_000);

  test('a changed transcript fails its test with the snapshot diff', async () => {
    const changed = await run(root, ['--ci'], { FIXTURE_CHANGE: 'y' });
    expect(changed.status).toBe(1);
    expect(failureOf(changed, '4. changes under FIXTURE_CHANGE')).toMatch(
      /Snapshot name: `4\. changes under FIXTURE_CHANGE 1`[\s\S]*- original[\s\S]*\+ changed/,
    );
  }, 180_000);
});

describe('a forgotten await', () => {
  let result: JestRun;

  beforeAll(async () => {
    result = await run(project(['missing-await.fixture.ts']), ['--ci=false']);
  }, 180_000);

  test('fails the test that forgot it, naming the call and its line', () => {
    const failure = failureOf(result, 'forgets to await qmpLog');
    expect(failure).toContain(
      'The test ended when its function returned while an operation it started was still ' +
        "pending (missing await?):\n  vm.qmpLog('query-status')",
    );
    expect(failure).toMatch(/missing-await\.fixture\.ts:10:/);
  });

  test('names job helpers and tools by their call', () => {
    expect(failureOf(result, 'forgets to await a job helper')).toContain(
      'vm.blockdevCreate({"driver":"file","filename":',
    );
    expect(failureOf(result, 'forgets to await a tool')).toMatch(/\n {2}\S*qemu-img --version\n/);
  });

  test('late output never reaches the next test', () => {
    const byTitle = statuses(result);
    expect(byTitle['the next test sees only its own output']).toBe('passed');
    expect(byTitle['the job helper logged nothing here']).toBe('passed');
  });

  test('a matcher handed a promise says so', () => {
    expect(failureOf(result, 'hands a matcher a promise')).toContain(
      'received value is a Promise: missing await?',
    );
  });
});

describe('QEMU-style reference files and the transcript command', () => {
  let root: string;
  const file = (name: string): string => path.join(root, name);
  const read = (name: string): string => fs.readFileSync(file(name), 'utf8');
  const cli = (args: string[]): { status: number | null; stdout: string; stderr: string } =>
    spawnSync(process.execPath, [path.join(ROOT, 'dist/src/cli/main.js'), ...args], {
      encoding: 'utf8',
    });

  beforeAll(async () => {
    root = project(['reference-file.fixture.ts']);
    expect((await run(root, ['--ci'])).status).toBe(1); // --ci creates no reference
    expect(fs.existsSync(file('tricky.out'))).toBe(false);
    expect((await run(root, ['--ci=false'])).status).toBe(0);
  }, 180_000);

  test('the reference holds exactly what the test logged, and so does the snapshot', () => {
    const logged = 'back`tick \\ backslash ${not a template}\n  indented\n\nlast line\n';
    expect(read('tricky.out')).toBe(logged);
    const snap = path.join(root, '__snapshots__', 'qcow2', 'reference-file.fixture.ts.snap');
    expect(cli(['transcript', snap, 'tricky bytes'])).toMatchObject({
      status: 0,
      stdout: logged,
      stderr: '',
    });
    expect(cli(['transcript', snap, '--list']).stdout).toBe('tricky bytes\n');
  });

  test('a mismatch fails with diff -u and writes .bad; -u rewrites; a pass removes .bad', async () => {
    const changed = await run(root, ['--ci'], { FIXTURE_CHANGE: 'y' });
    expect(changed.status).toBe(1);
    expect(failureOf(changed, 'changes under FIXTURE_CHANGE')).toContain(
      '--- changing.out\n+++ changing.out.bad\n@@ -1,2 +1,2 @@\n-original\n+changed\n unchanged\n',
    );
    expect(read('refs/changing.out.bad')).toBe('changed\nunchanged\n');
    expect(read('refs/changing.out')).toBe('original\nunchanged\n');

    expect((await run(root, ['-u'], { FIXTURE_CHANGE: 'y' })).status).toBe(0);
    expect(read('refs/changing.out')).toBe('changed\nunchanged\n');
    expect(fs.existsSync(file('refs/changing.out.bad'))).toBe(false);
  }, 180_000);

  test('a skipped test leaves its reference file alone', async () => {
    const before = read('skipped.out');
    const stat = fs.statSync(file('skipped.out'));
    const skipped = await run(root, ['-u'], { IMGOPTS: 'compat=0.10' });
    expect(skipped.status).toBe(0);
    expect(statuses(skipped)['skipped under IMGOPTS']).toBe('pending');
    expect(read('skipped.out')).toBe(before);
    expect(fs.statSync(file('skipped.out')).mtimeMs).toBe(stat.mtimeMs);
  }, 180_000);
});
