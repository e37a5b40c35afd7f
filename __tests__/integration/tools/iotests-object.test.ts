// The `iotests` object the README promises: the seed's module-level names a Python iotest uses
// (`iotests.qemu_img(...)`, `iotests.qemu_prog`, ...) are members, working against real QEMU.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { iotests, NotRunError } from '../../../src';
import type { ToolsRuntime } from './tools-runtime';
import { setUpToolsRuntime, tearDownToolsRuntime } from './tools-runtime';

let rt: ToolsRuntime | undefined;

beforeAll(async () => {
  rt = await setUpToolsRuntime({ IMGFMT: 'qcow2', IMGOPTS: 'cluster_size=4096' });
});

afterAll(async () => {
  await tearDownToolsRuntime(rt);
});

describe("the seed's qemu_img('create', ...) is iotests.qemuImgStatus('create', ...)", () => {
  test('it returns the exit status and, like the seed, adds IMGOPTS to IMGFMT images only', async () => {
    const img = iotests.filePath('status.qcow2');
    const raw = iotests.filePath('status.raw');
    expect(await iotests.qemuImgStatus('create', '-f', iotests.imgfmt, img, '1M')).toBe(0);
    expect(await iotests.qemuImgInfo('-f', 'qcow2', img)).toMatchObject({ 'cluster-size': 4096 });
    // raw has no cluster_size option: creating it succeeds only because IMGOPTS stays out.
    expect(await iotests.qemuImgStatus('create', '-f', 'raw', raw, '1M')).toBe(0);
    expect(await iotests.qemuImgStatus('info', iotests.filePath('missing.img'))).toBe(1);
  });
});

test('iotests.supportsQcow2ZstdCompression() answers what iotests.capabilities.qcow2Zstd says', async () => {
  expect(await iotests.supportsQcow2ZstdCompression()).toBe(iotests.capabilities.qcow2Zstd);
  expect(existsSync(path.join(iotests.testDir, `${process.pid}-qcow2-zstd-test.qcow2`))).toBe(
    false,
  );
});

describe('the binaries and tool command lines (qemu_prog, qemu_img_args, ...)', () => {
  test.each([
    ['qemuProg', /^qemu-system-/],
    ['qemuImgProg', /^qemu-img$/],
    ['qemuIoProg', /^qemu-io$/],
    ['qemuNbdProg', /^qemu-nbd$/],
    ['qsdProg', /^qemu-storage-daemon$/],
  ] as const)('iotests.%s is the configured binary, absolute and runnable', (name, basename) => {
    const binary = iotests[name];
    expect(path.isAbsolute(binary)).toBe(true);
    expect(path.basename(binary)).toMatch(basename);
    accessSync(binary, constants.X_OK);
    const version = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/\b\d+\.\d+\.\d+/);
  });

  test('the argument lists start with their binary; qemu-io names IMGFMT unless asked not to', () => {
    expect(iotests.qemuImgArgs[0]).toBe(iotests.qemuImgProg);
    expect(iotests.qemuIoArgs[0]).toBe(iotests.qemuIoProg);
    expect(iotests.qemuIoArgs.slice(-2)).toEqual(['-f', 'qcow2']);
    expect(iotests.qemuIoArgsNoFmt).not.toContain('-f');
    expect(iotests.qemuNbdArgs[0]).toBe(iotests.qemuNbdProg);
    expect(iotests.qemuOpts).toEqual(iotests.config.qemuOptions);
  });
});

test('iotests.notrun never returns outside a skip handler: it throws NotRunError', () => {
  expect(() => iotests.notrun('needs a host block device')).toThrow(NotRunError);
});

test('iotests.createImage writes the image at the path it is given', async () => {
  const image = iotests.filePath('marked.img');
  await iotests.createImage(image, 4096);
  const map = await iotests.qemuIo('-f', 'raw', '-c', 'read -P 0 4 504', image);
  expect(map.stdout).toContain('read 504/504 bytes at offset 4');
});
