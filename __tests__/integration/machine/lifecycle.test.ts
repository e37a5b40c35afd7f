// QemuMachine against a real QEMU: launch, QMP traffic, block job events, shutdown and cleanup.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { QmpCommandError } from '../../../src/qmp';
import { unchecked } from '../../../src/qapi/calls';
import type { Qapi } from '../../../src/qapi/schema';
import { QemuMachine, type QemuMachineOptions, liveChildren } from '../../../src/machine';
import { bareMachineOptions, exists, privateDirOf } from './helpers';

const machines: QemuMachine[] = [];

function machine(extra: Partial<QemuMachineOptions> = {}): QemuMachine {
  const created = new QemuMachine(bareMachineOptions(extra));
  machines.push(created);
  return created;
}

afterEach(async () => {
  // A failed test must not leave QEMU behind.
  await Promise.allSettled(machines.splice(0).map((m) => m.shutdown({ hardKill: true })));
});

describe('QemuMachine lifecycle', () => {
  test('launches, answers query-status and shuts down cleanly', async () => {
    const vm = machine();
    await vm.launch();
    const dir = privateDirOf(vm);
    expect(vm.running).toBe(true);
    expect(vm.pid).toEqual(expect.any(Number));
    expect(exists(dir)).toBe(true);
    expect(liveChildren().map((child) => child.pid)).toContain(vm.pid);

    expect(await vm.cmd('query-status')).toMatchObject({ status: 'running', running: true });
    const pid = vm.pid;

    await vm.shutdown();
    expect(vm.running).toBe(false);
    expect(vm.pid).toBeUndefined();
    expect(vm.exitCode).toBe(0);
    expect(vm.exitSignal).toBeNull();
    expect(exists(dir)).toBe(false);
    expect(liveChildren().map((child) => child.pid)).not.toContain(pid);
    // Idempotent, also concurrently.
    await Promise.all([vm.shutdown(), vm.shutdown()]);
  });

  test('builds the documented command line', async () => {
    const vm = machine({ args: ['-m', '64'] });
    vm.addArgs('-name', 'guest-under-test');
    await vm.launch();
    const argv = vm.commandLine();
    const dir = privateDirOf(vm);
    expect(argv).toEqual([
      'qemu-system-x86_64',
      '-display',
      'none',
      '-vga',
      'none',
      '-nodefaults',
      '-chardev',
      `socket,id=mon,path=${dir}/qmp.sock`,
      '-mon',
      'chardev=mon,mode=control',
      '-accel',
      'tcg',
      '-machine',
      'none',
      '-m',
      '64',
      '-name',
      'guest-under-test',
    ]);
    expect(await vm.cmd('query-name')).toEqual({ name: 'guest-under-test' });
    await vm.shutdown();
  });

  test('can be launched again after a shutdown, with added arguments', async () => {
    const vm = machine();
    await vm.launch();
    const firstDir = privateDirOf(vm);
    await vm.shutdown();
    vm.addArgs('-name', 'second-run');
    await vm.launch();
    expect(privateDirOf(vm)).not.toBe(firstDir);
    expect(await vm.cmd('query-name')).toEqual({ name: 'second-run' });
    await vm.shutdown();
  });

  test('lastQmpHistory keeps the last run past its shutdown, until the next launch', async () => {
    const vm = machine();
    const commandsSent = (): unknown[] =>
      vm
        .lastQmpHistory()
        .filter((record) => record.direction === 'sent')
        .map((record) => (JSON.parse(record.message) as { execute?: unknown }).execute);
    expect(vm.lastQmpHistory()).toEqual([]);
    await vm.launch();
    await vm.cmd('query-name');
    expect(commandsSent()).toEqual(['qmp_capabilities', 'query-name']);

    await vm.shutdown();
    expect(() => vm.qmpClient).toThrow(/not launched/);
    expect(commandsSent()).toEqual(['qmp_capabilities', 'query-name', 'quit']);
    expect(vm.lastQmpHistory()[0]).toMatchObject({ direction: 'received' }); // the greeting
    // Callers get a copy: what the machine keeps does not change with it.
    vm.lastQmpHistory().splice(0);
    expect(commandsSent()).toHaveLength(3);

    await vm.launch();
    expect(commandsSent()).toEqual(['qmp_capabilities']);
    await vm.shutdown();
  });

  test('refuses a second launch while running', async () => {
    const vm = machine();
    await vm.launch();
    await expect(vm.launch()).rejects.toThrow(/already launched/);
    await vm.shutdown();
  });

  test('carries many sequential and concurrent commands', async () => {
    const vm = machine();
    await vm.launch();
    for (let i = 0; i < 200; i++) {
      expect(await vm.cmd('query-status')).toMatchObject({ status: 'running' });
    }
    const replies = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        i % 2 === 0 ? vm.cmd('query-status') : vm.cmd('query-name'),
      ),
    );
    replies.forEach((reply, i) => {
      expect(reply).toEqual(i % 2 === 0 ? expect.objectContaining({ status: 'running' }) : {});
    });
    const raw = await vm.qmp(unchecked('no-such-command'));
    expect(raw).toMatchObject({
      error: { class: 'CommandNotFound', desc: 'The command no-such-command has not been found' },
    });
    await expect(vm.cmd(unchecked('no-such-command'))).rejects.toBeInstanceOf(QmpCommandError);
    await vm.shutdown();
  });

  test('delivers the events of a real block job', async () => {
    const vm = machine();
    await vm.launch();
    const nullDisk = (name: string): Qapi.BlockdevOptions => ({
      driver: 'null-co',
      'node-name': name,
      size: 64 * 1024 * 1024,
    });
    await vm.cmd('blockdev-add', nullDisk('source'));
    await vm.cmd('blockdev-add', nullDisk('target'));
    vm.clearEvents();
    await vm.cmd('blockdev-backup', {
      'job-id': 'job0',
      device: 'source',
      target: 'target',
      sync: 'full',
    });
    const completed = await vm.eventWait('BLOCK_JOB_COMPLETED', {
      match: { data: { device: 'job0' } },
      timeoutMs: 20_000,
    });
    expect(completed.data).toMatchObject({ device: 'job0', type: 'backup', len: 64 * 1024 * 1024 });
    expect(completed.data).not.toHaveProperty('error');
    const concluded = await vm.eventWait('JOB_STATUS_CHANGE', {
      match: { data: { id: 'job0', status: 'concluded' } },
    });
    expect(concluded.timestamp.seconds).toEqual(expect.any(Number));
    // The earlier status changes stayed buffered, in order.
    const statuses = (await vm.getQmpEvents())
      .filter((event) => event.event === 'JOB_STATUS_CHANGE')
      .map((event) => event.data?.status);
    expect(statuses.slice(0, 2)).toEqual(['created', 'running']);
    await vm.shutdown();
  });

  test('getLog returns what QEMU wrote, during the run and after shutdown', async () => {
    const vm = machine({ args: ['-trace', 'enable=monitor_qmp_cmd_in_band'] });
    expect(vm.getLog()).toBeUndefined();
    await vm.launch();
    await vm.cmd('query-status');
    expect(vm.getLog()).toContain('monitor_qmp_cmd_in_band');
    await vm.shutdown();
    expect(vm.getLog()).toContain('monitor_qmp_cmd_in_band');
  });

  test('the log goes to logDir as <name>.log and stays there', async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'ml-'));
    try {
      const vm = machine({
        name: 'logged-vm',
        logDir,
        args: ['-trace', 'enable=monitor_qmp_cmd_in_band'],
      });
      await vm.launch();
      await vm.cmd('query-status');
      await vm.shutdown();
      const text = readFileSync(join(logDir, 'logged-vm.log'), 'utf8');
      expect(text).toContain('monitor_qmp_cmd_in_band');
      expect(vm.getLog()).toBe(text);
    } finally {
      rmSync(logDir, { recursive: true, force: true });
    }
  });

  test('printOutput leaves QEMU output on our stdout/stderr, uncaptured', async () => {
    const vm = machine({ printOutput: true });
    await vm.launch();
    expect(vm.getLog()).toBeUndefined();
    await vm.shutdown();
    expect(vm.getLog()).toBeUndefined();
  });

  test('shutdown() during a launch lets it finish, then stops QEMU', async () => {
    const vm = machine();
    const launching = vm.launch();
    const stopping = vm.shutdown();
    await launching;
    await stopping;
    expect(vm.running).toBe(false);
    expect(vm.exitCode).toBe(0);
  });

  test('a QEMU that quits on request shuts down without complaint', async () => {
    const vm = machine();
    await vm.launch();
    await vm.cmd('quit');
    await vm.shutdown();
    expect(vm.exitCode).toBe(0);
  });

  test('hard shutdown kills at once and is not reported as abnormal', async () => {
    const vm = machine();
    await vm.launch();
    await vm.shutdown({ hardKill: true });
    expect(vm.exitSignal).toBe('SIGKILL');
    expect(vm.running).toBe(false);
  });

  test('kill() is synchronous; a later shutdown() only cleans up', async () => {
    const vm = machine();
    await vm.launch();
    const dir = privateDirOf(vm);
    vm.kill();
    await vm.shutdown();
    expect(vm.exitSignal).toBe('SIGKILL');
    expect(exists(dir)).toBe(false);
  });

  test('qmpClient and commands fail clearly when not launched', async () => {
    const vm = machine();
    expect(() => vm.qmpClient).toThrow(/not launched/);
    await expect(vm.cmd('query-status')).rejects.toThrow(/not launched/);
    await expect(vm.shutdown()).resolves.toBeUndefined();
  });
});
