/** @qemu-vm none */
// QEMU iotest 298: the preallocate filter. Writes past EOF preallocate the file (it grows well
// beyond the data), the preallocation is dropped when the image closes or becomes read-only,
// reopen can change prealloc-size/-align, and truncate through the filter ends up like truncate
// without it.
import { rmSync, statSync } from 'node:fs';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { QemuIoInteractive, VM, iotests } from 'qemu-iotests';

/** The file's requirements (the original's main(supported_fmts=..., required_fmts=...)). */
function requireFileSupport(): void {
  iotests.requires({ formats: ['qcow2'], requiredFormats: ['preallocate'] });
}

requireFileSupport();

const MiB = 1024 * 1024;
const disk = (): string => path.join(iotests.testDir, 'disk');
const overlay = (): string => path.join(iotests.testDir, 'overlay');
const refdisk = (): string => path.join(iotests.testDir, 'refdisk');
const driveOpts = (): string =>
  `node-name=disk,driver=${iotests.imgfmt},` +
  'file.node-name=filter,file.driver=preallocate,' +
  `file.file.node-name=file,file.file.filename=${disk()}`;

function checkBig(): void {
  expect(statSync(disk()).size).toBeGreaterThan(100 * MiB);
}

function checkSmall(): void {
  expect(statSync(disk()).size).toBeLessThan(10 * MiB);
}

/**
 * TestPreallocateBase's setUp and tearDown; a subclass's own steps go after the base's setUp
 * (`setUp`) and before the base's tearDown (`tearDown`), as its super() calls place them.
 */
function usePreallocateBase(
  subclass: { setUp?: () => Promise<void>; tearDown?: () => Promise<void> } = {},
): void {
  beforeEach(async () => {
    await iotests.qemuImgCreate('-f', iotests.imgfmt, disk(), String(10 * MiB));
    await subclass.setUp?.();
  });

  afterEach(async () => {
    await subclass.tearDown?.();
    try {
      checkSmall();
      const check = await iotests.qemuImgCheck(disk());
      expect(check).not.toHaveProperty('leaks');
      expect(check).not.toHaveProperty('corruptions');
      expect(check).toHaveProperty('check-errors', 0);
    } finally {
      rmSync(disk());
    }
  });
}

describe('TestQemuImg', () => {
  usePreallocateBase();

  test('test_qemu_img', async () => {
    const p = await QemuIoInteractive.start('--image-opts', driveOpts());
    try {
      await p.cmd('write 0 1M');
      await p.cmd('flush');
      checkBig();
    } finally {
      await p.close();
    }
  });
});

describe('TestPreallocateFilter', () => {
  let vm: VM;
  usePreallocateBase({
    setUp: async () => {
      vm = new VM().addDrive(null, { opts: driveOpts() });
      await vm.launch();
    },
    tearDown: () => vm.shutdown(),
  });

  async function testPrealloc(): Promise<void> {
    await vm.hmpQemuIo('drive0', 'write 0 1M');
    checkBig();
  }

  test('test_prealloc', async () => {
    await testPrealloc();
  });

  test('test_external_snapshot', async () => {
    await testPrealloc();

    const result = await vm.qmp('blockdev-snapshot-sync', {
      node_name: 'disk',
      snapshot_file: overlay(),
      snapshot_node_name: 'overlay',
    });
    expect(result).toMatchQmp('return', {});

    // The base is reopened read-only: its preallocation must go.
    checkSmall();

    await vm.hmpQemuIo('drive0', 'write 1M 1M');

    expect(await vm.qmp('block-commit', { device: 'overlay' })).toMatchQmp('return', {});
    await vm.completeAndWait();

    // Committing the new megabyte preallocates again.
    checkBig();
  });

  test('test_reopen_opts', async () => {
    const result = await vm.qmp('blockdev-reopen', {
      options: [
        {
          'node-name': 'disk',
          driver: iotests.imgfmt,
          file: {
            'node-name': 'filter',
            driver: 'preallocate',
            'prealloc-size': 20 * MiB,
            'prealloc-align': 5 * MiB,
            file: { 'node-name': 'file', driver: 'file', filename: disk() },
          },
        },
      ],
    });
    expect(result).toMatchQmp('return', {});

    await vm.hmpQemuIo('drive0', 'write 0 1M');
    expect(statSync(disk()).size).toBe(25 * MiB);
  });
});

describe('TestTruncate', () => {
  beforeEach(async () => {
    await iotests.qemuImgCreate('-f', iotests.imgfmt, disk(), String(10 * MiB));
    await iotests.qemuImgCreate('-f', iotests.imgfmt, refdisk(), String(10 * MiB));
  });

  afterEach(() => {
    rmSync(disk());
    rmSync(refdisk());
  });

  async function doTest(preallocMode: string, newSize: string): Promise<void> {
    const truncate = `truncate -m ${preallocMode} ${newSize}`;
    await iotests.qemuIo('--image-opts', '-c', 'write 0 10M', '-c', truncate, driveOpts());
    await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write 0 10M', '-c', truncate, refdisk());

    const stat = statSync(disk());
    const refstat = statSync(refdisk());

    // The filter may one day keep the shrunk preallocation cluster-aligned: allow a small
    // difference.
    expect(Math.abs(stat.size - refstat.size)).toBeLessThan(64 * 1024);

    // The filter may leak some internal clusters (e.g. a guest write far beyond EOF leaves the
    // skipped clusters fallocated; the filter only drops trailing preallocation).
    expect(Math.abs(stat.blocks - refstat.blocks) * 512).toBeLessThan(1024 * 1024);
  }

  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ['test_real_shrink', 'off', '5M'],
    ['test_truncate_inside_preallocated_area__falloc', 'falloc', '50M'],
    ['test_truncate_inside_preallocated_area__metadata', 'metadata', '50M'],
    ['test_truncate_inside_preallocated_area__full', 'full', '50M'],
    ['test_truncate_inside_preallocated_area__off', 'off', '50M'],
    ['test_truncate_over_preallocated_area__falloc', 'falloc', '150M'],
    ['test_truncate_over_preallocated_area__metadata', 'metadata', '150M'],
    ['test_truncate_over_preallocated_area__full', 'full', '150M'],
    ['test_truncate_over_preallocated_area__off', 'off', '150M'],
  ];
  for (const [name, mode, size] of cases) {
    test(name, async () => {
      await doTest(mode, size);
    });
  }
});
