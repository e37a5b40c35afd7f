// How a VM's QemuMachine options follow from config, capabilities and file context, and the
// valgrind log handling after shutdown.
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  choosesAccelerator,
  handleValgrindLog,
  vmMachineOptions,
  vmWrapper,
} from '../../../src/iotests/vm-launch';
import { haltFirmwarePath, wantsHaltFirmware } from '../../../src/iotests/halt-firmware';
import { fakeCapabilities, fakeConfig, fakeContext } from './fakes';

describe('vmMachineOptions', () => {
  test('tcg build: -accel tcg, halting firmware, machine.py base args then QEMU_OPTIONS, config timeouts', () => {
    const options = vmMachineOptions({
      pathSuffix: '',
      config: fakeConfig(),
      capabilities: fakeCapabilities({ accelerator: 'tcg', hasQtest: false }),
      context: fakeContext(),
      pid: 4242,
    });
    expect(options).toEqual({
      binary: '/usr/bin/qemu-system-x86_64',
      name: 'qemu-4242',
      defaultArgs: false,
      args: [
        '-display',
        'none',
        '-vga',
        'none',
        '-nodefaults',
        '-display',
        'none',
        '-bios',
        haltFirmwarePath(),
      ],
      wrapper: [],
      sockDir: '/sock',
      accel: ['tcg'],
      qtest: false,
      printOutput: false,
      launchTimeoutMs: 30_000,
      shutdownTimeoutMs: 30_000,
      qmp: { commandTimeoutMs: 15_000, eventTimeoutMs: 60_000 },
    });
  });

  test('qtest build: -accel qtest with the qtest socket; path suffix in the name', () => {
    const options = vmMachineOptions({
      pathSuffix: 'b',
      config: fakeConfig(),
      capabilities: fakeCapabilities({ accelerator: 'qtest', hasQtest: true }),
      context: fakeContext(),
      pid: 7,
    });
    expect(options).toMatchObject({ name: 'qemub-7', accel: ['qtest'], qtest: true });
  });

  test('QEMU_OPTIONS that choose an accelerator keep it', () => {
    const config = fakeConfig({ qemuOptions: ['-machine', 'q35,accel=kvm'] });
    const options = vmMachineOptions({
      pathSuffix: '',
      config,
      capabilities: fakeCapabilities(),
      context: fakeContext(),
    });
    expect(options.accel).toEqual([]);
    expect(choosesAccelerator(['-accel', 'tcg'])).toBe(true);
    expect(choosesAccelerator(['-M', 'accel=tcg'])).toBe(true);
    expect(choosesAccelerator(['-drive', 'file=accel=x'])).toBe(false);
  });

  test('under gdb or valgrind no time limits are passed (the machine lifts its own)', () => {
    const options = vmMachineOptions({
      pathSuffix: '',
      config: fakeConfig({ gdbOptions: ['localhost:12345'] }),
      capabilities: fakeCapabilities(),
      context: fakeContext(),
    });
    expect(options.wrapper).toEqual(['gdbserver', 'localhost:12345']);
    expect(options).not.toHaveProperty('qmp');
    expect(options).not.toHaveProperty('launchTimeoutMs');
    expect(options).not.toHaveProperty('shutdownTimeoutMs');
  });

  test('a path suffix that cannot be part of a file name is refused', () => {
    expect(() =>
      vmMachineOptions({
        pathSuffix: '../x',
        config: fakeConfig(),
        capabilities: fakeCapabilities(),
        context: fakeContext(),
      }),
    ).toThrow(
      `VM pathSuffix must be a string of letters, digits, '.', '_', '+' or '-' (it is part of file names), got "../x"`,
    );
  });
});

describe('vmWrapper', () => {
  test('valgrind logs to TEST_DIR/%p.valgrind and exits 99 on errors', () => {
    expect(vmWrapper(fakeConfig({ valgrindQemu: true }), '/scratch')).toEqual([
      'valgrind',
      '--log-file=/scratch/%p.valgrind',
      '--error-exitcode=99',
    ]);
    expect(vmWrapper(fakeConfig(), '/scratch')).toEqual([]);
  });

  test('gdb and valgrind together are refused', () => {
    expect(() =>
      vmWrapper(fakeConfig({ valgrindQemu: true, gdbOptions: [':1234'] }), '/scratch'),
    ).toThrow(
      'gdb and valgrind are mutually exclusive: GDB_OPTIONS is set and VALGRIND_QEMU=y; unset one of them (or set NO_VALGRIND=y)',
    );
  });
});

describe('handleValgrindLog', () => {
  test('prints the log on exit code 99 and keeps it; removes it otherwise', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vm-valgrind-'));
    try {
      const logFile = path.join(dir, '123.valgrind');
      writeFileSync(logFile, '==123== Invalid read of size 8\n');
      const printed: string[] = [];
      handleValgrindLog(dir, 123, 99, (text) => printed.push(text));
      expect(printed).toEqual(['==123== Invalid read of size 8\n']);
      expect(existsSync(logFile)).toBe(true);

      handleValgrindLog(dir, 123, 0, (text) => printed.push(text));
      expect(printed).toHaveLength(1);
      expect(existsSync(logFile)).toBe(false);
      // Already gone: nothing to do.
      expect(() => handleValgrindLog(dir, 123, 0, () => undefined)).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('halting firmware (no guest code without qtest)', () => {
  test('an image whose reset vector halts: hlt; jmp back', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'halt-fw-'));
    try {
      const image = readFileSync(haltFirmwarePath(dir));
      expect(image.length).toBe(64 * 1024);
      expect([...image.subarray(0xfff0, 0xfff3)]).toEqual([0xf4, 0xeb, 0xfd]);
      expect(image.filter((byte) => byte !== 0).length).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('only for x86 QEMU without qtest and without a firmware or kernel of the test', () => {
    const qemu = '/usr/bin/qemu-system-x86_64';
    expect(wantsHaltFirmware(qemu, 'tcg', [])).toBe(true);
    expect(wantsHaltFirmware('/b/qemu-system-i386', 'kvm', ['-nodefaults'])).toBe(true);
    expect(wantsHaltFirmware(qemu, 'qtest', [])).toBe(false);
    expect(wantsHaltFirmware('/usr/bin/qemu-system-aarch64', 'tcg', [])).toBe(false);
    expect(wantsHaltFirmware(qemu, 'tcg', ['-bios', 'x.bin'])).toBe(false);
    expect(wantsHaltFirmware(qemu, 'tcg', ['-kernel', 'vmlinuz'])).toBe(false);
    expect(wantsHaltFirmware(qemu, 'tcg', ['-drive', 'if=pflash,file=OVMF.fd'])).toBe(false);
  });

  test("firmware: 'default' keeps QEMU's own", () => {
    const options = vmMachineOptions({
      pathSuffix: '',
      firmware: 'default',
      config: fakeConfig(),
      capabilities: fakeCapabilities({ accelerator: 'tcg', hasQtest: false }),
      context: fakeContext(),
    });
    expect(options.args).not.toContain('-bios');
  });
});
