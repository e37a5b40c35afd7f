/**
 * @qemu-vm none
 * @group rw auto
 */
// QEMU iotest 040: live block commit, ported from the unittest-style Python test. Each TestCase
// class is a describe block; every setUp/tearDown starts and stops its own VM.
//
// Running under tcg instead of qtest: the Python test was written for the qtest accelerator,
// where no guest code runs. Under tcg SeaBIOS reads the boot disk shortly after start; that read
// can take the one-shot blkdebug breakpoint of pauseDrive (TestSetSpeed), leaving the job
// unthrottled and the guest request suspended, so the cancel never drains. So every VM here
// starts with its CPU stopped (-S), which restores the "no guest code" the test relies on;
// nothing here needs a running guest (SCSI hot-unplug completes without guest help). No case
// steps the virtual clock, so none needs qtest.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdirSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { filters, iotests, VM } from 'qemu-iotests';
import type { Qapi, QmpArguments, QmpObject, QmpResponse, Requirements } from 'qemu-iotests';

const REQUIREMENTS: Requirements = { formats: ['qcow2', 'qed'], protocols: ['file'] };
iotests.requires(REQUIREMENTS);

const MiB = 1024 * 1024;
const backingImg = iotests.filePath('backing.img');
const midImg = iotests.filePath('mid.img');
const testImg = iotests.filePath('test.img');

/** `qemu-img create -f IMGFMT -o backing_file=<backing> -F <backingFmt> <img> [size]`. */
async function createOverlay(
  img: string,
  backing: string,
  backingFmt: string,
  ...size: string[]
): Promise<void> {
  await iotests.qemuImg(
    'create',
    '-f',
    iotests.imgfmt,
    '-o',
    `backing_file=${backing}`,
    '-F',
    backingFmt,
    img,
    ...size,
  );
}

// ImageCommitTestCase: follow a commit job on drive0 to its end, completing it when it is ready.
async function waitForComplete(vm: VM, needReady = false): Promise<void> {
  let completed = false;
  let ready = false;
  while (!completed) {
    for (const event of await vm.getQmpEvents({ wait: true })) {
      if (event.event === 'BLOCK_JOB_COMPLETED') {
        expect(event).not.toHaveQmpPath('data/error');
        expect(event).toMatchQmp('data/type', 'commit');
        expect(event).toMatchQmp('data/device', 'drive0');
        expect(event).toMatchQmp('data/offset', event.data?.len);
        if (needReady) {
          // Expecting BLOCK_JOB_COMPLETED event
          expect(ready).toBe(true);
        }
        completed = true;
      } else if (event.event === 'BLOCK_JOB_READY') {
        ready = true;
        expect(event).toMatchQmp('data/type', 'commit');
        expect(event).toMatchQmp('data/device', 'drive0');
        await vm.qmp('block-job-complete', { device: 'drive0' });
      }
    }
  }

  await expect(vm).toHaveNoActiveBlockJobs();
  await vm.shutdown();
}

async function runCommitTest(
  vm: VM,
  top: string,
  base: string,
  options: { needReady?: boolean; nodeNames?: boolean } = {},
): Promise<void> {
  await expect(vm).toHaveNoActiveBlockJobs();
  const result = options.nodeNames
    ? await vm.qmp('block-commit', { device: 'drive0', top_node: top, base_node: base })
    : await vm.qmp('block-commit', { device: 'drive0', top, base });
  expect(result).toMatchQmp('return', {});
  await waitForComplete(vm, options.needReady);
}

async function runDefaultCommitTest(vm: VM): Promise<void> {
  await expect(vm).toHaveNoActiveBlockJobs();
  expect(await vm.qmp('block-commit', { device: 'drive0' })).toMatchQmp('return', {});
  await waitForComplete(vm);
}

/**
 * TestSingleDrive, and with imageLen 0 its subclass TestActiveZeroLengthImage (every case of
 * the parent again, on empty images).
 */
function singleDriveCases(name: string, imageLen: number): void {
  describe(name, () => {
    let vm: VM;

    /** The data commit must have moved into backing.img (read -P fails the test otherwise). */
    async function checkBackingData(): Promise<void> {
      await iotests.qemuIo('-f', 'raw', '-c', 'read -P 0xab 0 524288', backingImg);
      await iotests.qemuIo('-f', 'raw', '-c', 'read -P 0xef 524288 524288', backingImg);
    }

    beforeEach(async () => {
      await iotests.createImage(backingImg, imageLen);
      await createOverlay(midImg, backingImg, 'raw');
      await createOverlay(testImg, midImg, iotests.imgfmt);
      if (imageLen > 0) {
        await iotests.qemuIo('-f', 'raw', '-c', 'write -P 0xab 0 524288', backingImg);
        await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write -P 0xef 524288 524288', midImg);
      }
      vm = new VM({ paused: true }).addDrive(testImg, {
        opts: 'node-name=top,backing.node-name=mid,backing.backing.node-name=base',
        interface: 'none',
      });
      vm.addDevice('virtio-scsi');
      vm.addDevice('scsi-hd,id=scsi0,drive=drive0');
      await vm.launch();
    });

    afterEach(async () => {
      await vm.shutdown();
      iotests.tryRemove(testImg);
      iotests.tryRemove(midImg);
      iotests.tryRemove(backingImg);
    });

    test('test_commit', async () => {
      await runCommitTest(vm, midImg, backingImg);
      if (imageLen === 0) {
        return;
      }
      await checkBackingData();
    });

    test('test_commit_node', async () => {
      await runCommitTest(vm, 'mid', 'base', { nodeNames: true });
      if (imageLen === 0) {
        return;
      }
      await checkBackingData();
    });

    test('test_commit_with_filter_and_quit', async () => {
      iotests.requires({ requiredFormats: ['throttle'] });
      expect(await vm.qmp('object-add', { qom_type: 'throttle-group', id: 'tg' })).toMatchQmp(
        'return',
        {},
      );

      // A filter outside of the backing chain.
      expect(
        await vm.qmp('blockdev-add', {
          driver: 'throttle',
          node_name: 'filter',
          throttle_group: 'tg',
          file: 'mid',
        }),
      ).toMatchQmp('return', {});

      expect(await vm.qmp('block-commit', { device: 'drive0' })).toMatchQmp('return', {});

      // Quit at once: the job's cancellation and bdrv_drain_all() happen together.
      expect(await vm.qmp('quit')).toMatchQmp('return', {});
    });

    // The same, with the filter added after the job started.
    test('test_commit_plus_filter_and_quit', async () => {
      iotests.requires({ requiredFormats: ['throttle'] });
      expect(await vm.qmp('object-add', { qom_type: 'throttle-group', id: 'tg' })).toMatchQmp(
        'return',
        {},
      );

      expect(await vm.qmp('block-commit', { device: 'drive0' })).toMatchQmp('return', {});

      // A filter outside of the backing chain.
      expect(
        await vm.qmp('blockdev-add', {
          driver: 'throttle',
          node_name: 'filter',
          throttle_group: 'tg',
          file: 'mid',
        }),
      ).toMatchQmp('return', {});

      // Quit at once: the job's cancellation and bdrv_drain_all() happen together.
      expect(await vm.qmp('quit')).toMatchQmp('return', {});
    });

    test('test_device_not_found', async () => {
      expect(await vm.qmp('block-commit', { device: 'nonexistent', top: midImg })).toMatchQmp(
        'error/class',
        'DeviceNotFound',
      );
    });

    test('test_top_same_base', async () => {
      await expect(vm).toHaveNoActiveBlockJobs();
      const result = await vm.qmp('block-commit', {
        device: 'drive0',
        top: backingImg,
        base: backingImg,
      });
      expect(result).toMatchQmp('error/class', 'GenericError');
      expect(result).toMatchQmp('error/desc', `Can't find '${backingImg}' in the backing chain`);
    });

    test('test_top_invalid', async () => {
      await expect(vm).toHaveNoActiveBlockJobs();
      const result = await vm.qmp('block-commit', {
        device: 'drive0',
        top: 'badfile',
        base: backingImg,
      });
      expect(result).toMatchQmp('error/class', 'GenericError');
      expect(result).toMatchQmp('error/desc', 'Top image file badfile not found');
    });

    test('test_base_invalid', async () => {
      await expect(vm).toHaveNoActiveBlockJobs();
      const result = await vm.qmp('block-commit', {
        device: 'drive0',
        top: midImg,
        base: 'badfile',
      });
      expect(result).toMatchQmp('error/class', 'GenericError');
      expect(result).toMatchQmp('error/desc', "Can't find 'badfile' in the backing chain");
    });

    test('test_top_node_invalid', async () => {
      await expect(vm).toHaveNoActiveBlockJobs();
      const result = await vm.qmp('block-commit', {
        device: 'drive0',
        top_node: 'badfile',
        base_node: 'base',
      });
      expect(result).toMatchQmp('error/class', 'GenericError');
      expect(result).toMatchQmp('error/desc', "Cannot find device='' nor node-name='badfile'");
    });

    test('test_base_node_invalid', async () => {
      await expect(vm).toHaveNoActiveBlockJobs();
      const result = await vm.qmp('block-commit', {
        device: 'drive0',
        top_node: 'mid',
        base_node: 'badfile',
      });
      expect(result).toMatchQmp('error/class', 'GenericError');
      expect(result).toMatchQmp('error/desc', "Cannot find device='' nor node-name='badfile'");
    });

    test('test_top_path_and_node', async () => {
      await expect(vm).toHaveNoActiveBlockJobs();
      const result = await vm.qmp('block-commit', {
        device: 'drive0',
        top_node: 'mid',
        base_node: 'base',
        top: midImg,
      });
      expect(result).toMatchQmp('error/class', 'GenericError');
      expect(result).toMatchQmp('error/desc', "'top-node' and 'top' are mutually exclusive");
    });

    test('test_base_path_and_node', async () => {
      await expect(vm).toHaveNoActiveBlockJobs();
      const result = await vm.qmp('block-commit', {
        device: 'drive0',
        top_node: 'mid',
        base_node: 'base',
        base: backingImg,
      });
      expect(result).toMatchQmp('error/class', 'GenericError');
      expect(result).toMatchQmp('error/desc', "'base-node' and 'base' are mutually exclusive");
    });

    test('test_top_is_active', async () => {
      await runCommitTest(vm, testImg, backingImg, { needReady: true });
      if (imageLen === 0) {
        return;
      }
      await checkBackingData();
    });

    test('test_top_is_default_active', async () => {
      await runDefaultCommitTest(vm);
      if (imageLen === 0) {
        return;
      }
      await checkBackingData();
    });

    test('test_top_and_base_reversed', async () => {
      await expect(vm).toHaveNoActiveBlockJobs();
      const result = await vm.qmp('block-commit', {
        device: 'drive0',
        top: backingImg,
        base: midImg,
      });
      expect(result).toMatchQmp('error/class', 'GenericError');
      expect(result).toMatchQmp('error/desc', `Can't find '${midImg}' in the backing chain`);
    });

    test('test_top_and_base_node_reversed', async () => {
      await expect(vm).toHaveNoActiveBlockJobs();
      const result = await vm.qmp('block-commit', {
        device: 'drive0',
        top_node: 'base',
        base_node: 'top',
      });
      expect(result).toMatchQmp('error/class', 'GenericError');
      expect(result).toMatchQmp('error/desc', "'top' is not in this backing file chain");
    });

    test('test_top_node_in_wrong_chain', async () => {
      await expect(vm).toHaveNoActiveBlockJobs();

      expect(await vm.qmp('blockdev-add', { driver: 'null-co', node_name: 'null' })).toMatchQmp(
        'return',
        {},
      );

      const result = await vm.qmp('block-commit', {
        device: 'drive0',
        top_node: 'null',
        base_node: 'base',
      });
      expect(result).toMatchQmp('error/class', 'GenericError');
      expect(result).toMatchQmp('error/desc', "'null' is not in this backing file chain");
    });

    // A job on a BlockBackend that goes away with hot unplug is cancelled when the device goes.
    test('test_hot_unplug', async () => {
      if (imageLen === 0) {
        return;
      }

      await expect(vm).toHaveNoActiveBlockJobs();
      expect(
        await vm.qmp('block-commit', {
          device: 'drive0',
          top: midImg,
          base: backingImg,
          speed: imageLen / 4,
        }),
      ).toMatchQmp('return', {});
      expect(await vm.qmp('device_del', { id: 'scsi0' })).toMatchQmp('return', {});

      let cancelled = false;
      let deleted = false;
      while (!cancelled || !deleted) {
        for (const event of await vm.getQmpEvents({ wait: true })) {
          if (event.event === 'DEVICE_DELETED') {
            expect(event).toMatchQmp('data/device', 'scsi0');
            deleted = true;
          } else if (event.event === 'BLOCK_JOB_CANCELLED') {
            expect(event).toMatchQmp('data/device', 'drive0');
            cancelled = true;
          } else if (event.event === 'JOB_STATUS_CHANGE') {
            expect(event).toMatchQmp('data/id', 'drive0');
          } else {
            throw new Error(`Unexpected event ${event.event}`);
          }
        }
      }

      await expect(vm).toHaveNoActiveBlockJobs();
    });

    // The commit_top filter node makes no difference to query-block / query-blockstats.
    test('test_implicit_node', async () => {
      if (imageLen === 0) {
        return;
      }

      await expect(vm).toHaveNoActiveBlockJobs();
      expect(
        await vm.qmp('block-commit', {
          device: 'drive0',
          top: midImg,
          base: backingImg,
          speed: imageLen / 4,
        }),
      ).toMatchQmp('return', {});

      let result: QmpResponse<unknown> = await vm.qmp('query-block');
      expect(result).toMatchQmp('return[0]/inserted/file', testImg);
      expect(result).toMatchQmp('return[0]/inserted/drv', iotests.imgfmt);
      expect(result).toMatchQmp('return[0]/inserted/backing_file', midImg);
      expect(result).toMatchQmp('return[0]/inserted/backing_file_depth', 2);
      expect(result).toMatchQmp('return[0]/inserted/image/filename', testImg);
      expect(result).toMatchQmp('return[0]/inserted/image/backing-image/filename', midImg);
      expect(result).toMatchQmp(
        'return[0]/inserted/image/backing-image/backing-image/filename',
        backingImg,
      );

      result = await vm.qmp('query-blockstats');
      expect(result).toMatchQmp('return[0]/node-name', 'top');
      expect(result).toMatchQmp('return[0]/backing/node-name', 'mid');
      expect(result).toMatchQmp('return[0]/backing/backing/node-name', 'base');

      await vm.cancelAndWait();
      await expect(vm).toHaveNoActiveBlockJobs();
    });
  });
}

singleDriveCases('TestSingleDrive', 2 * MiB);

describe('TestRelativePaths', () => {
  const imageLen = 1 * MiB;
  const dir1 = 'dir1';
  const dir2 = 'dir2/';
  const dir3 = 'dir2/dir3/';
  const relTestImg = path.join(iotests.testDir, dir3, 'test.img');
  // Relative to the image that names them: mid from dir2/dir3, backing from dir2.
  const relMidImg = '../mid.img';
  const relBackingImg = '../dir1/backing.img';
  const backingImgAbs = path.join(iotests.testDir, dir1, 'backing.img');
  const midImgAbs = path.join(iotests.testDir, dir2, 'mid.img');
  let vm: VM;

  beforeEach(async () => {
    for (const dir of [dir1, dir2, dir3]) {
      mkdirSync(path.join(iotests.testDir, dir), { recursive: true });
    }
    await iotests.createImage(backingImgAbs, imageLen);
    await createOverlay(midImgAbs, backingImgAbs, 'raw');
    await createOverlay(relTestImg, midImgAbs, iotests.imgfmt);
    await iotests.qemuImg('rebase', '-u', '-b', relBackingImg, '-F', 'raw', midImgAbs);
    await iotests.qemuImg('rebase', '-u', '-b', relMidImg, '-F', iotests.imgfmt, relTestImg);
    await iotests.qemuIo('-f', 'raw', '-c', 'write -P 0xab 0 524288', backingImgAbs);
    await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write -P 0xef 524288 524288', midImgAbs);
    vm = new VM({ paused: true }).addDrive(relTestImg);
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(relTestImg);
    iotests.tryRemove(midImgAbs);
    iotests.tryRemove(backingImgAbs);
    for (const dir of [dir1, dir3, dir2]) {
      rmdirSync(path.join(iotests.testDir, dir));
    }
  });

  async function checkBackingData(): Promise<void> {
    await iotests.qemuIo('-f', 'raw', '-c', 'read -P 0xab 0 524288', backingImgAbs);
    await iotests.qemuIo('-f', 'raw', '-c', 'read -P 0xef 524288 524288', backingImgAbs);
  }

  test('test_commit', async () => {
    await runCommitTest(vm, relMidImg, relBackingImg);
    await checkBackingData();
  });

  test('test_device_not_found', async () => {
    expect(await vm.qmp('block-commit', { device: 'nonexistent', top: relMidImg })).toMatchQmp(
      'error/class',
      'DeviceNotFound',
    );
  });

  test('test_top_same_base', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();
    const result = await vm.qmp('block-commit', {
      device: 'drive0',
      top: relMidImg,
      base: relMidImg,
    });
    expect(result).toMatchQmp('error/class', 'GenericError');
    expect(result).toMatchQmp('error/desc', `Can't find '${relMidImg}' in the backing chain`);
  });

  test('test_top_invalid', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();
    const result = await vm.qmp('block-commit', {
      device: 'drive0',
      top: 'badfile',
      base: relBackingImg,
    });
    expect(result).toMatchQmp('error/class', 'GenericError');
    expect(result).toMatchQmp('error/desc', 'Top image file badfile not found');
  });

  test('test_base_invalid', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();
    const result = await vm.qmp('block-commit', {
      device: 'drive0',
      top: relMidImg,
      base: 'badfile',
    });
    expect(result).toMatchQmp('error/class', 'GenericError');
    expect(result).toMatchQmp('error/desc', "Can't find 'badfile' in the backing chain");
  });

  test('test_top_is_active', async () => {
    await runCommitTest(vm, relTestImg, relBackingImg);
    await checkBackingData();
  });

  test('test_top_and_base_reversed', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();
    const result = await vm.qmp('block-commit', {
      device: 'drive0',
      top: relBackingImg,
      base: relMidImg,
    });
    expect(result).toMatchQmp('error/class', 'GenericError');
    expect(result).toMatchQmp('error/desc', `Can't find '${relMidImg}' in the backing chain`);
  });
});

describe('TestSetSpeed', () => {
  const imageLen = 80 * MiB;
  let vm: VM;

  beforeEach(async () => {
    await iotests.qemuImg('create', backingImg, String(imageLen));
    await createOverlay(midImg, backingImg, 'raw');
    await createOverlay(testImg, midImg, iotests.imgfmt);
    await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write -P 0x1 0 512', testImg);
    await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write -P 0xef 524288 524288', midImg);
    vm = new VM({ paused: true }).addDrive(`blkdebug::${testImg}`);
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(testImg);
    iotests.tryRemove(midImg);
    iotests.tryRemove(backingImg);
  });

  test('test_set_speed', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    await vm.pauseDrive('drive0');
    expect(await vm.qmp('block-commit', { device: 'drive0', top: midImg, speed: MiB })).toMatchQmp(
      'return',
      {},
    );

    // The speed we set was accepted.
    const result = await vm.qmp('query-block-jobs');
    expect(result).toMatchQmp('return[0]/device', 'drive0');
    expect(result).toMatchQmp('return[0]/speed', MiB);

    await vm.cancelAndWait({ resume: true });
  });
});

singleDriveCases('TestActiveZeroLengthImage', 0);

describe('TestReopenOverlay', () => {
  const imageLen = MiB;
  const [img0, img1, img2, img3] = iotests.filePath('0.img', '1.img', '2.img', '3.img');
  let vm: VM;

  beforeEach(async () => {
    await iotests.createImage(img0, imageLen);
    await createOverlay(img1, img0, 'raw');
    await createOverlay(img2, img1, iotests.imgfmt);
    await createOverlay(img3, img2, iotests.imgfmt);
    await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write -P 0xab 0 128K', img1);
    vm = new VM({ paused: true }).addDrive(img3);
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    [img0, img1, img2, img3].forEach((img) => iotests.tryRemove(img));
  });

  // The overlay of 'top' must be reopened read-write to update its backing file string.
  test('test_reopen_overlay', async () => {
    await runCommitTest(vm, img1, img0);
  });
});

describe('TestErrorHandling', () => {
  const imageLen = 2 * MiB;
  let vm: VM;

  beforeEach(async () => {
    await iotests.createImage(backingImg, imageLen);
    await createOverlay(midImg, backingImg, 'raw');
    await createOverlay(testImg, midImg, iotests.imgfmt);

    await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write -P 0x11 0 512k', midImg);
    await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write -P 0x22 0 512k', testImg);

    vm = new VM({ paused: true });
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(testImg);
    iotests.tryRemove(midImg);
    iotests.tryRemove(backingImg);
  });

  async function blockdevAdd(args: QmpArguments<'blockdev-add'>): Promise<void> {
    expect(await vm.qmp('blockdev-add', args)).toMatchQmp('return', {});
  }

  async function addBlockNodes(debug: {
    base?: Qapi.BlkdebugInjectErrorOptions[];
    mid?: Qapi.BlkdebugInjectErrorOptions[];
    top?: Qapi.BlkdebugInjectErrorOptions[];
  }): Promise<void> {
    await blockdevAdd({ node_name: 'base-file', driver: 'file', filename: backingImg });
    await blockdevAdd({ node_name: 'mid-file', driver: 'file', filename: midImg });
    await blockdevAdd({ node_name: 'top-file', driver: 'file', filename: testImg });

    if (debug.base) {
      await blockdevAdd({
        node_name: 'base-dbg',
        driver: 'blkdebug',
        image: 'base-file',
        inject_error: debug.base,
      });
    }
    if (debug.mid) {
      await blockdevAdd({
        node_name: 'mid-dbg',
        driver: 'blkdebug',
        image: 'mid-file',
        inject_error: debug.mid,
      });
    }
    if (debug.top) {
      await blockdevAdd({
        node_name: 'top-dbg',
        driver: 'blkdebug',
        image: 'top-file',
        inject_error: debug.top,
      });
    }

    await blockdevAdd({
      node_name: 'base-fmt',
      driver: 'raw',
      file: debug.base ? 'base-dbg' : 'base-file',
    });
    await blockdevAdd({
      node_name: 'mid-fmt',
      driver: iotests.imgfmt,
      file: debug.mid ? 'mid-dbg' : 'mid-file',
      backing: 'base-fmt',
    });
    await blockdevAdd({
      node_name: 'top-fmt',
      driver: iotests.imgfmt,
      file: debug.top ? 'top-dbg' : 'top-file',
      backing: 'mid-fmt',
    });
  }

  /** Follow job0 to its completion and check the (filtered) events it sent. */
  async function runJob(expectedEvents: unknown[], errorPausesJob = false): Promise<void> {
    const matchDevice = { data: { device: 'job0' } };
    const events = [
      ['BLOCK_JOB_COMPLETED', matchDevice],
      ['BLOCK_JOB_CANCELLED', matchDevice],
      ['BLOCK_JOB_ERROR', matchDevice],
      ['BLOCK_JOB_READY', matchDevice],
    ] as const;

    let completed = false;
    const seen: unknown[] = [];
    while (!completed) {
      const ev = await vm.eventsWait(events, { timeoutMs: 5_000 });
      if (ev.event === 'BLOCK_JOB_COMPLETED') {
        completed = true;
      } else if (ev.event === 'BLOCK_JOB_ERROR') {
        if (errorPausesJob) {
          expect(await vm.qmp('block-job-resume', { device: 'job0' })).toMatchQmp('return', {});
        }
      } else if (ev.event === 'BLOCK_JOB_READY') {
        expect(await vm.qmp('block-job-complete', { device: 'job0' })).toMatchQmp('return', {});
      } else {
        throw new Error(`Unexpected event: ${JSON.stringify(ev)}`);
      }
      seen.push(filters.qmpEvent(ev));
    }

    expect(seen).toEqual(expectedEvents);
  }

  const timestamp = { microseconds: 'USECS', seconds: 'SECS' };

  function eventError(op: string, action: string): QmpObject {
    return {
      event: 'BLOCK_JOB_ERROR',
      data: { action, device: 'job0', operation: op },
      timestamp,
    };
  }

  function eventReady(): QmpObject {
    return {
      event: 'BLOCK_JOB_READY',
      data: { device: 'job0', len: 524288, offset: 524288, speed: 0, type: 'commit' },
      timestamp,
    };
  }

  function eventCompleted(errmsg?: string, active = true): QmpObject {
    const maxLen = active ? 524288 : imageLen;
    const data: QmpObject = {
      device: 'job0',
      len: maxLen,
      offset: errmsg === undefined ? maxLen : 0,
      speed: 0,
      type: 'commit',
    };
    if (errmsg !== undefined) {
      data.error = errmsg;
    }
    return { event: 'BLOCK_JOB_COMPLETED', data, timestamp };
  }

  function blkdebugEvent(
    event: Qapi.BlkdebugEvent | undefined,
    isRaw = false,
  ): Qapi.BlkdebugInjectErrorOptions[] | undefined {
    if (event === undefined) {
      return undefined;
    }
    return [{ event, sector: isRaw ? 512 : 1024, once: true }];
  }

  async function prepareAndStartJob(
    onError: Qapi.BlockdevOnError,
    options: {
      active?: boolean;
      topEvent?: Qapi.BlkdebugEvent;
      midEvent?: Qapi.BlkdebugEvent;
      baseEvent?: Qapi.BlkdebugEvent;
    } = {},
  ): Promise<void> {
    const active = options.active ?? true;
    await addBlockNodes({
      top: blkdebugEvent(options.topEvent),
      mid: blkdebugEvent(options.midEvent),
      base: blkdebugEvent(options.baseEvent, true),
    });

    expect(
      await vm.qmp('block-commit', {
        job_id: 'job0',
        device: 'top-fmt',
        top_node: active ? 'top-fmt' : 'mid-fmt',
        base_node: active ? 'mid-fmt' : 'base-fmt',
        on_error: onError,
      }),
    ).toMatchQmp('return', {});
  }

  test('testActiveReadErrorReport', async () => {
    await prepareAndStartJob('report', { topEvent: 'read_aio' });
    await runJob([eventError('read', 'report'), eventCompleted('Input/output error')]);

    await vm.shutdown();
    // target image matches source after error
    expect(await iotests.compareImages(testImg, midImg)).toBe(false);
  });

  test('testActiveReadErrorStop', async () => {
    await prepareAndStartJob('stop', { topEvent: 'read_aio' });
    await runJob([eventError('read', 'stop'), eventReady(), eventCompleted()], true);

    await vm.shutdown();
    // target image does not match source after commit
    expect(await iotests.compareImages(testImg, midImg)).toBe(true);
  });

  test('testActiveReadErrorIgnore', async () => {
    await prepareAndStartJob('ignore', { topEvent: 'read_aio' });
    await runJob([eventError('read', 'ignore'), eventReady(), eventCompleted()]);

    // For commit, 'ignore' means retry, so this succeeds.
    await vm.shutdown();
    // target image does not match source after commit
    expect(await iotests.compareImages(testImg, midImg)).toBe(true);
  });

  test('testActiveWriteErrorReport', async () => {
    await prepareAndStartJob('report', { midEvent: 'write_aio' });
    await runJob([eventError('write', 'report'), eventCompleted('Input/output error')]);

    await vm.shutdown();
    // target image matches source after error
    expect(await iotests.compareImages(testImg, midImg)).toBe(false);
  });

  test('testActiveWriteErrorStop', async () => {
    await prepareAndStartJob('stop', { midEvent: 'write_aio' });
    await runJob([eventError('write', 'stop'), eventReady(), eventCompleted()], true);

    await vm.shutdown();
    // target image does not match source after commit
    expect(await iotests.compareImages(testImg, midImg)).toBe(true);
  });

  test('testActiveWriteErrorIgnore', async () => {
    await prepareAndStartJob('ignore', { midEvent: 'write_aio' });
    await runJob([eventError('write', 'ignore'), eventReady(), eventCompleted()]);

    // For commit, 'ignore' means retry, so this succeeds.
    await vm.shutdown();
    // target image does not match source after commit
    expect(await iotests.compareImages(testImg, midImg)).toBe(true);
  });

  test('testIntermediateReadErrorReport', async () => {
    await prepareAndStartJob('report', { active: false, midEvent: 'read_aio' });
    await runJob([eventError('read', 'report'), eventCompleted('Input/output error', false)]);

    await vm.shutdown();
    // target image matches source after error
    expect(await iotests.compareImages(midImg, backingImg, undefined, 'raw')).toBe(false);
  });

  test('testIntermediateReadErrorStop', async () => {
    await prepareAndStartJob('stop', { active: false, midEvent: 'read_aio' });
    await runJob([eventError('read', 'stop'), eventCompleted(undefined, false)], true);

    await vm.shutdown();
    // target image does not match source after commit
    expect(await iotests.compareImages(midImg, backingImg, undefined, 'raw')).toBe(true);
  });

  test('testIntermediateReadErrorIgnore', async () => {
    await prepareAndStartJob('ignore', { active: false, midEvent: 'read_aio' });
    await runJob([eventError('read', 'ignore'), eventCompleted(undefined, false)]);

    // For commit, 'ignore' means retry, so this succeeds.
    await vm.shutdown();
    // target image does not match source after commit
    expect(await iotests.compareImages(midImg, backingImg, undefined, 'raw')).toBe(true);
  });

  test('testIntermediateWriteErrorReport', async () => {
    await prepareAndStartJob('report', { active: false, baseEvent: 'write_aio' });
    await runJob([eventError('write', 'report'), eventCompleted('Input/output error', false)]);

    await vm.shutdown();
    // target image matches source after error
    expect(await iotests.compareImages(midImg, backingImg, undefined, 'raw')).toBe(false);
  });

  test('testIntermediateWriteErrorStop', async () => {
    await prepareAndStartJob('stop', { active: false, baseEvent: 'write_aio' });
    await runJob([eventError('write', 'stop'), eventCompleted(undefined, false)], true);

    await vm.shutdown();
    // target image does not match source after commit
    expect(await iotests.compareImages(midImg, backingImg, undefined, 'raw')).toBe(true);
  });

  test('testIntermediateWriteErrorIgnore', async () => {
    await prepareAndStartJob('ignore', { active: false, baseEvent: 'write_aio' });
    await runJob([eventError('write', 'ignore'), eventCompleted(undefined, false)]);

    // For commit, 'ignore' means retry, so this succeeds.
    await vm.shutdown();
    // target image does not match source after commit
    expect(await iotests.compareImages(midImg, backingImg, undefined, 'raw')).toBe(true);
  });
});

describe('TestCommitWithFilters', () => {
  const [img0, img1, img2, img3] = iotests.filePath('0.img', '1.img', '2.img', '3.img');
  // Which file holds each pattern (1M of pattern index+1 at offset index M); checked after
  // each case, and updated by the cases that commit one image into another.
  let patternFiles: string[];
  let vm: VM | undefined;

  async function doTestIo(readOrWrite: 'read' | 'write'): Promise<void> {
    for (const [index, patternFile] of patternFiles.entries()) {
      await iotests.qemuIo(
        '-f',
        iotests.imgfmt,
        '-c',
        `${readOrWrite} -P ${index + 1} ${index}M 1M`,
        patternFile,
      );
    }
  }

  beforeEach(async () => {
    vm = undefined;
    // The seed's skip_if_unsupported(['throttle']) on setUp.
    if (!iotests.requires({ requiredFormats: ['throttle'] })) {
      return;
    }
    for (const img of [img0, img1, img2, img3]) {
      await iotests.qemuImg('create', '-f', iotests.imgfmt, img, '64M');
    }

    patternFiles = [img0, img1, img2, img3];

    await doTestIo('write');

    vm = new VM({ paused: true }).addDevice('virtio-scsi,id=vio-scsi');
    await vm.launch();

    expect(await vm.qmp('object-add', { qom_type: 'throttle-group', id: 'tg' })).toMatchQmp(
      'return',
      {},
    );

    const file = (filename: string): Qapi.BlockdevOptions => ({ driver: 'file', filename });
    expect(
      await vm.qmp('blockdev-add', {
        'node-name': 'top-filter',
        driver: 'throttle',
        'throttle-group': 'tg',
        file: {
          'node-name': 'cow-3',
          driver: iotests.imgfmt,
          file: file(img3),
          backing: {
            'node-name': 'cow-2',
            driver: iotests.imgfmt,
            file: file(img2),
            backing: {
              'node-name': 'cow-1',
              driver: iotests.imgfmt,
              file: file(img1),
              backing: {
                'node-name': 'bottom-filter',
                driver: 'throttle',
                'throttle-group': 'tg',
                file: { 'node-name': 'cow-0', driver: iotests.imgfmt, file: file(img0) },
              },
            },
          },
        },
      }),
    ).toMatchQmp('return', {});
  });

  afterEach(async () => {
    if (vm === undefined) {
      return;
    }
    await vm.shutdown();
    await doTestIo('read');

    [img3, img2, img1, img0].forEach((img) => iotests.tryRemove(img));
  });

  function startedVm(): VM {
    if (vm === undefined) {
      throw new Error('setUp did not start the VM');
    }
    return vm;
  }

  test('test_filterless_commit', async () => {
    const vm = startedVm();
    expect(
      await vm.qmp('block-commit', {
        job_id: 'commit',
        device: 'top-filter',
        top_node: 'cow-2',
        base_node: 'cow-1',
        backing_file: img1,
      }),
    ).toMatchQmp('return', {});
    await vm.waitUntilCompleted({ drive: 'commit' });

    expect(await vm.nodeInfo('cow-3')).not.toBeNull();
    expect(await vm.nodeInfo('cow-2')).toBeNull();
    expect(await vm.nodeInfo('cow-1')).not.toBeNull();

    // 2 has been committed into 1.
    patternFiles[2] = img1;
  });

  test('test_commit_through_filter', async () => {
    const vm = startedVm();
    expect(
      await vm.qmp('block-commit', {
        job_id: 'commit',
        device: 'top-filter',
        top_node: 'cow-1',
        base_node: 'cow-0',
        backing_file: img0,
      }),
    ).toMatchQmp('return', {});
    await vm.waitUntilCompleted({ drive: 'commit' });

    expect(await vm.nodeInfo('cow-2')).not.toBeNull();
    expect(await vm.nodeInfo('cow-1')).toBeNull();
    expect(await vm.nodeInfo('bottom-filter')).toBeNull();
    expect(await vm.nodeInfo('cow-0')).not.toBeNull();

    // 1 has been committed into 0.
    patternFiles[1] = img0;
  });

  test('test_filtered_active_commit_with_filter', async () => {
    const vm = startedVm();
    // A device, so that the commit job finds a parent to point at the base node (and so
    // top-filter is dropped from the graph).
    expect(
      await vm.qmp('device_add', {
        id: 'drv0',
        driver: 'scsi-hd',
        bus: 'vio-scsi.0',
        drive: 'top-filter',
      }),
    ).toMatchQmp('return', {});

    // drv0 uses top-filter: our reference to it cannot go.
    const result = await vm.qmp('blockdev-del', { node_name: 'top-filter' });
    expect(result).toMatchQmp('error/class', 'GenericError');
    expect(result).toMatchQmp('error/desc', 'Node top-filter is in use');

    expect(
      await vm.qmp('block-commit', { job_id: 'commit', device: 'top-filter', base_node: 'cow-2' }),
    ).toMatchQmp('return', {});
    await vm.completeAndWait({ drive: 'commit' });

    // Now it can.
    expect(await vm.qmp('blockdev-del', { node_name: 'top-filter' })).toMatchQmp('return', {});

    expect(await vm.nodeInfo('top-filter')).toBeNull();
    expect(await vm.nodeInfo('cow-3')).toBeNull();
    expect(await vm.nodeInfo('cow-2')).not.toBeNull();

    // drv0 is now connected to cow-2.
    const blockdevs = iotests.qmpPath(await vm.qmp('query-block'), 'return');
    const drv0 = blockdevs.find((dev) => dev.qdev === 'drv0');
    expect(drv0?.inserted?.['node-name']).toBe('cow-2');

    // 3 has been committed into 2.
    patternFiles[3] = img2;
  });

  test('test_filtered_active_commit_without_filter', async () => {
    const vm = startedVm();
    expect(
      await vm.qmp('block-commit', {
        job_id: 'commit',
        device: 'top-filter',
        top_node: 'cow-3',
        base_node: 'cow-2',
      }),
    ).toMatchQmp('return', {});
    await vm.completeAndWait({ drive: 'commit' });

    expect(await vm.nodeInfo('top-filter')).not.toBeNull();
    expect(await vm.nodeInfo('cow-3')).toBeNull();
    expect(await vm.nodeInfo('cow-2')).not.toBeNull();

    // 3 has been committed into 2.
    patternFiles[3] = img2;
  });
});

describe('TestCommitWithOverriddenBacking', () => {
  const [imgBaseA, imgBaseB, imgTop] = iotests.filePath('base_a.img', 'base_b.img', 'top.img');
  let vm: VM;

  beforeEach(async () => {
    await iotests.qemuImg('create', '-f', iotests.imgfmt, imgBaseA, '1M');
    await iotests.qemuImg('create', '-f', iotests.imgfmt, imgBaseB, '1M');
    await iotests.qemuImg(
      'create',
      '-f',
      iotests.imgfmt,
      '-b',
      imgBaseA,
      '-F',
      iotests.imgfmt,
      imgTop,
    );

    vm = new VM({ paused: true });
    await vm.launch();

    // top gets base_b as its backing, not base_a.
    expect(
      await vm.qmp('blockdev-add', {
        'node-name': 'top',
        driver: iotests.imgfmt,
        file: { driver: 'file', filename: imgTop },
        backing: {
          'node-name': 'base',
          driver: iotests.imgfmt,
          file: { driver: 'file', filename: imgBaseB },
        },
      }),
    ).toMatchQmp('return', {});
  });

  afterEach(async () => {
    await vm.shutdown();
    [imgTop, imgBaseA, imgBaseB].forEach((img) => iotests.tryRemove(img));
  });

  // base_a is not top's backing image (base_b is): committing to it fails.
  test('test_commit_to_a', async () => {
    expect(
      await vm.qmp('block-commit', { job_id: 'commit', device: 'top', base: imgBaseA }),
    ).toMatchQmp('error/class', 'GenericError');
  });

  // base_b is top's backing image: committing to it works.
  test('test_commit_to_b', async () => {
    expect(
      await vm.qmp('block-commit', { job_id: 'commit', device: 'top', base: imgBaseB }),
    ).toMatchQmp('return', {});

    await vm.eventWait('BLOCK_JOB_READY');
    await vm.qmp('block-job-complete', { device: 'commit' });
    await vm.eventWait('BLOCK_JOB_COMPLETED');
  });
});
