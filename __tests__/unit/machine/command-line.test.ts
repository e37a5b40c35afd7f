import { describe, expect, test } from '@jest/globals';
import {
  buildCommandLine,
  escapeOptionValue,
  socketPathList,
} from '../../../src/machine/command-line';

const base = {
  wrapper: [],
  binary: '/usr/bin/qemu-system-x86_64',
  defaultArgs: true,
  sockets: { qmp: '/tmp/qemu-abc/qmp.sock' },
  accel: ['tcg'],
  machineType: undefined,
  args: [],
};

describe('buildCommandLine', () => {
  test('puts everything in the documented order', () => {
    expect(
      buildCommandLine({
        wrapper: ['valgrind', '--error-exitcode=99'],
        binary: 'qemu',
        defaultArgs: true,
        sockets: { qmp: '/s/qmp.sock', qtest: '/s/qtest.sock', console: '/s/console.sock' },
        accel: ['kvm', 'tcg'],
        machineType: 'pc',
        args: ['-m', '64'],
      }),
    ).toEqual([
      'valgrind',
      '--error-exitcode=99',
      'qemu',
      '-display',
      'none',
      '-vga',
      'none',
      '-nodefaults',
      '-chardev',
      'socket,id=mon,path=/s/qmp.sock',
      '-mon',
      'chardev=mon,mode=control',
      '-chardev',
      'socket,id=qtest,path=/s/qtest.sock',
      '-qtest',
      'chardev:qtest',
      '-accel',
      'kvm',
      '-accel',
      'tcg',
      '-machine',
      'pc',
      '-chardev',
      'socket,id=console,path=/s/console.sock',
      '-serial',
      'chardev:console',
      '-m',
      '64',
    ]);
  });

  test('defaultArgs false and no accelerator leave those options out', () => {
    expect(buildCommandLine({ ...base, defaultArgs: false, accel: [] })).toEqual([
      '/usr/bin/qemu-system-x86_64',
      '-chardev',
      'socket,id=mon,path=/tmp/qemu-abc/qmp.sock',
      '-mon',
      'chardev=mon,mode=control',
    ]);
  });

  test('commas in socket paths are doubled for the QEMU option parser', () => {
    expect(escapeOptionValue('/tmp/a,b/qmp.sock')).toBe('/tmp/a,,b/qmp.sock');
    const argv = buildCommandLine({ ...base, sockets: { qmp: '/tmp/a,b/qmp.sock' } });
    expect(argv).toContain('socket,id=mon,path=/tmp/a,,b/qmp.sock');
  });

  test('socketPathList keeps QMP, qtest, console order', () => {
    expect(socketPathList({ qmp: 'q', console: 'c' })).toEqual(['q', 'c']);
    expect(socketPathList({ qmp: 'q', qtest: 't', console: 'c' })).toEqual(['q', 't', 'c']);
  });
});
