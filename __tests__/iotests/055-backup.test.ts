/**
 * @qemu-vm none
 * @group rw
 */
// QEMU iotest 055: drive-backup and blockdev-backup, ported from the unittest-style Python test.
// Each TestCase class is a describe block (TestCompressedToVmdk is TestCompressedToQcow2 again
// with a vmdk target); every setUp/tearDown starts and stops its own VM.
//
// Running under tcg instead of qtest: the Python test was written for the qtest accelerator,
// where no guest code runs. Under tcg SeaBIOS reads the boot disk (drive0) shortly after start;
// that read can take the one-shot blkdebug breakpoint of pauseDrive, leaving the job unpaused and
// the guest request suspended. So every VM here starts with its CPU stopped (-S), which restores
// the "no guest code" the test relies on; nothing here needs a running guest. No case steps the
// virtual clock, so none needs qtest.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { iotests, unchecked, VM } from 'qemu-iotests';
import type { Qapi, QmpResponse, Requirements } from 'qemu-iotests';

const REQUIREMENTS: Requirements = { formats: ['raw', 'qcow2'], protocols: ['file'] };
iotests.requires(REQUIREMENTS);

/** The two backup commands, tested alike. */
type BackupCommand = 'drive-backup' | 'blockdev-backup';

const MiB = 1024 * 1024;
const testImg = iotests.filePath('test.img');
const targetImg = iotests.filePath('target.img');
const blockdevTargetImg = iotests.filePath('blockdev-target.img');

const imageLen = 64 * MiB;

/** The job is paused: its offset stays put, then it resumes and completes. */
async function checkPausedThenComplete(vm: VM): Promise<void> {
  const offset = iotests.qmpPath(await vm.qmp('query-block-jobs'), 'return[0]/offset');

  await iotests.observationWindow(500);
  expect(await vm.qmp('query-block-jobs')).toMatchQmp('return[0]/offset', offset);

  expect(await vm.qmp('block-job-resume', { device: 'drive0' })).toMatchQmp('return', {});

  await vm.waitUntilCompleted();
}

/** The backup matches its source. */
async function expectSameImages(
  img1: string,
  img2: string,
  fmt1?: string,
  fmt2?: string,
): Promise<void> {
  // target image does not match source after backup
  expect(await iotests.compareImages(img1, img2, fmt1, fmt2)).toBe(true);
}

/** The seed's legacy CD-ROM on the default 'pc' machine. */
function addCdrom(vm: VM): void {
  if (iotests.capabilities.defaultMachine === 'pc') {
    vm.addDrive(null, { opts: 'media=cdrom', interface: 'ide' });
  }
}

const isPc = (): boolean => iotests.capabilities.defaultMachine === 'pc';

// setUpModule / tearDownModule: the source image, with data here and there.
beforeAll(async () => {
  await iotests.qemuImg('create', '-f', iotests.imgfmt, testImg, String(imageLen));
  await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write -P0x11 0 64k', testImg);
  await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write -P0x00 64k 128k', testImg);
  await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write -P0x22 162k 32k', testImg);
  await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write -P0xd5 1M 32k', testImg);
  await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write -P0xdc 32M 124k', testImg);
  await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write -P0x33 67043328 64k', testImg);
});

afterAll(() => {
  iotests.tryRemove(testImg);
});

describe('TestSingleDrive', () => {
  let vm: VM;

  beforeEach(async () => {
    await iotests.qemuImg('create', '-f', iotests.imgfmt, blockdevTargetImg, String(imageLen));

    vm = new VM({ paused: true });
    vm.addDrive(`blkdebug::${testImg}`, { opts: 'node-name=source' });
    vm.addDrive(blockdevTargetImg, { opts: 'node-name=target', interface: 'none' });
    addCdrom(vm);
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(blockdevTargetImg);
    iotests.tryRemove(targetImg);
  });

  async function doTestCancel(cmd: BackupCommand, target: string): Promise<void> {
    await expect(vm).toHaveNoActiveBlockJobs();

    await vm.pauseDrive('drive0');
    expect(await vm.qmp(cmd, { device: 'drive0', target, sync: 'full' })).toMatchQmp('return', {});

    const event = await vm.cancelAndWait({ resume: true });
    expect(event).toMatchQmp('data/type', 'backup');
  }

  test('test_cancel_drive_backup', () => doTestCancel('drive-backup', targetImg));

  test('test_cancel_blockdev_backup', () => doTestCancel('blockdev-backup', 'drive1'));

  async function doTestPause(cmd: BackupCommand, target: string, image: string): Promise<void> {
    await expect(vm).toHaveNoActiveBlockJobs();

    await vm.pauseDrive('drive0');
    expect(await vm.qmp(cmd, { device: 'drive0', target, sync: 'full' })).toMatchQmp('return', {});

    await vm.pauseJob({ jobId: 'drive0', wait: false });
    await vm.resumeDrive('drive0');
    await vm.pauseWait({ jobId: 'drive0' });

    await checkPausedThenComplete(vm);

    await vm.shutdown();
    await expectSameImages(testImg, image);
  }

  test('test_pause_drive_backup', () => doTestPause('drive-backup', targetImg, targetImg));

  test('test_pause_blockdev_backup', () =>
    doTestPause('blockdev-backup', 'drive1', blockdevTargetImg));

  /** While the job waits to be finalized, neither its source nor its target can be resized. */
  async function doTestResizeBlockdevBackup(device: string, node: string): Promise<void> {
    const preFinalize = async (): Promise<void> => {
      expect(await vm.qmp('block_resize', { device, size: 65536 })).toMatchQmp(
        'error/class',
        'GenericError',
      );

      expect(await vm.qmp('block_resize', { node_name: node, size: 65536 })).toMatchQmp(
        'error/class',
        'GenericError',
      );
    };

    expect(
      await vm.qmp('blockdev-backup', {
        job_id: 'job0',
        device: 'drive0',
        target: 'drive1',
        sync: 'full',
        auto_finalize: false,
        auto_dismiss: false,
      }),
    ).toMatchQmp('return', {});

    await vm.runJob('job0', { autoFinalize: false, preFinalize });
  }

  test('test_source_resize_blockdev_backup', () => doTestResizeBlockdevBackup('drive0', 'source'));

  test('test_target_resize_blockdev_backup', () => doTestResizeBlockdevBackup('drive1', 'target'));

  async function doTestTargetSize(size: number): Promise<void> {
    expect(await vm.qmp('block_resize', { device: 'drive1', size })).toMatchQmp('return', {});

    expect(
      await vm.qmp('blockdev-backup', {
        job_id: 'job0',
        device: 'drive0',
        target: 'drive1',
        sync: 'full',
      }),
    ).toMatchQmp('error/class', 'GenericError');
  }

  test('test_small_target', () => doTestTargetSize(imageLen / 2));

  test('test_large_target', () => doTestTargetSize(imageLen * 2));

  test('test_medium_not_found', async () => {
    if (!isPc()) {
      return;
    }

    // drive2 is the CD-ROM.
    expect(
      await vm.qmp('drive-backup', { device: 'drive2', target: targetImg, sync: 'full' }),
    ).toMatchQmp('error/class', 'GenericError');
  });

  test('test_medium_not_found_blockdev_backup', async () => {
    if (!isPc()) {
      return;
    }

    // drive2 is the CD-ROM.
    expect(
      await vm.qmp('blockdev-backup', { device: 'drive2', target: 'drive1', sync: 'full' }),
    ).toMatchQmp('error/class', 'GenericError');
  });

  test('test_image_not_found', async () => {
    expect(
      await vm.qmp('drive-backup', {
        device: 'drive0',
        target: targetImg,
        sync: 'full',
        mode: 'existing',
      }),
    ).toMatchQmp('error/class', 'GenericError');
  });

  test('test_invalid_format', async () => {
    expect(
      await vm.qmp('drive-backup', {
        device: 'drive0',
        target: targetImg,
        sync: 'full',
        format: 'spaghetti-noodles',
      }),
    ).toMatchQmp('error/class', 'GenericError');
  });

  async function doTestDeviceNotFound(result: Promise<QmpResponse<unknown>>): Promise<void> {
    expect(await result).toMatchQmp('error/class', 'GenericError');
  }

  test('test_device_not_found', async () => {
    await doTestDeviceNotFound(
      vm.qmp('drive-backup', { device: 'nonexistent', target: targetImg, sync: 'full' }),
    );
    await doTestDeviceNotFound(
      vm.qmp('blockdev-backup', { device: 'nonexistent', target: 'drive0', sync: 'full' }),
    );
    await doTestDeviceNotFound(
      vm.qmp('blockdev-backup', { device: 'drive0', target: 'nonexistent', sync: 'full' }),
    );
    await doTestDeviceNotFound(
      vm.qmp('blockdev-backup', { device: 'nonexistent', target: 'nonexistent', sync: 'full' }),
    );
  });

  test('test_target_is_source', async () => {
    expect(
      await vm.qmp('blockdev-backup', { device: 'drive0', target: 'drive0', sync: 'full' }),
    ).toMatchQmp('error/class', 'GenericError');
  });
});

describe('TestSetSpeed', () => {
  let vm: VM;

  beforeEach(async () => {
    await iotests.qemuImg('create', '-f', iotests.imgfmt, blockdevTargetImg, String(imageLen));

    vm = new VM({ paused: true }).addDrive(`blkdebug::${testImg}`);
    vm.addDrive(blockdevTargetImg, { interface: 'none' });
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(blockdevTargetImg);
    iotests.tryRemove(targetImg);
  });

  async function doTestSetSpeed(cmd: BackupCommand, target: string): Promise<void> {
    await expect(vm).toHaveNoActiveBlockJobs();

    await vm.pauseDrive('drive0');
    expect(await vm.qmp(cmd, { device: 'drive0', target, sync: 'full' })).toMatchQmp('return', {});

    // The default speed is 0.
    let result = await vm.qmp('query-block-jobs');
    expect(result).toMatchQmp('return[0]/device', 'drive0');
    expect(result).toMatchQmp('return[0]/speed', 0);

    expect(await vm.qmp('block-job-set-speed', { device: 'drive0', speed: 8 * MiB })).toMatchQmp(
      'return',
      {},
    );

    // The speed we set was accepted.
    result = await vm.qmp('query-block-jobs');
    expect(result).toMatchQmp('return[0]/device', 'drive0');
    expect(result).toMatchQmp('return[0]/speed', 8 * MiB);

    let event = await vm.cancelAndWait({ resume: true });
    expect(event).toMatchQmp('data/type', 'backup');

    // The command's own speed option.
    await vm.pauseDrive('drive0');
    expect(
      await vm.qmp(cmd, { device: 'drive0', target, sync: 'full', speed: 4 * MiB }),
    ).toMatchQmp('return', {});

    result = await vm.qmp('query-block-jobs');
    expect(result).toMatchQmp('return[0]/device', 'drive0');
    expect(result).toMatchQmp('return[0]/speed', 4 * MiB);

    event = await vm.cancelAndWait({ resume: true });
    expect(event).toMatchQmp('data/type', 'backup');
  }

  test('test_set_speed_drive_backup', () => doTestSetSpeed('drive-backup', targetImg));

  test('test_set_speed_blockdev_backup', () => doTestSetSpeed('blockdev-backup', 'drive1'));

  async function doTestSetSpeedInvalid(cmd: BackupCommand, target: string): Promise<void> {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(await vm.qmp(cmd, { device: 'drive0', target, sync: 'full', speed: -1 })).toMatchQmp(
      'error/class',
      'GenericError',
    );

    await expect(vm).toHaveNoActiveBlockJobs();

    await vm.pauseDrive('drive0');
    expect(await vm.qmp(cmd, { device: 'drive0', target, sync: 'full' })).toMatchQmp('return', {});

    expect(await vm.qmp('block-job-set-speed', { device: 'drive0', speed: -1 })).toMatchQmp(
      'error/class',
      'GenericError',
    );

    const event = await vm.cancelAndWait({ resume: true });
    expect(event).toMatchQmp('data/type', 'backup');
  }

  test('test_set_speed_invalid_drive_backup', () =>
    doTestSetSpeedInvalid('drive-backup', targetImg));

  test('test_set_speed_invalid_blockdev_backup', () =>
    doTestSetSpeedInvalid('blockdev-backup', 'drive1'));
});

// pauseDrive would stall the transaction command: these cases throttle the job instead.
describe('TestSingleTransaction', () => {
  let vm: VM;

  beforeEach(async () => {
    await iotests.qemuImg('create', '-f', iotests.imgfmt, blockdevTargetImg, String(imageLen));

    vm = new VM({ paused: true }).addDrive(testImg);
    vm.addDrive(blockdevTargetImg, { interface: 'none' });
    addCdrom(vm);
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(blockdevTargetImg);
    iotests.tryRemove(targetImg);
  });

  /** A transaction of the given actions ({type, data} each). */
  function transaction(...actions: Qapi.TransactionAction[]): Promise<QmpResponse<unknown>> {
    return vm.qmp('transaction', { actions });
  }

  /** A throttled backup of drive0 to `target`, started through a transaction. */
  async function startThrottled(cmd: BackupCommand, target: string): Promise<void> {
    expect(
      await transaction({
        type: cmd,
        data: { device: 'drive0', target, sync: 'full', speed: 64 * 1024 },
      }),
    ).toMatchQmp('return', {});
  }

  async function doTestCancel(cmd: BackupCommand, target: string): Promise<void> {
    await expect(vm).toHaveNoActiveBlockJobs();

    await startThrottled(cmd, target);

    const event = await vm.cancelAndWait();
    expect(event).toMatchQmp('data/type', 'backup');
  }

  test('test_cancel_drive_backup', () => doTestCancel('drive-backup', targetImg));

  test('test_cancel_blockdev_backup', () => doTestCancel('blockdev-backup', 'drive1'));

  async function doTestPause(cmd: BackupCommand, target: string, image: string): Promise<void> {
    await expect(vm).toHaveNoActiveBlockJobs();

    await startThrottled(cmd, target);

    await vm.pauseJob({ jobId: 'drive0', wait: false });

    expect(await vm.qmp('block-job-set-speed', { device: 'drive0', speed: 0 })).toMatchQmp(
      'return',
      {},
    );

    await vm.pauseWait({ jobId: 'drive0' });

    await checkPausedThenComplete(vm);

    await vm.shutdown();
    await expectSameImages(testImg, image);
  }

  test('test_pause_drive_backup', () => doTestPause('drive-backup', targetImg, targetImg));

  test('test_pause_blockdev_backup', () =>
    doTestPause('blockdev-backup', 'drive1', blockdevTargetImg));

  async function doTestMediumNotFound(cmd: BackupCommand, target: string): Promise<void> {
    if (!isPc()) {
      return;
    }

    // drive2 is the CD-ROM.
    expect(
      await transaction({ type: cmd, data: { device: 'drive2', target, sync: 'full' } }),
    ).toMatchQmp('error/class', 'GenericError');
  }

  test('test_medium_not_found_drive_backup', () => doTestMediumNotFound('drive-backup', targetImg));

  test('test_medium_not_found_blockdev_backup', () =>
    doTestMediumNotFound('blockdev-backup', 'drive1'));

  test('test_image_not_found', async () => {
    expect(
      await transaction({
        type: 'drive-backup',
        data: { device: 'drive0', mode: 'existing', target: targetImg, sync: 'full' },
      }),
    ).toMatchQmp('error/class', 'GenericError');
  });

  test('test_device_not_found', async () => {
    const attempts: Qapi.TransactionAction[] = [
      {
        type: 'drive-backup',
        data: { device: 'nonexistent', mode: 'existing', target: targetImg, sync: 'full' },
      },
      { type: 'blockdev-backup', data: { device: 'nonexistent', target: 'drive1', sync: 'full' } },
      { type: 'blockdev-backup', data: { device: 'drive0', target: 'nonexistent', sync: 'full' } },
      {
        type: 'blockdev-backup',
        data: { device: 'nonexistent', target: 'nonexistent', sync: 'full' },
      },
    ];
    for (const action of attempts) {
      expect(await transaction(action)).toMatchQmp('error/class', 'GenericError');
    }
  });

  test('test_target_is_source', async () => {
    expect(
      await transaction({
        type: 'blockdev-backup',
        data: { device: 'drive0', target: 'drive0', sync: 'full' },
      }),
    ).toMatchQmp('error/class', 'GenericError');
  });

  test('test_abort', async () => {
    const failing: Qapi.TransactionAction[] = [
      {
        type: 'drive-backup',
        data: { device: 'nonexistent', mode: 'existing', target: targetImg, sync: 'full' },
      },
      { type: 'blockdev-backup', data: { device: 'nonexistent', target: 'drive1', sync: 'full' } },
      { type: 'blockdev-backup', data: { device: 'drive0', target: 'nonexistent', sync: 'full' } },
    ];
    // QEMU's test writes 'Abort' (the action is 'abort'), which the types refuse; kept as QEMU
    // has it: the first action fails either way.
    const abort = unchecked<Qapi.TransactionAction>({ type: 'Abort', data: {} });
    for (const action of failing) {
      expect(await transaction(action, abort)).toMatchQmp('error/class', 'GenericError');
      await expect(vm).toHaveNoActiveBlockJobs();
    }
  });
});

/** TestCompressedToQcow2, and with a vmdk target TestCompressedToVmdk. */
interface CompressTarget {
  readonly type: string;
  readonly args: readonly string[];
  readonly driveOpts: string;
}

function compressedCases(name: string, targetFmt: CompressTarget, requiredFormat?: string): void {
  describe(name, () => {
    const compressImageLen = 64 * MiB;
    let vm: VM | undefined;

    beforeEach(() => {
      vm = undefined;
      if (requiredFormat !== undefined) {
        // The seed's skip_if_unsupported on setUp.
        iotests.requires({ requiredFormats: [requiredFormat] });
      }
    });

    afterEach(async () => {
      if (vm === undefined) {
        return;
      }
      await vm.shutdown();
      iotests.tryRemove(blockdevTargetImg);
      iotests.tryRemove(targetImg);
    });

    async function doPrepareDrives(attachTarget: boolean): Promise<VM> {
      const started = new VM({ paused: true }).addDrive(`blkdebug::${testImg}`, {
        opts: targetFmt.driveOpts,
      });
      vm = started;

      await iotests.qemuImg(
        'create',
        '-f',
        targetFmt.type,
        blockdevTargetImg,
        String(compressImageLen),
        ...targetFmt.args,
      );
      if (attachTarget) {
        started.addDrive(blockdevTargetImg, {
          imgFormat: targetFmt.type,
          interface: 'none',
          opts: targetFmt.driveOpts,
        });
      }

      await started.launch();
      return started;
    }

    async function doTestCompressComplete(
      cmd: BackupCommand,
      attachTarget: boolean,
      args: { target: string; mode?: Qapi.NewImageMode },
    ): Promise<void> {
      const vm = await doPrepareDrives(attachTarget);

      await expect(vm).toHaveNoActiveBlockJobs();

      expect(
        await vm.qmp(cmd, { device: 'drive0', sync: 'full', compress: true, ...args }),
      ).toMatchQmp('return', {});

      await vm.waitUntilCompleted();

      await vm.shutdown();
      await expectSameImages(testImg, blockdevTargetImg, iotests.imgfmt, targetFmt.type);
    }

    test('test_complete_compress_drive_backup', () =>
      doTestCompressComplete('drive-backup', false, {
        target: blockdevTargetImg,
        mode: 'existing',
      }));

    test('test_complete_compress_blockdev_backup', () =>
      doTestCompressComplete('blockdev-backup', true, { target: 'drive1' }));

    async function doTestCompressCancel(
      cmd: BackupCommand,
      attachTarget: boolean,
      args: { target: string; mode?: Qapi.NewImageMode },
    ): Promise<void> {
      const vm = await doPrepareDrives(attachTarget);

      await expect(vm).toHaveNoActiveBlockJobs();

      await vm.pauseDrive('drive0');
      expect(
        await vm.qmp(cmd, { device: 'drive0', sync: 'full', compress: true, ...args }),
      ).toMatchQmp('return', {});

      const event = await vm.cancelAndWait({ resume: true });
      expect(event).toMatchQmp('data/type', 'backup');

      await vm.shutdown();
    }

    test('test_compress_cancel_drive_backup', () =>
      doTestCompressCancel('drive-backup', false, {
        target: blockdevTargetImg,
        mode: 'existing',
      }));

    test('test_compress_cancel_blockdev_backup', () =>
      doTestCompressCancel('blockdev-backup', true, { target: 'drive1' }));

    async function doTestCompressPause(
      cmd: BackupCommand,
      attachTarget: boolean,
      args: { target: string; mode?: Qapi.NewImageMode },
    ): Promise<void> {
      const vm = await doPrepareDrives(attachTarget);

      await expect(vm).toHaveNoActiveBlockJobs();

      await vm.pauseDrive('drive0');
      expect(
        await vm.qmp(cmd, { device: 'drive0', sync: 'full', compress: true, ...args }),
      ).toMatchQmp('return', {});

      await vm.pauseJob({ jobId: 'drive0', wait: false });
      await vm.resumeDrive('drive0');
      await vm.pauseWait({ jobId: 'drive0' });

      await checkPausedThenComplete(vm);

      await vm.shutdown();
      await expectSameImages(testImg, blockdevTargetImg, iotests.imgfmt, targetFmt.type);
    }

    test('test_compress_pause_drive_backup', () =>
      doTestCompressPause('drive-backup', false, {
        target: blockdevTargetImg,
        mode: 'existing',
      }));

    test('test_compress_pause_blockdev_backup', () =>
      doTestCompressPause('blockdev-backup', true, { target: 'drive1' }));
  });
}

compressedCases('TestCompressedToQcow2', { type: 'qcow2', args: [], driveOpts: '' });
compressedCases(
  'TestCompressedToVmdk',
  { type: 'vmdk', args: ['-o', 'subformat=streamOptimized'], driveOpts: 'cache.no-flush=on' },
  'vmdk',
);
