import fs from 'node:fs';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';

import { ConfigError, configToEnv, resolveConfig } from '../../../src/config';
import {
  DEFAULT_PROGRAMS,
  cleanup,
  makeFakeBinDir,
  makeTempDir,
  writeExecutable,
} from './fake-tools';

let releases: string;
let pathDir: string;
let cwd: string;

// A release laid out as scripts/qemu-release.js installs it.
function install(release: string): string {
  const prefix = path.join(releases, release);
  for (const name of DEFAULT_PROGRAMS)
    writeExecutable(path.join(prefix, 'root', 'usr', 'bin'), name);
  fs.mkdirSync(path.join(prefix, 'modules'));
  fs.writeFileSync(path.join(prefix, 'installed.json'), '{}\n');
  return prefix;
}

const env = (extra: Record<string, string>): Record<string, string> => ({
  PATH: pathDir,
  QEMU_RELEASES_DIR: releases,
  ...extra,
});

beforeEach(() => {
  releases = makeTempDir('releases');
  pathDir = makeFakeBinDir();
  cwd = makeTempDir('cwd');
});
afterEach(() => cleanup(releases, pathDir, cwd));

describe('QEMU_RELEASE', () => {
  test('unset or system: the binaries on PATH, no release', () => {
    for (const value of [{}, { QEMU_RELEASE: 'system' }] as Array<Record<string, string>>) {
      const config = resolveConfig({ env: env(value), cwd });
      expect(config.qemuRelease).toBeUndefined();
      expect(path.dirname(config.binaries.qemuImg)).toBe(pathDir);
    }
  });

  test('10.0: every binary from the private prefix, its module directory named', () => {
    const prefix = install('10.0');
    const config = resolveConfig({ env: env({ QEMU_RELEASE: '10.0' }), cwd });
    expect(config.qemuRelease).toEqual({
      name: '10.0',
      prefix,
      binDir: path.join(prefix, 'root', 'usr', 'bin'),
      moduleDir: path.join(prefix, 'modules'),
    });
    for (const file of Object.values(config.binaries) as string[]) {
      expect(path.dirname(file)).toBe(path.join(prefix, 'root', 'usr', 'bin'));
    }
    expect(configToEnv(config).QEMU_RELEASE).toBe('10.0');
  });

  test('an explicit *_PROG still wins', () => {
    install('10.0');
    const own = writeExecutable(cwd, 'my-qemu-img');
    const config = resolveConfig({ env: env({ QEMU_RELEASE: '10.0', QEMU_IMG_PROG: own }), cwd });
    expect(config.binaries.qemuImg).toBe(own);
  });

  test('from testEnvironmentOptions as qemuRelease', () => {
    install('10.0');
    const config = resolveConfig({ env: env({}), options: { qemuRelease: '10.0' }, cwd });
    expect(config.qemuRelease?.name).toBe('10.0');
  });

  test.each([
    [{ QEMU_RELEASE: '9.9' }, 'not a QEMU release setup installs'],
    [{ QEMU_RELEASE: '10.0' }, 'not installed'],
  ])('%j is refused: %s', (extra, problem) => {
    expect(() => resolveConfig({ env: env(extra), cwd })).toThrow(ConfigError);
    expect(() => resolveConfig({ env: env(extra), cwd })).toThrow(problem);
  });

  test('with QEMU_BUILD_DIR it is ambiguous and refused', () => {
    install('10.0');
    expect(() =>
      resolveConfig({ env: env({ QEMU_RELEASE: '10.0', QEMU_BUILD_DIR: pathDir }), cwd }),
    ).toThrow('set together with QEMU_BUILD_DIR');
  });
});

describe('IOTESTS_REFERENCE_BASE', () => {
  test('a release name, or unset', () => {
    expect(resolveConfig({ env: env({}), cwd }).referenceBase).toBeUndefined();
    expect(
      resolveConfig({ env: env({}), options: { referenceBase: '7.2' }, cwd }).referenceBase,
    ).toBe('7.2');
    expect(() => resolveConfig({ env: env({ IOTESTS_REFERENCE_BASE: 'latest' }), cwd })).toThrow(
      'not a QEMU release',
    );
  });
});
