import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { resolveConfig, type ConfigSource } from '../../../src/config';
import { cleanup, makeFakeBinDir, makeTempDir } from './fake-tools';

let binDir: string;
let cwd: string;
const env = (extra: ConfigSource = {}): ConfigSource => ({ PATH: binDir, ...extra });

beforeAll(() => {
  binDir = makeFakeBinDir();
  cwd = makeTempDir('cwd');
});
afterAll(() => cleanup(binDir, cwd));

describe('environment over testEnvironmentOptions over defaults', () => {
  test('options fill in what the environment lacks', () => {
    const config = resolveConfig({
      env: env(),
      options: { IMGFMT: 'qcow2', CACHEMODE: 'none' },
      cwd,
    });
    expect(config.imgfmt).toBe('qcow2');
    expect(config.cachemode).toBe('none');
    expect(config.cachemodeIsDefault).toBe(false);
  });

  test('the environment wins over options', () => {
    const config = resolveConfig({
      env: env({ IMGFMT: 'vmdk', AIOMODE: 'io_uring' }),
      options: { IMGFMT: 'qcow2', AIOMODE: 'threads' },
      cwd,
    });
    expect(config.imgfmt).toBe('vmdk');
    expect(config.aiomode).toBe('io_uring');
  });

  test('an empty environment value counts as unset', () => {
    const config = resolveConfig({ env: env({ IMGFMT: '' }), options: { IMGFMT: 'qed' }, cwd });
    expect(config.imgfmt).toBe('qed');
    expect(resolveConfig({ env: env({ IMGFMT: '' }), cwd }).imgfmt).toBe('raw');
  });

  test('numbers and booleans from Jest options are accepted', () => {
    const config = resolveConfig({
      env: env(),
      options: { IOTESTS_QMP_TIMEOUT: 2, PRINT_QEMU: true, MISALIGN: false },
      cwd,
    });
    expect(config.timeouts.qmpCommandMs).toBe(2000);
    expect(config.printQemu).toBe(true);
    expect(config.misalign).toBe(false);
  });

  test('unrelated options of other environments are ignored', () => {
    const config = resolveConfig({
      env: env(),
      options: { customExportConditions: ['node'], html: { url: 'x' } },
      cwd,
    });
    expect(config.imgfmt).toBe('raw');
  });

  test('errors point at testEnvironmentOptions when the value came from there', () => {
    expect(() => resolveConfig({ env: env(), options: { CACHEMODE: 'fast' }, cwd })).toThrow(
      /^testEnvironmentOptions\.CACHEMODE="fast": not a cache mode/,
    );
  });

  test('relative paths are resolved against cwd', () => {
    const config = resolveConfig({ env: env(), options: { TEST_DIR: 'work' }, cwd });
    expect(config.testDir).toBe(path.join(cwd, 'work'));
  });
});
