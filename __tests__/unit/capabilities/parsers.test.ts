import { describe, expect, test } from '@jest/globals';
import {
  parseAccelHelp,
  parseAccelPresence,
  parseDeviceHelp,
  parseFormatHelp,
  parseLuksFailure,
  parseMachineHelp,
  parseQuorumSupport,
  parseVersion,
  virtioSupport,
} from '../../../src/capabilities';
import { capture } from './fixtures';

describe('parseVersion', () => {
  test('qemu-system', () => {
    expect(parseVersion(capture('qemu-version').stdout)).toEqual({
      version: '7.2.22',
      firstLine: 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)',
    });
  });

  test.each(['qemu-img-version', 'qemu-io-version', 'qemu-nbd-version', 'qsd-version'])(
    '%s',
    (name) => {
      expect(parseVersion(capture(name).stdout).version).toBe('7.2.22');
    },
  );

  test('qemu-nbd has no "version" word in its first line', () => {
    expect(capture('qemu-nbd-version').stdout.split('\n')[0]).toBe(
      'qemu-nbd 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)',
    );
  });

  test('development builds and missing numbers', () => {
    expect(parseVersion('QEMU emulator version 8.1.50 (v8.1.0-1234-gdeadbeef)\n').version).toBe(
      '8.1.50',
    );
    expect(parseVersion('something else\n')).toEqual({
      version: undefined,
      firstLine: 'something else',
    });
    expect(parseVersion('')).toEqual({ version: undefined, firstLine: '' });
  });
});

describe('accelerators', () => {
  test('-accel help lists tcg and kvm (never qtest)', () => {
    expect(parseAccelHelp(capture('accel-help').stdout)).toEqual(['tcg', 'kvm']);
  });

  test('no header, no accelerators', () => {
    expect(parseAccelHelp('qemu: unexpected\n')).toEqual([]);
  });

  test('qtest absent: "invalid accelerator qtest"', () => {
    const run = capture('accel-qtest-absent');
    expect(run.stderr).toContain('invalid accelerator qtest');
    expect(parseAccelPresence(run, 'qtest')).toBe(false);
  });

  test('a present accelerator rejects the help property by class name', () => {
    expect(parseAccelPresence(capture('accel-tcg-present'), 'tcg')).toBe(true);
  });

  test('a build listing the properties (exit 0) has the accelerator', () => {
    expect(parseAccelPresence({ exitCode: 0, stderr: '' }, 'qtest')).toBe(true);
  });

  test('an unfamiliar failure counts as absent, so VMs fall back to tcg', () => {
    expect(parseAccelPresence({ exitCode: 1, stderr: 'qemu: something new\n' }, 'qtest')).toBe(
      false,
    );
  });
});

describe('parseFormatHelp', () => {
  const formats = parseFormatHelp(capture('format-help').stdout);

  test('reads both lines like the seed supported_formats()', () => {
    expect(formats.rw).toHaveLength(43);
    expect(formats.rw.slice(0, 3)).toEqual(['blkdebug', 'blklogwrites', 'blkreplay']);
    expect(formats.rw).toEqual(
      expect.arrayContaining(['raw', 'qcow2', 'luks', 'vmdk', 'file', 'nbd']),
    );
    expect(formats.ro).toEqual(formats.rw);
  });

  test('agrees with the seed splitting rule line[n].split(":")[1].split()', () => {
    const lines = capture('format-help').stdout.split('\n');
    const seed = (line: string): string[] => line.split(':')[1].trim().split(/\s+/);
    expect(formats.rw).toEqual(seed(lines[0]));
    expect(formats.ro).toEqual(seed(lines[1]));
  });

  test('a whitelisted build', () => {
    expect(
      parseFormatHelp('Supported formats: qcow2 raw\nSupported formats (read-only): vvfat\n'),
    ).toEqual({ rw: ['qcow2', 'raw'], ro: ['vvfat'] });
  });

  test('unexpected output is an error quoting it', () => {
    expect(() => parseFormatHelp('qemu-system-x86_64: -drive: oops\n')).toThrow(
      'no "Supported formats:" line in: "qemu-system-x86_64: -drive: oops\\n"',
    );
  });
});

describe('parseDeviceHelp', () => {
  const devices = parseDeviceHelp(capture('device-help').stdout);

  test('reads names and aliases, without section headers', () => {
    expect(devices).toEqual(
      expect.arrayContaining([
        'virtio-blk-pci',
        'virtio-blk',
        'virtio-scsi-pci',
        'ide-hd',
        'scsi-hd',
      ]),
    );
    expect(devices.some((device) => device.endsWith(':') || device.includes(' '))).toBe(false);
    expect(new Set(devices).size).toBe(devices.length);
  });

  test('virtio support as the seed checks it', () => {
    expect(virtioSupport(devices)).toEqual({ hasVirtioBlk: true, hasVirtioScsi: true });
    expect(virtioSupport(['virtio-scsi-ccw'])).toEqual({
      hasVirtioBlk: false,
      hasVirtioScsi: true,
    });
    expect(virtioSupport(['virtio-blk-device', 'virtio-scsi-device'])).toEqual({
      hasVirtioBlk: true,
      hasVirtioScsi: false,
    });
  });
});

describe('parseMachineHelp', () => {
  test('the default machine is replaced by its alias (pc-i440fx-7.2 -> pc)', () => {
    const { machines, defaultMachine } = parseMachineHelp(capture('machine-help').stdout);
    expect(defaultMachine).toBe('pc');
    expect(machines).toEqual(
      expect.arrayContaining(['pc', 'q35', 'pc-i440fx-7.2', 'microvm', 'none']),
    );
    expect(machines).not.toContain('Supported');
  });

  test('a default without alias, and no default at all', () => {
    expect(
      parseMachineHelp('Supported machines are:\nvirt                 QEMU Virt (default)\n')
        .defaultMachine,
    ).toBe('virt');
    expect(parseMachineHelp('Supported machines are:\nnone  empty machine\n').defaultMachine).toBe(
      undefined,
    );
  });
});

describe('quorum and LUKS', () => {
  test('qemu-img --help lists quorum', () => {
    expect(parseQuorumSupport(capture('qemu-img-help').stdout)).toBe(true);
    expect(parseQuorumSupport('Supported formats: raw qcow2')).toBe(false);
  });

  test('the LUKS failure reason is the text after "<file>:"', () => {
    const run = capture('luks-create-missing-dir');
    expect(run.exitCode).toBe(1);
    const file = '/tmp/qemu-iotests-fixture/missing/luks-test.luks';
    expect(parseLuksFailure(run.stdout + run.stderr, file)).toBe(
      `Could not create '${file}': No such file or directory`,
    );
  });

  test('without that marker the whole output is the reason', () => {
    expect(parseLuksFailure("qemu-img: Invalid parameter 'x'\n", '/t/luks-test.luks')).toBe(
      "qemu-img: Invalid parameter 'x'",
    );
  });

  test('a successful create prints no failure marker', () => {
    const run = capture('luks-create-ok');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("Formatting '/tmp/qemu-iotests-fixture/luks-test.luks', fmt=luks");
  });
});
