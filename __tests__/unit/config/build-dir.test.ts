import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { ConfigError, qemuTargetForArch, resolveConfig } from '../../../src/config';
import { cleanup, makeFakeBinDir, makeTempDir, writeExecutable } from './fake-tools';

const target = qemuTargetForArch();
let buildDir: string;
let pathDir: string;
let cwd: string;
let realTool: string;

// A build tree laid out like QEMU's: emulators and tools at the top, the daemon in a subdir.
// Entries are symlinks (to a fake tool), as a packaged tree or a `make install` staging dir may be.
function linkInto(relative: string): string {
  const file = path.join(buildDir, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.symlinkSync(realTool, file);
  return file;
}

beforeEach(() => {
  buildDir = makeTempDir('build');
  pathDir = makeFakeBinDir();
  cwd = makeTempDir('cwd');
  realTool = writeExecutable(makeTempDir('real'), 'tool');
  for (const relative of [
    `qemu-system-${target}`,
    'qemu-img',
    'qemu-io',
    'qemu-nbd',
    path.join('storage-daemon', 'qemu-storage-daemon'),
  ]) {
    linkInto(relative);
  }
});
afterEach(() => cleanup(buildDir, pathDir, cwd, path.dirname(realTool)));

describe('QEMU_BUILD_DIR', () => {
  test('takes every binary from the build tree, not PATH', () => {
    const config = resolveConfig({ env: { PATH: pathDir, QEMU_BUILD_DIR: buildDir }, cwd });
    expect(config.binaries).toEqual({
      qemu: path.join(buildDir, `qemu-system-${target}`),
      qemuImg: path.join(buildDir, 'qemu-img'),
      qemuIo: path.join(buildDir, 'qemu-io'),
      qemuNbd: path.join(buildDir, 'qemu-nbd'),
      qsd: path.join(buildDir, 'storage-daemon', 'qemu-storage-daemon'),
    });
  });

  test('is also read from testEnvironmentOptions.buildDir, relative to cwd', () => {
    const relative = path.relative(cwd, buildDir);
    const config = resolveConfig({ env: { PATH: pathDir }, options: { buildDir: relative }, cwd });
    expect(config.binaries.qemuImg).toBe(path.join(buildDir, 'qemu-img'));
  });

  test('an individual *_PROG wins over the build tree', () => {
    const own = path.join(pathDir, 'qemu-img');
    const config = resolveConfig({
      env: { PATH: pathDir, QEMU_BUILD_DIR: buildDir, QEMU_IMG_PROG: own },
      cwd,
    });
    expect(config.binaries.qemuImg).toBe(own);
    expect(config.binaries.qemuIo).toBe(path.join(buildDir, 'qemu-io'));
  });

  test("falls back to another target's emulator like testenv.py", () => {
    fs.rmSync(path.join(buildDir, `qemu-system-${target}`));
    linkInto('qemu-system-zzz');
    linkInto('qemu-system-aarch64');
    const config = resolveConfig({ env: { PATH: pathDir, QEMU_BUILD_DIR: buildDir }, cwd });
    expect(config.binaries.qemu).toBe(path.join(buildDir, 'qemu-system-aarch64'));
    expect(config.qemuOptions).toEqual(['-nodefaults', '-display', 'none', '-machine', 'virt']);
  });

  test('no emulator at all is an error naming QEMU_PROG', () => {
    fs.rmSync(path.join(buildDir, `qemu-system-${target}`));
    expect(() => resolveConfig({ env: { PATH: pathDir, QEMU_BUILD_DIR: buildDir }, cwd })).toThrow(
      /^QEMU_PROG=".*": no qemu-system-\* executable in QEMU_BUILD_DIR; build it there, or set QEMU_PROG/,
    );
  });

  test('a tool missing from the tree names its variable and Debian package', () => {
    fs.rmSync(path.join(buildDir, 'storage-daemon'), { recursive: true });
    let error: unknown;
    try {
      resolveConfig({ env: { PATH: pathDir, QEMU_BUILD_DIR: buildDir }, cwd });
    } catch (caught: unknown) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('QSD_PROG=');
    expect(message).toContain(
      `no such file: ${path.join(buildDir, 'storage-daemon', 'qemu-storage-daemon')}`,
    );
    expect(message).toContain('Debian package: qemu-system-common');
  });

  test('a dangling symlink is reported as missing', () => {
    fs.rmSync(path.join(buildDir, 'qemu-io'));
    fs.symlinkSync(path.join(buildDir, 'nowhere'), path.join(buildDir, 'qemu-io'));
    expect(() => resolveConfig({ env: { PATH: pathDir, QEMU_BUILD_DIR: buildDir }, cwd })).toThrow(
      /^QEMU_IO_PROG=".*": no such file/,
    );
  });

  test('must be a directory', () => {
    expect(() =>
      resolveConfig({
        env: { PATH: pathDir, QEMU_BUILD_DIR: path.join(buildDir, 'qemu-img') },
        cwd,
      }),
    ).toThrow(/^QEMU_BUILD_DIR=".*qemu-img": not a directory; set it to a QEMU build tree/);
  });
});
