import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  ConfigError,
  qemuTargetForArch,
  resolveConfig,
  validateAgainstCapabilities,
  type ConfigSource,
} from '../../../src/config';
import { cleanup, makeFakeBinDir, makeTempDir, writeExecutable } from './fake-tools';
import { IMAGE_FORMATS } from '../../../src/config/image-format';

let binDir: string;
let cwd: string;
const env = (extra: ConfigSource = {}): ConfigSource => ({ PATH: binDir, ...extra });

beforeAll(() => {
  binDir = makeFakeBinDir();
  cwd = makeTempDir('cwd');
});
afterAll(() => cleanup(binDir, cwd));

/** The ConfigError resolveConfig throws for `extra`, failing the test if there is none. */
function configError(extra: ConfigSource, options?: Record<string, unknown>): ConfigError {
  try {
    resolveConfig({ env: env(extra), cwd, ...(options === undefined ? {} : { options }) });
  } catch (error: unknown) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(extra)}`);
}

describe('bad values name the value and what is accepted', () => {
  test.each([
    [
      'CACHEMODE',
      'bogus',
      'CACHEMODE="bogus": not a cache mode; accepted: none, writeback, writethrough, directsync, unsafe',
    ],
    ['AIOMODE', 'posix', 'AIOMODE="posix": not an AIO mode; accepted: threads, native, io_uring'],
    [
      'IMGPROTO',
      'http',
      'IMGPROTO="http": not a supported protocol; accepted: file, rbd, nbd, ssh, nfs, fuse',
    ],
  ])('%s=%s', (variable, value, message) => {
    const error = configError({ [variable]: value });
    expect(error.message).toBe(message);
    expect(error.variable).toBe(variable);
    expect(error.value).toBe(value);
  });

  test("IMGFMT must be one of check's image formats; the error names the value and lists them", () => {
    for (const value of ['qcow2 -o x', 'qcow3', 'file', 'vvfat']) {
      const error = configError({ IMGFMT: value });
      expect(error.message).toBe(
        `IMGFMT="${value}": not an image format qemu-iotests tests; accepted: raw, bochs, cloop, ` +
          'parallels, qcow, qcow2, qed, vdi, vpc, vhdx, vmdk, luks, dmg ' +
          "(`check`'s format options; vvfat is a directory driver, not an image format)",
      );
    }
  });

  test('every image format resolves as given', () => {
    for (const imgfmt of IMAGE_FORMATS) {
      expect(resolveConfig({ env: env({ IMGFMT: imgfmt }), cwd }).imgfmt).toBe(imgfmt);
    }
  });

  test('AIOMODE=native needs O_DIRECT', () => {
    const error = configError({ AIOMODE: 'native' });
    expect(error.message).toBe(
      'AIOMODE="native": needs O_DIRECT but CACHEMODE is writeback; set CACHEMODE=none (or directsync), or use AIOMODE=threads or io_uring',
    );
    expect(
      resolveConfig({ env: env({ AIOMODE: 'native', CACHEMODE: 'directsync' }), cwd }).aiomode,
    ).toBe('native');
  });

  test.each(['0', '-3', 'abc', '1s', 'Infinity', 'NaN'])('timeout %p is rejected', (value) => {
    const error = configError({ IOTESTS_EVENT_TIMEOUT: value });
    expect(error.message).toBe(
      `IOTESTS_EVENT_TIMEOUT=${JSON.stringify(value)}: not a positive number of seconds; accepted: a number greater than 0 such as 30 or 0.5 (default 60)`,
    );
  });

  test('each timeout variable is validated', () => {
    for (const variable of [
      'IOTESTS_QMP_TIMEOUT',
      'IOTESTS_LAUNCH_TIMEOUT',
      'IOTESTS_SHUTDOWN_TIMEOUT',
    ]) {
      expect(configError({ [variable]: '-1' }).variable).toBe(variable);
    }
  });

  test('yes/no variables reject other words', () => {
    const error = configError({ VALGRIND_QEMU: 'maybe' });
    expect(error.message).toBe(
      'VALGRIND_QEMU="maybe": not a yes/no value; accepted: y, yes, true, 1, on or n, no, false, 0, off',
    );
  });

  test('gdb and valgrind are mutually exclusive', () => {
    const tools = makeFakeBinDir(['gdbserver', 'valgrind']);
    try {
      expect(() =>
        resolveConfig({
          env: { PATH: tools, GDB_OPTIONS: 'localhost:1234', VALGRIND_QEMU: 'y' },
          cwd,
        }),
      ).toThrow('GDB_OPTIONS="localhost:1234": gdb and valgrind are mutually exclusive');
    } finally {
      cleanup(tools);
    }
  });

  test('GDB_OPTIONS needs gdbserver, VALGRIND_QEMU needs valgrind, with their Debian packages', () => {
    expect(configError({ GDB_OPTIONS: 'localhost:1' }).message).toBe(
      'GDB_OPTIONS="localhost:1": needs gdbserver, which is not on PATH; install the Debian package gdbserver, or unset GDB_OPTIONS',
    );
    expect(configError({ VALGRIND_QEMU: 'y' }).message).toContain(
      'needs valgrind, which is not on PATH; install the Debian package valgrind',
    );
  });

  test('messages are a single line even for values with newlines', () => {
    const error = configError({ CACHEMODE: 'none\nrm -rf /' });
    expect(error.message).not.toContain('\n');
    expect(error.message).toContain('"none\\nrm -rf /"');
  });

  test('structured testEnvironmentOptions values are rejected', () => {
    const error = configError({}, { QEMU_OPTIONS: ['-nodefaults'] });
    expect(error.message).toBe(
      'testEnvironmentOptions.QEMU_OPTIONS="[\\"-nodefaults\\"]": is a list; accepted: a string, number or boolean',
    );
  });
});

describe('binaries', () => {
  const target = qemuTargetForArch();

  test('a program missing from PATH names the variable and the Debian package', () => {
    const partial = makeTempDir('partial');
    try {
      writeExecutable(partial, `qemu-system-${target}`);
      writeExecutable(partial, 'qemu-io');
      writeExecutable(partial, 'qemu-nbd');
      writeExecutable(partial, 'qemu-storage-daemon');
      const error = configError({ PATH: partial });
      expect(error.message).toBe(
        'QEMU_IMG_PROG unset (default "qemu-img"): not found on PATH; install the Debian package qemu-utils, or set QEMU_IMG_PROG to the binary\'s path',
      );
    } finally {
      cleanup(partial);
    }
  });

  test.each([
    [`qemu-system-x86_64`, 'QEMU_PROG', 'qemu-system-x86'],
    ['qemu-io', 'QEMU_IO_PROG', 'qemu-utils'],
    ['qemu-nbd', 'QEMU_NBD_PROG', 'qemu-utils'],
    ['qemu-storage-daemon', 'QSD_PROG', 'qemu-system-common'],
  ])('missing %s -> %s and package %s', (program, variable, debianPackage) => {
    if (program.startsWith('qemu-system-') && target !== 'x86_64') return;
    const partial = makeFakeBinDir();
    try {
      fs.rmSync(path.join(partial, program));
      const error = configError({ PATH: partial });
      expect(error.variable).toBe(variable);
      expect(error.message).toContain(`install the Debian package ${debianPackage}`);
      expect(error.message).toContain(`set ${variable}`);
    } finally {
      cleanup(partial);
    }
  });

  test('a non-executable *_PROG path is rejected', () => {
    const dir = makeTempDir('noexec');
    try {
      const file = writeExecutable(dir, 'qemu-img', 0o644);
      const error = configError({ QEMU_IMG_PROG: file });
      expect(error.message).toBe(
        `QEMU_IMG_PROG=${JSON.stringify(file)}: not executable: ${file}; install the Debian package qemu-utils, or set QEMU_IMG_PROG to an executable`,
      );
    } finally {
      cleanup(dir);
    }
  });

  test('a missing *_PROG path and a bare name not on PATH are rejected', () => {
    expect(configError({ QSD_PROG: '/nonexistent/qsd' }).message).toBe(
      'QSD_PROG="/nonexistent/qsd": no such file: /nonexistent/qsd; install the Debian package qemu-system-common, or set QSD_PROG to an executable',
    );
    expect(configError({ QEMU_NBD_PROG: 'qemu-nbd-custom' }).message).toBe(
      'QEMU_NBD_PROG="qemu-nbd-custom": not found on PATH; install the Debian package qemu-utils, or set QEMU_NBD_PROG to an executable',
    );
  });

  test('a directory is not a binary', () => {
    expect(configError({ QEMU_PROG: cwd }).message).toContain(`not a regular file: ${cwd}`);
  });
});

describe('directories', () => {
  test('TEST_DIR that is a file', () => {
    const file = path.join(cwd, 'a-file');
    fs.writeFileSync(file, '');
    const error = configError({ TEST_DIR: file });
    expect(error.message).toBe(
      `TEST_DIR=${JSON.stringify(file)}: exists but is not a directory; point it at a directory or remove the file`,
    );
  });

  test('SOCK_DIR below a file cannot be created', () => {
    const file = path.join(cwd, 'blocker');
    fs.writeFileSync(file, '');
    const error = configError({ SOCK_DIR: path.join(file, 'socks') });
    expect(error.variable).toBe('SOCK_DIR');
    expect(error.message).toContain(`cannot be created: ${file} is not a directory`);
  });

  test('OUTPUT_DIR is checked too', () => {
    const file = path.join(cwd, 'out-file');
    fs.writeFileSync(file, '');
    expect(configError({ OUTPUT_DIR: file }).variable).toBe('OUTPUT_DIR');
  });

  test('SOCK_DIR longer than the AF_UNIX limit allows', () => {
    const fits = '/tmp/' + 'x'.repeat(61); // 66 bytes: 66 + '/' + 40 = 107
    expect(resolveConfig({ env: env({ SOCK_DIR: fits }), cwd }).sockDir).toBe(fits);
    const tooLong = fits + 'y';
    const error = configError({ SOCK_DIR: tooLong });
    expect(error.message).toBe(
      `SOCK_DIR=${JSON.stringify(tooLong)}: is 67 bytes long, too long for UNIX socket paths (at most 66 bytes, so that a 40-byte socket name fits in 107); choose a shorter directory such as /tmp/qit`,
    );
  });

  test('SAMPLE_IMG_DIR must exist', () => {
    const error = configError({ SAMPLE_IMG_DIR: 'no-such-dir' });
    expect(error.message).toBe(
      'SAMPLE_IMG_DIR="no-such-dir": not an existing directory; point it at the directory holding the sample images',
    );
  });

  // Root may write anywhere chmod allows, so use a directory the kernel refuses.
  const unwritable = findUnwritableDir();
  (unwritable === undefined ? test.skip : test)('TEST_DIR that is not writable', () => {
    const dir = unwritable ?? '';
    expect(configError({ TEST_DIR: dir }).message).toBe(
      `TEST_DIR=${JSON.stringify(dir)}: is not writable; choose a directory this user can write to`,
    );
    expect(configError({ TEST_DIR: path.join(dir, 'sub') }).message).toContain(
      `cannot be created: ${dir} is not writable`,
    );
  });
});

describe('validateAgainstCapabilities', () => {
  const caps = {
    formatsRw: ['file', 'nbd', 'qcow2', 'raw'],
    formatsRo: ['file', 'nbd', 'qcow2', 'raw', 'dmg'],
  };

  test('accepts a supported format and protocol', () => {
    const config = resolveConfig({ env: env({ IMGFMT: 'qcow2', IMGPROTO: 'nbd' }), cwd });
    expect(() => validateAgainstCapabilities(config, caps)).not.toThrow();
  });

  test('a read-only format is known', () => {
    const config = resolveConfig({ env: env({ IMGFMT: 'dmg' }), cwd });
    expect(() => validateAgainstCapabilities(config, caps)).not.toThrow();
  });

  test('a format this QEMU lacks: the error lists the formats it supports', () => {
    const config = resolveConfig({ env: env({ IMGFMT: 'vhdx' }), cwd });
    expect(() => validateAgainstCapabilities(config, caps)).toThrow(
      `IMGFMT="vhdx": not a format this QEMU (${config.binaries.qemu}) supports; supported: file nbd qcow2 raw`,
    );
  });

  test('a protocol QEMU was built without is rejected; fuse is not a block driver', () => {
    const ssh = resolveConfig({ env: env({ IMGPROTO: 'ssh' }), cwd });
    expect(() => validateAgainstCapabilities(ssh, caps)).toThrow(
      /^IMGPROTO="ssh": not a protocol this QEMU .* was built with; choose one it lists: file, nbd$/,
    );
    const fuse = resolveConfig({ env: env({ IMGPROTO: 'fuse' }), cwd });
    expect(() => validateAgainstCapabilities(fuse, caps)).not.toThrow();
  });
});

function findUnwritableDir(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    const dir = makeTempDir('ro');
    fs.chmodSync(dir, 0o555);
    return dir;
  }
  for (const candidate of ['/proc/sys', '/sys/kernel']) {
    try {
      fs.accessSync(candidate, fs.constants.W_OK);
    } catch {
      return candidate;
    }
  }
  return undefined;
}
