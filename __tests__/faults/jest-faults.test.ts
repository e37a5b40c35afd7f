// Faults of the Jest process itself, observed from outside: a test timing out while it waits for
// an event, --bail, SIGINT/SIGTERM/SIGKILL sent to Jest, a worker that exits or is killed in the
// middle of a test. After each, no qemu-system-*, qemu-nbd or qemu-storage-daemon started by the
// run may remain, and none of its socket or scratch directories; what a signal handler cannot
// clean (Jest SIGKILLed) the next run's global setup sweeps.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';

import type { JestRun } from './support/jest-child';
import {
  buildDist,
  defaultRunDirs,
  explicitDirs,
  removeSocketDirs,
  fileMessageOf,
  runJest,
  statuses,
} from './support/jest-child';
import type { ProcessInfo } from './support/leftovers';
import {
  descendantsOf,
  entriesUnder,
  isRunning,
  killAll,
  qemuProcessesUsing,
  waitFor,
} from './support/leftovers';

const READY = 'FAULTS-READY';
const KINDS = ['qemu-nbd', 'qemu-storage-daemon', 'qemu-system-x86_64'];

let scratch: string;
/** One TMPDIR for the runs on default directories: their own registry, away from other runs. */
let isolatedTmp: string;
/** Every run's directories, checked for stray processes after each test (and killed then). */
const runDirs: string[] = [];

beforeAll(() => {
  buildDist();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-jest-'));
  isolatedTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-tmp-'));
});

afterEach(() => {
  // A failed assertion must not leave QEMU running for the rest of the suite.
  killAll(qemuProcessesUsing(runDirs.splice(0)));
});

afterAll(() => {
  removeSocketDirs();
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.rmSync(isolatedTmp, { recursive: true, force: true });
});

function track(run: JestRun): JestRun {
  runDirs.push(run.testDir, run.sockDir);
  return run;
}

/** The program names of `processes`, sorted, for readable assertions. */
function kinds(processes: readonly ProcessInfo[]): string[] {
  return [...new Set(processes.map((p) => p.program))].sort();
}

/**
 * Asserts that nothing of the run is left: no QEMU process, no file directory. Cleanup after a
 * signal runs in processes of their own (workers, the next run): give it a bounded while.
 */
async function expectNothingLeft(run: JestRun): Promise<void> {
  const dirs = [run.testDir, run.sockDir];
  const leftovers = (): { processes: string[]; files: string[] } => ({
    processes: qemuProcessesUsing(dirs).map((p) => p.cmdline),
    files: dirs.flatMap((dir) => (entriesUnder(dir) ?? []).map((entry) => path.join(dir, entry))),
  });
  await waitFor(() => {
    const left = leftovers();
    return left.processes.length === 0 && left.files.length === 0;
  }, `run ${run.pid} to leave nothing behind`).catch(() => undefined);
  expect(leftovers()).toEqual({ processes: [], files: [] });
}

describe('a test times out; --bail', () => {
  test('the timed-out file and the file --bail cuts off leave nothing behind', async () => {
    const dirs = explicitDirs(scratch);
    const syncDir = fs.mkdtempSync(path.join(scratch, 'sync-'));
    const run = track(
      await runJest({
        testMatch: ['**/bail-times-out.fixture.ts', '**/hold-1.fixture.ts'],
        dirs,
        args: ['--bail', '--maxWorkers=2'],
        env: { FAULTS_SYNC_DIR: syncDir },
      }),
    );
    expect(run.status).toBe(1);
    // --bail leaves before writing the JSON results: read what Jest printed.
    expect(run.output).toMatch(
      /✕ waits for an event past the test timeout[\s\S]*Exceeded timeout of 1500 ms/,
    );
    // --bail stopped the run while the other file held its QEMU processes.
    expect(run.output).toContain(READY);
    expect(run.output).toContain('Test Suites: 1 failed, 1 of 2 total');
    await expectNothingLeft(run);
  });
});

describe('signals to the Jest process', () => {
  test.each([['SIGINT'], ['SIGTERM'], ['SIGKILL']] as const)(
    '%s to Jest with two workers: the workers end their QEMU processes and exit',
    async (signal) => {
      const dirs = explicitDirs(scratch);
      let held: ProcessInfo[] = [];
      let workers: ProcessInfo[] = [];
      const run = track(
        await runJest({
          testMatch: ['**/hold-*.fixture.ts'],
          dirs,
          args: ['--maxWorkers=2'],
          onMarker: {
            marker: READY,
            count: 2,
            act: (jestPid) => {
              held = qemuProcessesUsing([dirs.testDir, dirs.sockDir]);
              workers = descendantsOf(jestPid).filter((p) => p.program === 'node');
              process.kill(jestPid, signal);
            },
          },
        }),
      );
      // Jest has no handler of its own for these: it dies of the signal.
      expect(run.signal).toBe(signal);
      // Both files held a VM, a qemu-nbd and a storage daemon when the signal came.
      expect(kinds(held)).toEqual(KINDS);
      expect(held).toHaveLength(6);
      expect(workers).toHaveLength(2);
      await waitFor(() => workers.every((w) => !isRunning(w.pid)), 'the workers to exit');
      await expectNothingLeft(run);
    },
  );

  test('SIGTERM to Jest running in band: the registry hook ends QEMU, the next run sweeps the dirs', async () => {
    const dirs = { kind: 'default', tmpDir: isolatedTmp } as const;
    let held: ProcessInfo[] = [];
    const run = track(
      await runJest({
        testMatch: ['**/hold-1.fixture.ts'],
        dirs,
        args: ['--runInBand'],
        onMarker: {
          marker: READY,
          count: 1,
          act: (jestPid) => {
            held = qemuProcessesUsing(Object.values(defaultRunDirs(isolatedTmp, jestPid)));
            process.kill(jestPid, 'SIGTERM');
          },
        },
      }),
    );
    expect(run.signal).toBe('SIGTERM');
    expect(kinds(held)).toEqual(KINDS);
    // The registry's signal hook SIGKILLed them before Jest died of the signal.
    await waitFor(
      () => qemuProcessesUsing([run.testDir, run.sockDir]).length === 0,
      'the killed QEMU processes to be gone',
      2_000,
    );
    // Global teardown never ran: the run's directories are still there ...
    expect(entriesUnder(run.sockDir)).toBeDefined();
    const next = track(
      await runJest({ testMatch: ['**/next-run.fixture.ts'], dirs, args: ['--runInBand'] }),
    );
    expect(next.status).toBe(0);
    // ... until the next run's global setup removes those of runs that are gone.
    expect(entriesUnder(run.sockDir)).toBeUndefined();
    expect(entriesUnder(run.testDir)).toBeUndefined();
    expect(entriesUnder(next.sockDir)).toBeUndefined();
  });

  test('SIGKILL to Jest running in band: the next run sweeps its QEMU processes and dirs', async () => {
    const dirs = { kind: 'default', tmpDir: isolatedTmp } as const;
    const run = track(
      await runJest({
        testMatch: ['**/hold-1.fixture.ts'],
        dirs,
        args: ['--runInBand'],
        onMarker: { marker: READY, count: 1, act: (jestPid) => process.kill(jestPid, 'SIGKILL') },
      }),
    );
    expect(run.signal).toBe('SIGKILL');
    // Nothing in Jest could act on SIGKILL: its QEMU processes are orphans now ...
    const orphans = qemuProcessesUsing([run.testDir, run.sockDir]);
    expect(kinds(orphans)).toEqual(KINDS);
    const next = track(
      await runJest({ testMatch: ['**/next-run.fixture.ts'], dirs, args: ['--runInBand'] }),
    );
    expect(next.status).toBe(0);
    // ... that the next run's global setup killed (pid registry) along with the directories.
    expect(orphans.filter((p) => isRunning(p.pid))).toEqual([]);
    expect(entriesUnder(run.sockDir)).toBeUndefined();
    expect(entriesUnder(run.testDir)).toBeUndefined();
  });
});

describe('a worker that exits abruptly', () => {
  test('process.exit() and SIGKILL in the middle of a test: the run goes on and leaves nothing', async () => {
    const dirs = { kind: 'default', tmpDir: isolatedTmp } as const;
    const run = track(
      await runJest({
        testMatch: [
          '**/worker-exits.fixture.ts',
          '**/worker-killed.fixture.ts',
          '**/survivor.fixture.ts',
        ],
        dirs,
        args: ['--maxWorkers=2'],
      }),
    );
    expect(run.status).toBe(1);
    expect(statuses(run)['a file after the fault boots its VM normally']).toBe('passed');
    // jest-worker retried the file on fresh workers (each booting QEMU again), then gave up.
    expect(fileMessageOf(run, 'worker-exits.fixture.ts')).toContain(
      'Jest worker encountered 4 child process exceptions, exceeding retry limit',
    );
    expect(fileMessageOf(run, 'worker-killed.fixture.ts')).toMatch(
      /A jest worker process \(pid=\d+\) was terminated by another process: signal=SIGKILL/,
    );
    await expectNothingLeft(run);
  });

  test('process.exit() in band: QEMU dies with the process and the file directories go', async () => {
    const dirs = explicitDirs(scratch);
    const run = track(
      await runJest({
        testMatch: ['**/worker-exits.fixture.ts'],
        dirs,
        args: ['--runInBand'],
      }),
    );
    expect(run.status).toBe(3);
    await expectNothingLeft(run);
  });
});
