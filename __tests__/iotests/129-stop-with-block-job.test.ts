/**
 * @qemu-vm none
 * @group rw quick
 */
// QEMU iotest 129: "stop" (bdrv_drain_all) must not drain block jobs on a throttled drive,
// ported from the unittest-style Python test. Every setUp/tearDown starts and stops its own VM.
//
// Unlike the other job tests ported here, the guest CPU runs (no -S): "stop" only stops a
// running VM and drains its block devices; on a VM still waiting for "cont" it stops nothing and
// the drain this test is about would never happen. The guest's reads through the throttled
// drive do not matter here. No case steps the virtual clock, so none needs qtest.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { iotests, VM } from 'qemu-iotests';
import type { QmpCallParameters, QmpCommand, Requirements } from 'qemu-iotests';

const REQUIREMENTS: Requirements = { formats: ['qcow2'], protocols: ['file'] };
iotests.requires(REQUIREMENTS);

describe('TestStopWithBlockJob', () => {
  const testImg = iotests.filePath('test.img');
  const targetImg = iotests.filePath('target.img');
  const baseImg = iotests.filePath('base.img');
  const overlayImg = iotests.filePath('overlay.img');
  let vm: VM;

  beforeEach(async () => {
    await iotests.qemuImg('create', '-f', iotests.imgfmt, baseImg, '1G');
    await iotests.qemuImg(
      'create',
      '-f',
      iotests.imgfmt,
      testImg,
      '-b',
      baseImg,
      '-F',
      iotests.imgfmt,
    );
    await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write -P0x5d 1M 128M', testImg);
    vm = new VM();
    vm.addObject('throttle-group,id=tg0,x-bps-total=1024');

    const sourceDrive = [
      'driver=throttle',
      'node-name=source',
      'throttle-group=tg0',
      `file.driver=${iotests.imgfmt}`,
      `file.file.filename=${testImg}`,
    ].join(',');

    vm.addDrive(null, { opts: sourceDrive });
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    for (const img of [testImg, targetImg, baseImg, overlayImg]) {
      iotests.tryRemove(img);
    }
  });

  /** 'stop' while a job runs on the throttled drive must not drain the job. */
  async function doTestStop<C extends QmpCommand>(
    cmd: C,
    ...args: QmpCallParameters<C>
  ): Promise<void> {
    expect(await vm.qmp(cmd, ...args)).toMatchQmp('return', {});

    expect(await vm.qmp('stop')).toMatchQmp('return', {});
    const result = await vm.qmp('query-block-jobs');

    expect(result).toMatchQmp('return[0]/status', 'running');
    expect(result).toMatchQmp('return[0]/ready', false);
  }

  test('test_drive_mirror', () =>
    doTestStop('drive-mirror', {
      device: 'drive0',
      target: targetImg,
      format: iotests.imgfmt,
      sync: 'full',
      buf_size: 65536,
    }));

  test('test_drive_backup', () =>
    // Few, small block-copy workers, so that stop's bdrv_drain_all() cannot finish the job.
    doTestStop('drive-backup', {
      device: 'drive0',
      target: targetImg,
      format: iotests.imgfmt,
      sync: 'full',
      x_perf: { 'max-chunk': 65536, 'max-workers': 8 },
    }));

  test('test_block_commit', async () => {
    // An overlay above the source node, so that this is a real commit job and not a mirror.
    await iotests.qemuImg('create', '-f', iotests.imgfmt, overlayImg, '1G');

    expect(
      await vm.qmp('blockdev-add', {
        'node-name': 'overlay',
        driver: iotests.imgfmt,
        file: { driver: 'file', filename: overlayImg },
      }),
    ).toMatchQmp('return', {});

    expect(await vm.qmp('blockdev-snapshot', { node: 'source', overlay: 'overlay' })).toMatchQmp(
      'return',
      {},
    );

    await doTestStop('block-commit', { device: 'drive0', top_node: 'source' });
  });
});
