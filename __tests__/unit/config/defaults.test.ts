import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  configToEnv,
  KNOWN_VARIABLES,
  qemuTargetForArch,
  resolveConfig,
  type ConfigSource,
} from '../../../src/config';
import { cleanup, makeFakeBinDir, makeTempDir, writeExecutable } from './fake-tools';

let binDir: string;
let cwd: string;
const env = (extra: ConfigSource = {}): ConfigSource => ({ PATH: binDir, ...extra });

beforeAll(() => {
  binDir = makeFakeBinDir(['gdbserver', 'valgrind']);
  cwd = makeTempDir('cwd');
});
afterAll(() => cleanup(binDir, cwd));

describe('resolveConfig defaults (no check script)', () => {
  test('matches the seed and testenv.py defaults', () => {
    const config = resolveConfig({ env: env(), cwd });
    expect(config).toMatchObject({
      imgfmt: 'raw',
      imgproto: 'file',
      cachemode: 'writeback',
      cachemodeIsDefault: true,
      aiomode: 'threads',
      sampleImgDir: undefined,
      qemuOptions: ['-nodefaults', '-display', 'none'],
      qemuImgOptions: [],
      qemuIoOptions: ['--cache', 'writeback', '--aio', 'threads', '-f', 'raw'],
      qemuIoOptionsNoFmt: ['--cache', 'writeback', '--aio', 'threads'],
      qemuNbdOptions: [],
      defaultMachine: undefined,
      imgopts: undefined,
      imgKeySecret: '',
      imgoptsSyntax: false,
      imgfmtGeneric: true,
      misalign: false,
      gdbOptions: undefined,
      valgrindQemu: false,
      printQemu: false,
      timeouts: { qmpCommandMs: 15000, eventWaitMs: 60000, launchMs: 30000, shutdownMs: 30000 },
      keepScratchOnFailure: false,
      qemuWrapper: [],
    });
  });

  test('finds every binary on PATH by its default name', () => {
    const { binaries } = resolveConfig({ env: env(), cwd });
    expect(binaries).toEqual({
      qemu: path.join(binDir, `qemu-system-${qemuTargetForArch()}`),
      qemuImg: path.join(binDir, 'qemu-img'),
      qemuIo: path.join(binDir, 'qemu-io'),
      qemuNbd: path.join(binDir, 'qemu-nbd'),
      qsd: path.join(binDir, 'qemu-storage-daemon'),
    });
  });

  test('keeps the accelerator out of QEMU_OPTIONS', () => {
    const { qemuOptions } = resolveConfig({ env: env(), cwd });
    expect(qemuOptions.join(' ')).not.toMatch(/accel/);
  });

  test('puts scratch dirs under the temp dir, never the cwd, and creates nothing', () => {
    const config = resolveConfig({ env: env(), cwd });
    expect(config.testDir.startsWith(os.tmpdir() + path.sep)).toBe(true);
    expect(config.testDir.startsWith(cwd)).toBe(false);
    expect(config.testDir).toContain(String(process.pid));
    expect(config.sockDir.startsWith('/tmp/')).toBe(true);
    expect(Buffer.byteLength(config.sockDir)).toBeLessThanOrEqual(66);
    expect(config.outputDir).toBe(config.testDir);
    expect(config.defaultedDirs).toEqual([config.testDir, config.sockDir]);
    expect(fs.readdirSync(cwd)).toEqual([]);
  });

  test('given dirs are resolved against cwd and not listed as defaulted', () => {
    const config = resolveConfig({
      env: env({ TEST_DIR: 'scratch', SOCK_DIR: 'socks', OUTPUT_DIR: 'out' }),
      cwd,
    });
    expect(config.testDir).toBe(path.join(cwd, 'scratch'));
    expect(config.sockDir).toBe(path.join(cwd, 'socks'));
    expect(config.outputDir).toBe(path.join(cwd, 'out'));
    expect(config.defaultedDirs).toEqual([]);
  });

  test('an explicit CACHEMODE is not the default and reaches qemu-io', () => {
    const config = resolveConfig({ env: env({ CACHEMODE: 'none', AIOMODE: 'native' }), cwd });
    expect(config.cachemodeIsDefault).toBe(false);
    expect(config.qemuIoOptions).toEqual(['--cache', 'none', '--aio', 'native', '-f', 'raw']);
  });

  test('CACHEMODE_IS_DEFAULT from check is honoured', () => {
    const config = resolveConfig({
      env: env({ CACHEMODE: 'writeback', CACHEMODE_IS_DEFAULT: 'true' }),
      cwd,
    });
    expect(config.cachemodeIsDefault).toBe(true);
  });

  test('MISALIGN adds --misalign to both qemu-io option sets', () => {
    const config = resolveConfig({ env: env({ MISALIGN: 'y', IMGFMT: 'qcow2' }), cwd });
    const misaligned = ['--cache', 'writeback', '--aio', 'threads', '--misalign'];
    expect(config.qemuIoOptions).toEqual([...misaligned, '-f', 'qcow2']);
    expect(config.qemuIoOptionsNoFmt).toEqual(misaligned);
  });

  test('explicit QEMU_IO_OPTIONS replace the derived ones', () => {
    const config = resolveConfig({
      env: env({ QEMU_IO_OPTIONS: '--cache none -f qcow2', QEMU_IO_OPTIONS_NO_FMT: '-t none' }),
      cwd,
    });
    expect(config.qemuIoOptions).toEqual(['--cache', 'none', '-f', 'qcow2']);
    expect(config.qemuIoOptionsNoFmt).toEqual(['-t', 'none']);
  });

  test('*_OPTIONS are split on spaces, trimmed, without empty pieces', () => {
    const config = resolveConfig({
      env: env({
        QEMU_OPTIONS: '  -machine  q35 -nodefaults ',
        QEMU_IMG_OPTIONS: '-U',
        QEMU_NBD_OPTIONS: '--fork --persistent',
      }),
      cwd,
    });
    expect(config.qemuOptions).toEqual(['-machine', 'q35', '-nodefaults']);
    expect(config.qemuImgOptions).toEqual(['-U']);
    expect(config.qemuNbdOptions).toEqual(['--fork', '--persistent']);
  });

  test('QEMU_DEFAULT_MACHINE and SAMPLE_IMG_DIR are passed through', () => {
    const config = resolveConfig({
      env: env({ QEMU_DEFAULT_MACHINE: 'q35', SAMPLE_IMG_DIR: '.' }),
      cwd,
    });
    expect(config.defaultMachine).toBe('q35');
    expect(config.sampleImgDir).toBe(cwd);
  });

  test('timeouts are read in seconds, fractions allowed', () => {
    const config = resolveConfig({
      env: env({
        IOTESTS_QMP_TIMEOUT: '0.5',
        IOTESTS_EVENT_TIMEOUT: '120',
        IOTESTS_LAUNCH_TIMEOUT: '2.',
        IOTESTS_SHUTDOWN_TIMEOUT: '1e1',
      }),
      cwd,
    });
    expect(config.timeouts).toEqual({
      qmpCommandMs: 500,
      eventWaitMs: 120000,
      launchMs: 2000,
      shutdownMs: 10000,
    });
  });

  test('flags accept y/yes/true/1/on', () => {
    const config = resolveConfig({
      env: env({ PRINT_QEMU: 'y', IOTESTS_KEEP_SCRATCH: 'TRUE' }),
      cwd,
    });
    expect(config.printQemu).toBe(true);
    expect(config.keepScratchOnFailure).toBe(true);
  });
});

describe('per-format defaults (testenv.py)', () => {
  test('luks: key secret, image-opts syntax, fast key slots, no -f for qemu-io', () => {
    const config = resolveConfig({ env: env({ IMGFMT: 'luks' }), cwd });
    expect(config.imgKeySecret).toBe('123456');
    expect(config.imgoptsSyntax).toBe(true);
    expect(config.imgopts).toBe('iter-time=10');
    expect(config.qemuIoOptions).toEqual(['--cache', 'writeback', '--aio', 'threads']);
  });

  test('luks: iter-time is appended to IMGOPTS unless already there', () => {
    const append = resolveConfig({
      env: env({ IMGFMT: 'luks', IMGOPTS: 'cipher-alg=aes-128' }),
      cwd,
    });
    expect(append.imgopts).toBe('cipher-alg=aes-128,iter-time=10');
    const keep = resolveConfig({ env: env({ IMGFMT: 'luks', IMGOPTS: 'iter-time=50' }), cwd });
    expect(keep.imgopts).toBe('iter-time=50');
  });

  test('luks: an explicit IMGKEYSECRET wins', () => {
    const config = resolveConfig({ env: env({ IMGFMT: 'luks', IMGKEYSECRET: 'hunter2' }), cwd });
    expect(config.imgKeySecret).toBe('hunter2');
  });

  test('vmdk: zeroed_grain=on is added', () => {
    expect(resolveConfig({ env: env({ IMGFMT: 'vmdk' }), cwd }).imgopts).toBe('zeroed_grain=on');
    const given = resolveConfig({
      env: env({ IMGFMT: 'vmdk', IMGOPTS: 'subformat=streamOptimized' }),
      cwd,
    });
    expect(given.imgopts).toBe('subformat=streamOptimized,zeroed_grain=on');
  });

  test('bochs, cloop and dmg are not generic', () => {
    for (const imgfmt of ['bochs', 'cloop', 'dmg']) {
      expect(resolveConfig({ env: env({ IMGFMT: imgfmt }), cwd }).imgfmtGeneric).toBe(false);
    }
    expect(resolveConfig({ env: env({ IMGFMT: 'qcow2' }), cwd }).imgfmtGeneric).toBe(true);
  });

  test("IMGOPTS containing '$' is accepted (requirements skip on it later)", () => {
    const config = resolveConfig({
      env: env({ IMGFMT: 'qcow2', IMGOPTS: 'data_file=$TEST_IMG.data' }),
      cwd,
    });
    expect(config.imgopts).toBe('data_file=$TEST_IMG.data');
  });
});

describe('emulator-specific QEMU_OPTIONS (testenv.py machine map)', () => {
  test.each([
    ['qemu-system-aarch64', ['-machine', 'virt']],
    ['qemu-system-riscv64', ['-machine', 'virt']],
    ['qemu-system-tricore', ['-machine', 'tricore_testboard']],
    ['qemu-system-x86_64', []],
  ])('%s', (name, machine) => {
    const dir = makeTempDir('emu');
    try {
      const qemu = writeExecutable(dir, name);
      const config = resolveConfig({ env: env({ QEMU_PROG: qemu }), cwd });
      expect(config.qemuOptions).toEqual(['-nodefaults', '-display', 'none', ...machine]);
    } finally {
      cleanup(dir);
    }
  });

  test('maps Node architectures to QEMU targets', () => {
    expect(qemuTargetForArch('x64')).toBe('x86_64');
    expect(qemuTargetForArch('arm64')).toBe('aarch64');
    expect(qemuTargetForArch('ia32')).toBe('i386');
    expect(qemuTargetForArch('s390x')).toBe('s390x');
  });
});

describe('debug wrappers', () => {
  test('GDB_OPTIONS runs QEMU under gdbserver', () => {
    const config = resolveConfig({ env: env({ GDB_OPTIONS: 'localhost:12345 --once' }), cwd });
    expect(config.gdbOptions).toEqual(['localhost:12345', '--once']);
    expect(config.qemuWrapper).toEqual(['gdbserver', 'localhost:12345', '--once']);
  });

  test('VALGRIND_QEMU=y runs QEMU under valgrind logging into TEST_DIR', () => {
    const config = resolveConfig({ env: env({ VALGRIND_QEMU: 'y' }), cwd });
    expect(config.valgrindQemu).toBe(true);
    expect(config.qemuWrapper).toEqual([
      'valgrind',
      `--log-file=${path.join(config.testDir, '%p.valgrind')}`,
      '--error-exitcode=99',
    ]);
  });

  test('NO_VALGRIND=y overrides VALGRIND_QEMU', () => {
    const config = resolveConfig({ env: env({ VALGRIND_QEMU: 'y', NO_VALGRIND: 'y' }), cwd });
    expect(config.valgrindQemu).toBe(false);
    expect(config.qemuWrapper).toEqual([]);
  });
});

describe('configToEnv', () => {
  test('exports the variables check would, and resolving them gives the same config', () => {
    const config = resolveConfig({
      env: env({ IMGFMT: 'luks', CACHEMODE: 'none', MISALIGN: 'y', IOTESTS_QMP_TIMEOUT: '2.5' }),
      cwd,
    });
    const exported = configToEnv(config);
    expect(exported).toMatchObject({
      IMGFMT: 'luks',
      CACHEMODE: 'none',
      CACHEMODE_IS_DEFAULT: 'false',
      QEMU_IO_OPTIONS: '--cache none --aio threads --misalign',
      IMGOPTS: 'iter-time=10',
      IMGKEYSECRET: '123456',
      IOTESTS_QMP_TIMEOUT: '2.5',
    });
    const again = resolveConfig({ env: { PATH: binDir, ...exported }, cwd });
    // The second resolution was handed every directory, so it owns none of them.
    expect(again).toEqual({ ...config, defaultedDirs: [] });
  });
});

describe('KNOWN_VARIABLES', () => {
  test('documents every variable resolveConfig reads, each once', () => {
    const read = new Set<string>();
    const recording = new Proxy(env(), {
      get(target, name) {
        if (typeof name === 'string') read.add(name);
        return Reflect.get(target, name) as unknown;
      },
    });
    resolveConfig({ env: recording, cwd });
    read.delete('PATH');
    const documented = KNOWN_VARIABLES.map((variable) => variable.name);
    expect(new Set(documented).size).toBe(documented.length);
    expect([...read].filter((name) => !documented.includes(name))).toEqual([]);
    expect(read.size).toBeGreaterThan(30);
  });
});
