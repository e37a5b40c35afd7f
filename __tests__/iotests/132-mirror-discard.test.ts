/**
 * @qemu-vm none
 * @group rw quick
 */
// QEMU iotest 132: mirror with unmap, ported from the unittest-style Python test. setUp and
// tearDown start and stop the case's own VM. Nothing here steps the virtual clock or pauses
// I/O, so the guest's own reads under tcg do not matter and the case runs as it is.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { iotests, VM } from 'qemu-iotests';
import type { Requirements } from 'qemu-iotests';

const REQUIREMENTS: Requirements = { formats: ['raw', 'qcow2'], protocols: ['file'] };
iotests.requires(REQUIREMENTS);

const testImg = iotests.filePath('test.img');
const targetImg = iotests.filePath('target.img');

describe('TestSingleDrive', () => {
  const imageLen = 2 * 1024 * 1024;
  let vm: VM;

  beforeEach(async () => {
    // Data to compare later.
    await iotests.qemuImg('create', '-f', iotests.imgfmt, testImg, String(imageLen));
    await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write -P0x5d 0 2M', testImg);

    vm = new VM().addDrive(testImg, { opts: 'discard=unmap' });
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(testImg);
    iotests.tryRemove(targetImg);
  });

  test('test_mirror_discard', async () => {
    expect(
      await vm.qmp('drive-mirror', { device: 'drive0', sync: 'full', target: targetImg }),
    ).toMatchQmp('return', {});
    await vm.hmpQemuIo('drive0', 'discard 0 64k');
    await vm.completeAndWait({ drive: 'drive0' });
    await vm.shutdown();
    // target image does not match source after mirroring
    expect(await iotests.compareImages(testImg, targetImg)).toBe(true);
  });
});
