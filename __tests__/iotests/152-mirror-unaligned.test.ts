/**
 * @qemu-vm none
 * @group rw quick
 */
// QEMU iotest 152: drive-mirror of an image smaller than the mirror granularity (512 bytes with a
// 64 KiB granularity) must give a target of the source's size, also with a write in between.
import { rmSync } from 'node:fs';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { VM, iotests } from 'qemu-iotests';

/** The file's requirements (the original's main(supported_fmts=..., supported_protocols=...)). */
function requireFileSupport(): void {
  iotests.requires({ formats: ['raw', 'qcow2'], protocols: ['file'] });
}

requireFileSupport();

describe('TestUnaligned', () => {
  const testImg = (): string => path.join(iotests.testDir, 'test.img');
  const targetImg = (): string => path.join(iotests.testDir, 'target.img');
  let vm: VM;

  beforeEach(async () => {
    await iotests.qemuImg('create', '-f', iotests.imgfmt, testImg(), '512');
    vm = new VM().addDrive(testImg());
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    rmSync(testImg());
    rmSync(targetImg(), { force: true });
  });

  async function startMirror(): Promise<void> {
    // The original does not check this reply; completeAndWait fails if there is no job.
    await vm.qmp('drive-mirror', {
      device: 'drive0',
      sync: 'full',
      granularity: 65536,
      target: targetImg(),
    });
  }

  async function expectSameSize(): Promise<void> {
    // Otherwise: the target's size does not match the source's with an unaligned granularity.
    expect(await iotests.imageSize(targetImg())).toBe(await iotests.imageSize(testImg()));
  }

  test('test_unaligned', async () => {
    await startMirror();
    await vm.completeAndWait();
    await vm.shutdown();
    await expectSameSize();
  });

  test('test_unaligned_with_update', async () => {
    await startMirror();
    await vm.waitReady();
    await vm.hmpQemuIo('drive0', 'write 0 512');
    await vm.completeAndWait({ waitReady: false });
    await vm.shutdown();
    await expectSameSize();
  });
});
