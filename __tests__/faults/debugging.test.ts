// Debugging a failing test as `check` users expect (issue 15), observed from outside through
// real Jest runs of the preset against real QEMU: the debug trace, kept scratch, timeouts that
// name what was pending, groups, failure reports that tell each QEMU's real state, a clean
// stdout for --json, and one line for a QEMU binary that is not one.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import {
  FIXTURES,
  ROOT,
  buildDist,
  failureOf,
  runJest,
  statuses,
  type JestRun,
} from './support/jest-child';

const DEBUGGING = path.join(FIXTURES, 'debugging');
const uid = String(process.getuid?.() ?? os.userInfo().username);

let scratch: string;

beforeAll(() => {
  buildDist();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-debugging-'));
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** A run with the default (per-run) directories under a private TMPDIR. */
function run(
  files: string,
  env: NodeJS.ProcessEnv = {},
  config: Record<string, unknown> = {},
): Promise<JestRun & { tmpDir: string }> {
  const tmpDir = fs.mkdtempSync(path.join(scratch, 'tmp-'));
  return runJest({
    rootDir: DEBUGGING,
    testMatch: [files],
    dirs: { kind: 'default', tmpDir },
    env,
    config,
  }).then((result) => ({ ...result, tmpDir }));
}

describe('a failing file with IOTESTS_DEBUG=y and IOTESTS_KEEP_SCRATCH=y', () => {
  let result: JestRun & { tmpDir: string };
  let marker: string;

  beforeAll(async () => {
    marker = path.join(scratch, 'timeout-marker');
    result = await run('**/[abc]-*.fixture.ts', {
      IOTESTS_DEBUG: 'y',
      IOTESTS_KEEP_SCRATCH: 'y',
      FIXTURE_OUT: marker,
    });
  }, 180_000);

  test('the report names the trace file, which has every line of the file', () => {
    const failure = failureOf(result, 'creates an image and fails');
    const tracePath = /debug trace: (\S+)/.exec(failure)?.[1] as string;
    expect(tracePath).toContain(path.join(result.tmpDir, `qemu-iotests-${uid}`, 'traces'));
    const trace = fs.readFileSync(tracePath, 'utf8');
    // Each QEMU's command line, each QMP message, each tool's command line, status and output,
    // with the test they belong to.
    expect(trace).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} \[file\] qemu-\d+ QEMU started \(pid \d+\): \S*qemu-system/m,
    );
    expect(trace).toMatch(/\[file\] qemu-\d+ -> \{"execute":"qmp_capabilities"/);
    expect(trace).toMatch(
      /\[creates an image and fails\] qemu-img started: \S*qemu-img create -f raw /,
    );
    expect(trace).toContain('[creates an image and fails] qemu-img exited with code 0');
    expect(trace).toMatch(/\[creates an image and fails\] qemu-img output Formatting '/);
    expect(trace).toMatch(/\[creates an image and fails\] qemu-\d+ -> \{"execute":"query-status"/);
    expect(trace).toMatch(
      /\[passes\] qemu-\d+ <- \{"return": \{"name"|\[passes\] qemu-\d+ <- \{"return": \{\}/,
    );
    expect(trace).toMatch(/\[file\] qemu-\d+ QEMU exited with code 0/);
  });

  test("the failed file's scratch outlives the run: images, QEMU logs, trace, .out.bad", () => {
    const failure = failureOf(result, 'creates an image and fails');
    const kept = /scratch kept \(IOTESTS_KEEP_SCRATCH\) in: (\S+)/.exec(failure)?.[1] as string;
    expect(kept).toContain(path.join(result.tmpDir, `qemu-iotests-${uid}`, 'kept'));
    expect(result.output).toContain(`failed; scratch kept in ${kept}`);
    const files = fs.readdirSync(kept).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'creates an image and fails.out.bad',
        'debug.trace',
        expect.stringMatching(/^\d+-traced\.img$/),
        expect.stringMatching(/^qemu-1-qemu-\d+\.log$/),
      ]),
    );
    // Only the failed test's transcript.
    expect(files.filter((name) => name.endsWith('.out.bad'))).toHaveLength(1);
    expect(fs.readFileSync(path.join(kept, 'creates an image and fails.out.bad'), 'utf8')).toBe(
      '{"execute": "query-status", "arguments": {}}\n' +
        '{"return": {"running": true, "singlestep": false, "status": "running"}}\n' +
        'a line of the transcript\n',
    );
    // The run directory itself went with global teardown.
    expect(fs.existsSync(result.testDir)).toBe(false);
  });

  test('a timeout names what was pending, with QEMU, and ends the tool before afterEach', () => {
    const failure = failureOf(result, 'times out');
    expect(failure).toContain('Exceeded timeout of 4000 ms for a test.');
    expect(failure).toContain('Pending when the timeout fired:');
    expect(failure).toMatch(/ {2}\S*qemu-io .*-c sleep 100000 \S+timeout\.img/);
    expect(failure).toContain(
      `  vm.eventWait('BLOCK_JOB_COMPLETED', {"match":{"data":{"device":"never"}}})`,
    );
    expect(failure).toMatch(/── QEMU #1 qemu-\d+ \(running\) ──\nlast QMP exchanges/);
    // The user's afterEach found qemu-io gone, and Jest did not wait for it.
    expect(fs.readFileSync(marker, 'utf8')).toBe('ended');
    expect(result.output).not.toContain('did not exit one second after');
  });

  test("each QEMU's real state: killed by SIGABRT, a bare QemuMachine, a storage daemon", () => {
    const failure = failureOf(result, 'QEMU aborts');
    expect(failure).toMatch(/── QEMU #1 qemu-\d+ \(killed by SIGABRT\) ──/);
    expect(failure).toMatch(/── QEMU #2 bare-machine \(running\) ──\nlast QMP exchanges \(5\):/);
    expect(failure).toMatch(/── qemu-storage-daemon a \(pid \d+\) \(running\) ──/);
    expect(failure).not.toMatch(/qemu-\d+ \(running\)/);
  });
});

test('IOTESTS_DEBUG=console also prints the trace', async () => {
  const result = await run('**/a-*.fixture.ts', { IOTESTS_DEBUG: 'console' });
  expect(statuses(result)).toEqual({ 'creates an image and fails': 'failed', passes: 'passed' });
  expect(result.output).toMatch(/\[creates an image and fails\] qemu-img started: /);
  expect(result.output).toMatch(/\[passes\] qemu-\d+ -> \{"execute":"query-name"/);
}, 120_000);

describe('groups', () => {
  test('IOTESTS_GROUPS runs the files in a group; the others are skipped with the reason', async () => {
    const result = await run('**/[de]-*.fixture.ts', { IOTESTS_GROUPS: 'slow' });
    expect(statuses(result)).toEqual({
      'a slow test': 'passed',
      'a test without groups': 'pending',
    });
    expect(result.output).toContain('not run: e-no-groups.fixture.ts: not in group slow');
  }, 120_000);

  test('IOTESTS_EXCLUDE_GROUPS, here from testEnvironmentOptions, leaves a group out', async () => {
    const result = await run(
      '**/[de]-*.fixture.ts',
      {},
      {
        testEnvironmentOptions: { IOTESTS_EXCLUDE_GROUPS: 'slow,quick' },
      },
    );
    expect(statuses(result)).toEqual({
      'a slow test': 'pending',
      'a test without groups': 'passed',
    });
    expect(result.output).toContain('not run: d-slow.fixture.ts: in excluded group slow');
  }, 120_000);

  test('a bad group list stops the run with one line', async () => {
    const result = await run('**/e-*.fixture.ts', { IOTESTS_GROUPS: 'quick;rm' });
    expect(result.status).toBe(1);
    expect(result.output).toContain(
      'qemu-iotests: IOTESTS_GROUPS="quick;rm": not a list of group names',
    );
    expect(result.output).not.toMatch(/^\s+at /m);
  }, 120_000);
});

test('--json on stdout is JSON: the header goes to stderr', () => {
  const jest = require.resolve('jest/bin/jest', { paths: [ROOT] });
  const config = {
    rootDir: DEBUGGING,
    preset: path.join(ROOT, 'jest-preset.js'),
    testMatch: ['**/e-*.fixture.ts'],
  };
  const env: NodeJS.ProcessEnv = { ...process.env, IMGFMT: 'qcow2' };
  delete env.JEST_WORKER_ID;
  const child = spawnSync(process.execPath, [jest, '--config', JSON.stringify(config), '--json'], {
    cwd: DEBUGGING,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(child.status).toBe(0);
  const results = JSON.parse(child.stdout) as { numPassedTests: number };
  expect(results.numPassedTests).toBe(1);
  expect(child.stderr).toMatch(/^QEMU_VERSION {2}-- /m);
});

test('the header prints once per watch session, every time otherwise', () => {
  // Global setup called as watch mode calls it: again and again in one process.
  const script = `
    const setup = require(${JSON.stringify(path.join(ROOT, 'dist/src/jest/global-setup.js'))}).default;
    const teardown = require(${JSON.stringify(path.join(ROOT, 'dist/src/jest/global-teardown.js'))}).default;
    (async () => {
      const watch = process.argv[1] === 'watch';
      for (let run = 0; run < 3; run++) {
        await setup({ silent: false, watch, watchAll: false }, { testEnvironmentOptions: {} });
        await teardown();
      }
    })();`;
  const headers = (mode: string): number => {
    const child = spawnSync(process.execPath, ['-e', script, mode], {
      env: { ...process.env, IMGFMT: 'raw', TMPDIR: scratch },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(child.stdout).toBe('');
    return child.stderr.split('\nQEMU_VERSION').length - 1;
  };
  expect(headers('watch')).toBe(1);
  expect(headers('once')).toBe(3);
});

describe('a QEMU_PROG that is not QEMU stops the run with one line', () => {
  const hang = (): string => {
    const file = path.join(scratch, 'hangs-at-version');
    fs.writeFileSync(file, '#!/bin/sh\nexec sleep 1000\n', { mode: 0o755 });
    return file;
  };
  test.each([
    [
      '/bin/false',
      /QEMU_PROG=\/bin\/false: not a working QEMU system emulator: QEMU did not report its version: `\/bin\/false --version` exited with 1/,
    ],
    ['/bin/true', /QEMU_PROG=\/bin\/true: not a working QEMU system emulator: /],
    ['/bin/ls', /QEMU_PROG=\/bin\/ls: not a working QEMU system emulator: /],
    ['hang', /QEMU_PROG=\S+hangs-at-version: not a working QEMU system emulator: .*timed out/],
  ])(
    '%s',
    async (binary, line) => {
      const result = await run('**/e-*.fixture.ts', {
        QEMU_PROG: binary === 'hang' ? hang() : binary,
        IOTESTS_LAUNCH_TIMEOUT: '2',
      });
      expect(result.status).toBe(1);
      const lines = result.output.split('\n').filter((text) => text.includes('qemu-iotests: '));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(line);
      expect(result.output).not.toMatch(/^\s+at /m);
    },
    120_000,
  );
});

test('with an explicit TEST_DIR, a failed file keeps its files where they are', async () => {
  const testDir = fs.mkdtempSync(path.join(scratch, 'explicit-'));
  const sockDir = fs.mkdtempSync(path.join('/tmp', 'flt'));
  try {
    const result = await runJest({
      rootDir: DEBUGGING,
      testMatch: ['**/a-*.fixture.ts'],
      dirs: { kind: 'explicit', testDir, sockDir },
      env: { IOTESTS_KEEP_SCRATCH: 'y' },
    });
    const failure = failureOf(result, 'creates an image and fails');
    const kept = /scratch kept \(IOTESTS_KEEP_SCRATCH\) in: (\S+)/.exec(failure)?.[1] as string;
    expect(path.dirname(kept)).toBe(testDir);
    expect(fs.readdirSync(kept)).toEqual(
      expect.arrayContaining(['debug.trace', expect.stringMatching(/^\d+-traced\.img$/)]),
    );
  } finally {
    fs.rmSync(sockDir, { recursive: true, force: true });
  }
}, 120_000);
