// QemuMachine behaviour that needs no QEMU: option checks, names, command line before launch.

import { tmpdir } from 'node:os';
import { describe, expect, test } from '@jest/globals';
import { QemuMachine } from '../../../src/machine';

describe('QemuMachine before launch', () => {
  test('shows the command line it would use, socket dir as XXXXXX', () => {
    const machine = new QemuMachine({
      binary: 'qemu-system-x86_64',
      sockDir: '/run/t',
      accel: [],
      defaultArgs: false,
      qtest: true,
      args: ['-m', '64'],
    });
    machine.addArgs('-name', 'x').addArgs('-S');
    expect(machine.commandLine()).toEqual([
      'qemu-system-x86_64',
      '-chardev',
      'socket,id=mon,path=/run/t/qemu-XXXXXX/qmp.sock',
      '-mon',
      'chardev=mon,mode=control',
      '-chardev',
      'socket,id=qtest,path=/run/t/qemu-XXXXXX/qtest.sock',
      '-qtest',
      'chardev:qtest',
      '-m',
      '64',
      '-name',
      'x',
      '-S',
    ]);
    expect(machine.args).toEqual(['-m', '64', '-name', 'x', '-S']);
  });

  test('default names are unique within the process', () => {
    const a = new QemuMachine({ binary: 'q' });
    const b = new QemuMachine({ binary: 'q' });
    expect(a.name).toMatch(new RegExp(`^qemu-${process.pid}-\\d+$`));
    expect(b.name).not.toBe(a.name);
    expect(a.commandLine().join(' ')).toContain(`${tmpdir()}/qemu-XXXXXX/qmp.sock`);
  });

  test('reports nothing about a run that never happened', () => {
    const machine = new QemuMachine({ binary: 'q' });
    expect(machine.running).toBe(false);
    expect(machine.pid).toBeUndefined();
    expect(machine.exitCode).toBeNull();
    expect(machine.exitSignal).toBeNull();
    expect(machine.getLog()).toBeUndefined();
    expect(machine.consoleOutput()).toBe('');
    expect(machine.lastQmpHistory()).toEqual([]);
  });

  test('options the types cannot check are refused, naming the value', () => {
    expect(() => new QemuMachine({ binary: 'q', name: 'a/b' })).toThrow(
      /name "a\/b" is not usable in file names/,
    );
    expect(() => new QemuMachine({ binary: 'q', launchTimeoutMs: 0 })).toThrow(
      'launchTimeoutMs must be a positive number of milliseconds, got 0',
    );
  });
});
