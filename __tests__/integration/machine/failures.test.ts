// QemuMachine when things go wrong: launch failures, QEMU killed or stopped under us, crashes.

import { mkdtempSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { QmpConnectionLostError } from '../../../src/qmp';
import {
  QemuAbnormalExitError,
  QemuLaunchError,
  QemuMachine,
  QemuMachineError,
  SocketPathTooLongError,
  liveChildren,
  type QemuMachineOptions,
} from '../../../src/machine';
import { bareMachineOptions, exists, privateDirOf, timed } from './helpers';

const machines: QemuMachine[] = [];
const sockDir = mkdtempSync(join(tmpdir(), 'mf-'));

function machine(extra: Partial<QemuMachineOptions> = {}): QemuMachine {
  const created = new QemuMachine(bareMachineOptions({ sockDir, ...extra }));
  machines.push(created);
  return created;
}

afterEach(async () => {
  await Promise.allSettled(machines.splice(0).map((m) => m.shutdown({ hardKill: true })));
  // Every launch, failed or not, removed its private dir.
  expect(readdirSync(sockDir)).toEqual([]);
});

afterAll(() => {
  rmSync(sockDir, { recursive: true, force: true });
});

async function launchError(vm: QemuMachine): Promise<{ error: QemuLaunchError; ms: number }> {
  const { error, ms } = await timed(vm.launch());
  expect(error).toBeInstanceOf(QemuLaunchError);
  return { error: error as QemuLaunchError, ms };
}

describe('launch failures', () => {
  test('a bad option: QEMU exits at once, the error has its message, exit code and command', async () => {
    const vm = machine({ args: ['-no-such-option'] });
    const { error, ms } = await launchError(vm);
    expect(ms).toBeLessThan(5_000); // generous: catches a hang, not a benchmark
    expect(error.exitCode).toBe(1);
    expect(error.signal).toBeNull();
    expect(error.output).toContain('-no-such-option: invalid option');
    expect(error.commandLine).toContain('-no-such-option');
    expect(error.message).toContain('QEMU exited before connecting');
    expect(error.message).toContain('QEMU exited with code 1');
    expect(error.message).toContain('-no-such-option: invalid option');
    expect(vm.running).toBe(false);
    expect(vm.exitCode).toBe(1);
    expect(vm.getLog()).toContain('invalid option');
  });

  test('a bad device: QEMU fails after connecting its monitor, still reported with its message', async () => {
    const vm = machine({ args: ['-device', 'pvpanic'] });
    const { error, ms } = await launchError(vm);
    expect(ms).toBeLessThan(5_000);
    expect(error.exitCode).toBe(1);
    expect(error.output).toContain("No 'ISA' bus found for device 'pvpanic'");
  });

  test('a missing binary is reported without a hang', async () => {
    const vm = machine({ binary: join(sockDir, 'no-such-qemu') });
    const { error, ms } = await launchError(vm);
    expect(ms).toBeLessThan(5_000);
    expect(error.message).toMatch(/cannot run .*no-such-qemu.*ENOENT/);
    expect(error.exitCode).toBeNull();
    expect(error.commandLine[0]).toBe(join(sockDir, 'no-such-qemu'));
  });

  test('a QEMU that never connects is killed after the launch timeout', async () => {
    // A wrapper that never starts QEMU stands in for a hung start-up.
    const vm = machine({ wrapper: ['sh', '-c', 'exec sleep 30', 'sh'], launchTimeoutMs: 300 });
    const { error, ms } = await launchError(vm);
    expect(ms).toBeLessThan(5_000);
    expect(error.message).toContain('did not connect to its sockets within 300 ms');
    expect(error.message).toContain('IOTESTS_LAUNCH_TIMEOUT');
    expect(error.signal).toBe('SIGKILL');
    expect(liveChildren()).toEqual([]);
  });

  test('a socket dir too long for AF_UNIX is refused before spawning', async () => {
    const longDir = join(sockDir, 'x'.repeat(100));
    mkdirSync(longDir);
    try {
      const vm = machine({ sockDir: longDir });
      const { error } = await timed(vm.launch());
      expect(error).toBeInstanceOf(SocketPathTooLongError);
      const tooLong = error as SocketPathTooLongError;
      expect(tooLong.path.startsWith(longDir)).toBe(true);
      expect(tooLong.length).toBeGreaterThan(107);
      expect(tooLong.message).toContain('107-byte limit');
      expect(tooLong.message).toContain('SOCK_DIR');
      expect(readdirSync(longDir)).toEqual([]);
      expect(liveChildren()).toEqual([]);
    } finally {
      rmSync(longDir, { recursive: true });
    }
  });
});

describe('QEMU dying or hanging under a running machine', () => {
  test('SIGKILL mid-command: the pending call fails at once naming SIGKILL; shutdown reports it', async () => {
    const vm = machine();
    await vm.launch();
    const dir = privateDirOf(vm);
    const pid = vm.pid as number;
    // Stopped, QEMU cannot answer: the command is surely pending when the SIGKILL lands.
    process.kill(pid, 'SIGSTOP');
    const pending = timed(vm.cmd('query-status'));
    const waiting = timed(vm.eventWait('BLOCK_JOB_COMPLETED'));
    process.kill(pid, 'SIGKILL');
    const [call, wait] = await Promise.all([pending, waiting]);
    expect(call.error).toBeInstanceOf(QmpConnectionLostError);
    expect((call.error as QmpConnectionLostError).reason).toBe('QEMU was killed by signal SIGKILL');
    expect(call.ms).toBeLessThan(1_000);
    expect(wait.error).toBeInstanceOf(QmpConnectionLostError);
    expect(String(wait.error)).toContain('SIGKILL');
    // Later calls fail the same way.
    await expect(vm.qmp('query-status')).rejects.toThrow(/SIGKILL/);

    const { error } = await timed(vm.shutdown());
    expect(error).toBeInstanceOf(QemuAbnormalExitError);
    expect(error).toBeInstanceOf(QemuMachineError);
    const abnormal = error as QemuAbnormalExitError;
    expect(abnormal.signal).toBe('SIGKILL');
    expect(abnormal.reason).toBe('QEMU was killed by signal SIGKILL');
    expect(abnormal.commandLine).toEqual(vm.commandLine());
    expect(exists(dir)).toBe(false);
    expect(vm.exitSignal).toBe('SIGKILL');
    // The exchange that was cut off is still there for a failure report.
    const last = vm.lastQmpHistory().at(-1);
    expect(last).toMatchObject({ direction: 'sent' });
    expect(JSON.parse(last?.message ?? '{}')).toMatchObject({ execute: 'query-status' });
    // Reported once; the machine is clean afterwards.
    await expect(vm.shutdown()).resolves.toBeUndefined();
  });

  test('a SIGSTOPped QEMU is shut down within a bounded time', async () => {
    const vm = machine({ shutdownTimeoutMs: 500 });
    await vm.launch();
    const dir = privateDirOf(vm);
    process.kill(vm.pid as number, 'SIGSTOP');
    const { error, ms } = await timed(vm.shutdown());
    expect(ms).toBeLessThan(10_000); // 500 ms quit + 3 s SIGTERM grace at most, plus slack
    expect(error).toBeInstanceOf(QemuAbnormalExitError);
    expect((error as QemuAbnormalExitError).reason).toMatch(
      /did not exit within 500 ms of being asked to quit.*IOTESTS_SHUTDOWN_TIMEOUT.*SIGTERM/,
    );
    expect(vm.running).toBe(false);
    expect(exists(dir)).toBe(false);
  });

  test('a guest-triggered failure exit (non-zero code) is reported as abnormal', async () => {
    const vm = machine({
      machineType: 'pc',
      qtest: true,
      args: ['-action', 'panic=exit-failure', '-device', 'pvpanic'],
    });
    await vm.launch();
    // The pvpanic device's I/O port: writing 1 announces a guest panic.
    await vm.qtest('outb 0x505 0x1').catch(() => 'QEMU may exit before answering');
    const { error } = await timed(vm.shutdown());
    expect(error).toBeInstanceOf(QemuAbnormalExitError);
    expect((error as QemuAbnormalExitError).reason).toBe('QEMU exited with code 1');
    expect(vm.exitCode).toBe(1);
  });
});
