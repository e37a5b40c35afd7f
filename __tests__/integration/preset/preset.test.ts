// The preset's behaviour, observed the way a user sees it: Jest runs fixture test files through
// jest-preset.js (built dist/), and we read its JSON results, its output, and the process table.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { FormattedAssertionResult, FormattedTestResults } from '@jest/test-result';

import { ROOT, buildDist, runJest } from '../../faults/support/jest-child';
import { qemuProcessesUsing } from '../../faults/support/leftovers';

const FIXTURES = path.join(__dirname, 'fixtures');

interface JestRun {
  status: number | null;
  output: string;
  results: FormattedTestResults;
  sockDir: string;
}

let scratch: string;
const sockDirs: string[] = [];

beforeAll(() => {
  buildDist();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'preset-test-'));
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
  for (const dir of sockDirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function runFixture(
  fixture: string,
  extraArgs: string[] = [],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<JestRun> {
  const sockDir = fs.mkdtempSync(path.join('/tmp', 'pt'));
  sockDirs.push(sockDir);
  const run = await runJest({
    rootDir: FIXTURES,
    testMatch: [`**/${fixture}`],
    dirs: { kind: 'explicit', testDir: scratch, sockDir },
    args: extraArgs,
    env: extraEnv,
    // A relative preset path, as a project's own config would write it.
    config: {
      preset: path.relative(FIXTURES, path.join(ROOT, 'jest-preset.js')).replace(/^(?!\.)/, './'),
    },
  });
  if (run.results === undefined) throw new Error(`Jest wrote no results:\n${run.output}`);
  return { status: run.status, output: run.output, results: run.results, sockDir };
}

function assertions(run: JestRun): FormattedAssertionResult[] {
  return run.results.testResults.flatMap((file) => file.assertionResults);
}

function byTitle(run: JestRun, start: string): FormattedAssertionResult {
  const found = assertions(run).find((a) => a.title.startsWith(start));
  if (found === undefined) throw new Error(`no test titled ${start}: ${run.output}`);
  return found;
}

describe('requirements skip with their reason, never fail', () => {
  test('a file-level requirement skips every test of the file', async () => {
    const run = await runFixture('skip-file.fixture.ts');
    expect(run.status).toBe(0);
    const reason = 'not suitable for this image format: qcow2';
    for (const title of ['first', 'second', 'third']) {
      const result = byTitle(run, title);
      expect(result.status).toBe('pending');
      expect(result.title).toBe(title); // the test's own title: Jest keeps its snapshots by it
    }
    expect(run.output).toContain(`not run: skip-file.fixture.ts: ${reason}\n`);
    expect(run.output).toContain(`Not run:\n  skip-file.fixture.ts: ${reason}`);
  });

  test('describe-level and run-time requirements skip just their tests', async () => {
    const run = await runFixture('skip-scopes.fixture.ts');
    expect(run.status).toBe(0);
    expect(byTitle(run, 'steps the clock').status).toBe('pending');
    expect(byTitle(run, 'steps the clock').title).toBe('steps the clock');
    expect(byTitle(run, 'query-status works').status).toBe('passed');
    const runtimeSkip = byTitle(run, 'skips itself at run time');
    expect(runtimeSkip.status).toBe('pending');
    expect(runtimeSkip.title).toBe('skips itself at run time');
    expect(run.output).toContain(
      '› skips itself at run time: not suitable for this image format: qcow2\n',
    );
    expect(run.output).toMatch(/Not run:[\s\S]*› steps the clock: .*qtest/);
  });
});

describe('failures', () => {
  test('a failing test shows the last QMP exchanges; QmpCommandError works with instanceof', async () => {
    const run = await runFixture('failure-report.fixture.ts');
    expect(run.status).toBe(1);
    const failing = byTitle(run, 'a failing assertion');
    expect(failing.status).toBe('failed');
    const message = (failing.failureMessages ?? []).join('\n');
    expect(message).toContain('last QMP exchanges');
    expect(message).toMatch(/-> \{"execute":"query-status","id":\d+\}/);
    expect(message).toMatch(/<- \{"return": \{.*"status": "running"/);
    expect(byTitle(run, 'QmpCommandError crosses').status).toBe('passed');
    expect(run.output).toContain('Failures: failure-report.fixture.ts');
  });

  test("IOTESTS_KEEP_SCRATCH=y keeps a failed file's scratch directory, not its sockets", async () => {
    const run = await runFixture('failure-report.fixture.ts', [], { IOTESTS_KEEP_SCRATCH: 'y' });
    expect(run.status).toBe(1);
    const kept = /failed; scratch kept in (\S+)/.exec(run.output)?.[1];
    expect(kept).toBeDefined();
    expect(fs.statSync(kept!).isDirectory()).toBe(true);
    expect(fs.readdirSync(run.sockDir)).toEqual([]);
  });

  test('a test that times out waiting for QEMU leaves no QEMU and no socket dir behind', async () => {
    const run = await runFixture('timeout.fixture.ts');
    expect(run.status).toBe(1);
    expect((byTitle(run, 'waits for an event').failureMessages ?? []).join('\n')).toContain(
      'Exceeded timeout of 1500 ms',
    );
    expect(qemuProcessesUsing([run.sockDir])).toEqual([]);
    expect(fs.readdirSync(run.sockDir)).toEqual([]);
  });
});

describe('the file VM', () => {
  test('`@qemu-vm none` skips the boot; VMs a test starts are shut down after the file', async () => {
    const run = await runFixture('no-vm.fixture.ts');
    expect(run.status).toBe(0);
    expect(byTitle(run, 'the file VM is not booted').status).toBe('passed');
    expect(qemuProcessesUsing([run.sockDir])).toEqual([]);
  });
});

describe('the package bundle, compiled once per worker', () => {
  test('two files of one worker each run it in their own context, as their own instance', async () => {
    const stats = path.join(scratch, 'bundle-stats.json');
    const sockDir = fs.mkdtempSync(path.join('/tmp', 'pt'));
    sockDirs.push(sockDir);
    const run = await runJest({
      rootDir: FIXTURES,
      testMatch: ['**/bundle-[ab].fixture.js'],
      dirs: { kind: 'explicit', testDir: scratch, sockDir },
      args: ['-i'],
      env: { BUNDLE_STATS: stats },
      config: { testEnvironment: path.join(FIXTURES, 'bundle-counting-environment.js') },
    });
    expect(run.status).toBe(0);
    expect(run.results?.numPassedTests).toBe(2);
    // Had either file loaded the bundle through Jest's own path, runs would be below 2.
    expect(JSON.parse(fs.readFileSync(stats, 'utf8'))).toEqual({ compiled: 1, runs: 2 });
  });
});

describe('the shared module sources', () => {
  // Two files in one worker, twice: the second run starts from Jest's warm transform cache.
  const runBoth = (env: NodeJS.ProcessEnv, cacheDirectory: string): Promise<JestRun> =>
    runFixture('dynamic-import-*.fixture.js', ['-i', '--cacheDirectory', cacheDirectory], env);

  test('import() from a module two files of one worker share resolves in each file, warm cache or cold', async () => {
    const cacheDirectory = path.join(scratch, 'jest-cache-dynamic-import');
    const env = { NODE_OPTIONS: '--experimental-vm-modules' };
    for (const round of ['cold', 'warm']) {
      const run = await runBoth(env, cacheDirectory);
      expect({ round, status: run.status }).toEqual({ round, status: 0 });
      expect(assertions(run).map((a) => a.status)).toEqual(['passed', 'passed']);
    }
    // Nothing of Node's compilation is patched any more: no code cache of ours is written.
    expect(
      fs.readdirSync(cacheDirectory).filter((name) => name.startsWith('qemu-iotests-code-cache')),
    ).toEqual([]);
  });

  test('a module edited between two files of one worker is loaded as it is on disk', async () => {
    const run = await runFixture('edited-module-*.fixture.js', ['-i'], {
      EDITED_MODULE: path.join(scratch, 'edited-module.js'),
    });
    expect(run.status).toBe(0);
    expect(assertions(run).map((a) => a.status)).toEqual(['passed', 'passed']);
  });

  test('without --experimental-vm-modules, the error names the flag, as without the cache', async () => {
    const cacheDirectory = path.join(scratch, 'jest-cache-no-flag');
    for (const round of ['cold', 'warm']) {
      const run = await runBoth({}, cacheDirectory);
      expect({ round, status: run.status }).not.toEqual({ round, status: 0 });
      const messages = assertions(run).map((a) => (a.failureMessages ?? []).join('\n'));
      expect(messages).toHaveLength(2);
      for (const message of messages) expect(message).toContain('--experimental-vm-modules');
    }
  });
});
