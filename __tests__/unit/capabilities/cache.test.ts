import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import {
  computeCacheKey,
  isCachedCapabilities,
  readCache,
  writeCache,
  type CachedCapabilities,
} from '../../../src/capabilities/cache';
import { resolveConfig, type IotestsConfig } from '../../../src/config';
import { cleanup, makeFakeBinDir, makeTempDir } from '../config/fake-tools';

let binDir: string;
let cacheDir: string;
let config: IotestsConfig;

const sample: CachedCapabilities = {
  qemuVersion: '7.2.22',
  qemuVersionFull: 'QEMU emulator version 7.2.22',
  accelerators: ['tcg'],
  hasQtest: false,
  accelerator: 'tcg',
  formatsRw: ['raw'],
  formatsRo: ['raw'],
  devices: ['virtio-blk-pci'],
  hasVirtioBlk: true,
  hasVirtioScsi: false,
  defaultMachine: undefined,
  tools: {
    qemuImg: { path: '/q/img', version: '7.2.22', present: true },
    qemuIo: { path: '/q/io', version: undefined, present: false },
    qemuNbd: { path: '/q/nbd', version: '7.2.22', present: true },
    qsd: { path: '/q/qsd', version: '7.2.22', present: true },
  },
  luks: { working: false, reason: 'no crypto' },
  quorum: true,
  qcow2Zstd: true,
};

beforeEach(() => {
  binDir = makeFakeBinDir();
  cacheDir = path.join(makeTempDir('cache'), 'capabilities');
  config = resolveConfig({ env: { PATH: binDir } });
});
afterEach(() => cleanup(binDir, path.dirname(cacheDir)));

describe('cache key', () => {
  test('is stable while nothing changes', async () => {
    expect(await computeCacheKey(config)).toBe(await computeCacheKey(config));
  });

  test("changes with a binary's mtime", async () => {
    const before = await computeCacheKey(config);
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(config.binaries.qemuNbd, later, later);
    expect(await computeCacheKey(config)).not.toBe(before);
  });

  test("changes with a binary's size", async () => {
    const before = await computeCacheKey(config);
    const stat = fs.statSync(config.binaries.qsd);
    fs.appendFileSync(config.binaries.qsd, '# longer\n');
    fs.utimesSync(config.binaries.qsd, stat.atime, stat.mtime);
    expect(await computeCacheKey(config)).not.toBe(before);
  });

  test('changes with the options the probes pass, not with TEST_DIR', async () => {
    const before = await computeCacheKey(config);
    expect(await computeCacheKey({ ...config, testDir: '/elsewhere' })).toBe(before);
    expect(await computeCacheKey({ ...config, qemuOptions: ['-nodefaults'] })).not.toBe(before);
    expect(await computeCacheKey({ ...config, qemuImgOptions: ['-U'] })).not.toBe(before);
  });

  test('is undefined when a binary is gone (nothing to key on)', async () => {
    fs.rmSync(config.binaries.qemuIo);
    expect(await computeCacheKey(config)).toBeUndefined();
  });
});

describe('cache files', () => {
  test('round trip in a private directory', async () => {
    const key = (await computeCacheKey(config)) ?? '';
    await writeCache(cacheDir, key, sample);
    expect(await readCache(cacheDir, key)).toEqual(JSON.parse(JSON.stringify(sample)));
    expect(fs.statSync(cacheDir).mode & 0o777).toBe(0o700);
    const [file] = fs.readdirSync(cacheDir);
    expect(fs.statSync(path.join(cacheDir, file)).mode & 0o777).toBe(0o600);
  });

  test('the key secret never reaches the file', async () => {
    const secretConfig = { ...config, imgKeySecret: 'very-secret-42' };
    const key = (await computeCacheKey(secretConfig)) ?? '';
    await writeCache(cacheDir, key, sample);
    const [file] = fs.readdirSync(cacheDir);
    expect(fs.readFileSync(path.join(cacheDir, file), 'utf8')).not.toContain('very-secret-42');
  });

  test('another key misses', async () => {
    await writeCache(cacheDir, 'a'.repeat(64), sample);
    expect(await readCache(cacheDir, 'b'.repeat(64))).toBeUndefined();
  });

  test('damaged or foreign files miss instead of failing', async () => {
    const key = 'c'.repeat(64);
    await writeCache(cacheDir, key, sample);
    const [file] = fs.readdirSync(cacheDir);
    const entry = path.join(cacheDir, file);
    fs.writeFileSync(entry, '{"schema": 1, "key": "');
    expect(await readCache(cacheDir, key)).toBeUndefined();
    fs.writeFileSync(entry, JSON.stringify({ schema: 0, key, capabilities: sample }));
    expect(await readCache(cacheDir, key)).toBeUndefined();
    fs.writeFileSync(
      entry,
      JSON.stringify({ schema: 1, key, capabilities: { ...sample, luks: 1 } }),
    );
    expect(await readCache(cacheDir, key)).toBeUndefined();
  });

  test('a cache path that is a file is ignored and writing does not throw', async () => {
    fs.mkdirSync(path.dirname(cacheDir), { recursive: true });
    fs.writeFileSync(cacheDir, 'not a dir');
    await expect(writeCache(cacheDir, 'd'.repeat(64), sample)).resolves.toBeUndefined();
    expect(await readCache(cacheDir, 'd'.repeat(64))).toBeUndefined();
  });

  test('a symlinked cache directory is not trusted', async () => {
    const real = path.join(path.dirname(cacheDir), 'real');
    await writeCache(real, 'e'.repeat(64), sample);
    fs.symlinkSync(real, cacheDir);
    expect(await readCache(real, 'e'.repeat(64))).toBeDefined();
    expect(await readCache(cacheDir, 'e'.repeat(64))).toBeUndefined();
  });
});

describe('isCachedCapabilities', () => {
  test('accepts the full shape and rejects partial ones', () => {
    expect(isCachedCapabilities(sample)).toBe(true);
    expect(isCachedCapabilities({ ...sample, devices: 'virtio' })).toBe(false);
    const withoutQuorum: Partial<CachedCapabilities> = { ...sample };
    delete withoutQuorum.quorum;
    expect(isCachedCapabilities(withoutQuorum)).toBe(false);
    expect(isCachedCapabilities({ ...sample, tools: { ...sample.tools, qsd: null } })).toBe(false);
    expect(isCachedCapabilities(null)).toBe(false);
  });
});
