// QEMU failing under a test, seen the way a user sees it (Jest with the preset on fixture files):
// QEMU SIGKILLed mid-command and mid-event-wait, QEMU frozen with SIGSTOP. The failing tests say
// what happened, nothing waits past its bound, the next file's VM boots, and nothing is left.
// The lower-level halves (QemuMachine alone) are in __tests__/integration/machine/failures.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import type { JestRun } from './support/jest-child';
import {
  FIXTURES,
  buildDist,
  explicitDirs,
  removeSocketDirs,
  failureOf,
  runJest,
  statuses,
} from './support/jest-child';
import { entriesUnder, killAll, qemuProcessesUsing, waitFor } from './support/leftovers';

let scratch: string;
let run: JestRun;
/** How long each recorded rejection took, by name (written by the fixtures). */
const rejectionMs = new Map<string, number>();

beforeAll(async () => {
  buildDist();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-qemu-'));
  const report = path.join(scratch, 'report.jsonl');
  run = await runJest({
    testMatch: ['**/qemu-faults-*.fixture.ts'],
    dirs: explicitDirs(scratch),
    // One process, files in name order: the third file runs after the faults of the first two.
    args: ['--runInBand'],
    config: { testSequencer: path.join(FIXTURES, 'alphabetical-sequencer.js') },
    env: {
      FAULTS_REPORT: report,
      IOTESTS_QMP_TIMEOUT: '1',
      IOTESTS_EVENT_TIMEOUT: '1',
      IOTESTS_SHUTDOWN_TIMEOUT: '1',
    },
  });
  for (const line of fs.readFileSync(report, 'utf8').trim().split('\n')) {
    const { name, ms } = JSON.parse(line) as { name: string; ms: number };
    rejectionMs.set(name, ms);
  }
}, 120_000);

afterAll(() => {
  removeSocketDirs();
  if (run !== undefined) killAll(qemuProcessesUsing([run.testDir, run.sockDir]));
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** The file-level message (afterAll errors) of a fixture. */
function fileMessage(name: string): string {
  const file = run.results?.testResults.find((f) => path.basename(f.name) === name);
  return file?.message ?? '';
}

describe('QEMU SIGKILLed under a test', () => {
  test('a pending command rejects within 1 s with a connection-lost error naming the signal', () => {
    expect(statuses(run)['QEMU is SIGKILLed while a command is pending']).toBe('failed');
    expect(failureOf(run, 'QEMU is SIGKILLed while a command is pending')).toContain(
      "QmpConnectionLostError: QMP connection lost while waiting for reply to QMP command 'query-status': QEMU was killed by signal SIGKILL",
    );
    expect(rejectionMs.get('command')).toBeLessThan(1_000);
  });

  test('a pending event wait rejects within 1 s the same way', () => {
    expect(failureOf(run, 'QEMU is SIGKILLed while an event wait is pending')).toContain(
      'QmpConnectionLostError: QMP connection lost while waiting for QMP event BLOCK_JOB_COMPLETED: QEMU was killed by signal SIGKILL',
    );
    expect(rejectionMs.get('event-wait')).toBeLessThan(1_000);
  });

  test('the failure shows the QMP exchange that was cut off, once', () => {
    const failure = failureOf(run, 'QEMU is SIGKILLed while a command is pending');
    expect(failure).toMatch(/── QEMU (#\d+ )?qemu-\d+ \([^)]*\) ──\n\s*last QMP exchanges/);
    expect(failure).toMatch(/-> \{"execute":"query-status","id":\d+\}/);
    expect(failure.match(/── QEMU /g)).toHaveLength(1);
  });

  test("the file's teardown reports both deaths", () => {
    const message = fileMessage('qemu-faults-1-killed.fixture.ts');
    for (const vm of ['qemu', 'qemu-b']) {
      expect(message).toMatch(
        new RegExp(
          `VM ${vm}-\\d+: shutdown failed: QEMU shut down abnormally: QEMU was killed by signal SIGKILL`,
        ),
      );
    }
  });
});

describe('QEMU frozen with SIGSTOP', () => {
  test('the command timeout fires with the command, the limit and the knob', () => {
    expect(failureOf(run, 'QEMU is frozen (SIGSTOP): a command times out')).toContain(
      "QmpTimeoutError: Timed out after 1000 ms waiting for reply to QMP command 'query-status'; if QEMU is just slow, raise IOTESTS_QMP_TIMEOUT (seconds)",
    );
    expect(rejectionMs.get('command-timeout')).toBeLessThan(5_000);
  });

  test('the event wait timeout fires with the event and the knob', () => {
    expect(failureOf(run, 'QEMU is frozen (SIGSTOP): an event wait times out')).toMatch(
      /QmpTimeoutError: Timed out after 1000 ms waiting for QMP event SHUTDOWN \(.*\); if QEMU is just slow, raise IOTESTS_EVENT_TIMEOUT \(seconds\)/,
    );
    expect(rejectionMs.get('event-timeout')).toBeLessThan(5_000);
  });

  test('teardown still ends the frozen QEMU, and says how', () => {
    expect(fileMessage('qemu-faults-2-frozen.fixture.ts')).toMatch(
      /QEMU shut down abnormally: QEMU did not exit within 1000 ms of being asked to quit \(raise IOTESTS_SHUTDOWN_TIMEOUT if it is just slow\); it was terminated with SIGTERM/,
    );
  });
});

describe('the run', () => {
  test('goes on: the next file boots its VM and passes', () => {
    expect(statuses(run)['the next file boots its VM normally']).toBe('passed');
    expect(run.status).toBe(1);
    expect(run.ms).toBeLessThan(90_000); // a hang guard, not a benchmark
  });

  test('leaves no QEMU process and no socket or scratch directory', async () => {
    const dirs = [run.testDir, run.sockDir];
    await waitFor(() => qemuProcessesUsing(dirs).length === 0, 'QEMU processes to end', 5_000);
    expect(entriesUnder(run.testDir)).toEqual([]);
    expect(entriesUnder(run.sockDir)).toEqual([]);
  });
});
