/**
 * @qemu-vm none
 * @group rw backing
 */
// QEMU iotest 056: drive-backup sync modes, the before-write notifier and job dismissal, ported
// from the unittest-style Python test. Each TestCase class is a describe block; every
// setUp/tearDown starts and stops its own VM.
//
// Running under tcg instead of qtest: the Python test was written for the qtest accelerator,
// where no guest code runs. Under tcg SeaBIOS reads the boot disk (drive0) shortly after start;
// in TestBeforeWriteNotifier that read can take the one-shot blkdebug breakpoint of pauseDrive
// instead of the job's. So every VM here starts with its CPU stopped (-S), which restores the
// "no guest code" the test relies on; nothing here needs a running guest. No case steps the
// virtual clock, so none needs qtest.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { iotests, VM } from 'qemu-iotests';
import type { QmpArguments, Requirements } from 'qemu-iotests';

/** The two backup commands the test starts, and their arguments. */
type BackupCommand = 'drive-backup' | 'blockdev-backup';
type BackupArguments = QmpArguments<BackupCommand>;

const REQUIREMENTS: Requirements = { formats: ['qcow2', 'qed'], protocols: ['file'] };
iotests.requires(REQUIREMENTS);

const MiB = 1024 * 1024;
const backingImg = iotests.filePath('backing.img');
const testImg = iotests.filePath('test.img');
const targetImg = iotests.filePath('target.img');

/** `<test dir>/<img>.<fmt>`, created with qemu-img (default IMGFMT, 64M). */
async function imgCreate(
  img: string,
  fmt = iotests.imgfmt,
  size = '64M',
  opts: Record<string, string> = {},
): Promise<string> {
  const fullname = iotests.filePath(`${img}.${fmt}`);
  const optargs = Object.entries(opts).flatMap(([k, v]) => ['-o', `${k}=${v}`]);
  await iotests.qemuImg('create', '-f', fmt, ...optargs, fullname, size);
  return fullname;
}

/** A qemu-io write pattern: [pattern, offset, length]. */
type WritePattern = readonly [string, string | number, string | number];

describe('TestSyncModesNoneAndTop', () => {
  const imageLen = 64 * MiB;
  let vm: VM;

  beforeEach(async () => {
    await iotests.createImage(backingImg, imageLen);
    await iotests.qemuImg(
      'create',
      '-f',
      iotests.imgfmt,
      '-o',
      `backing_file=${backingImg}`,
      '-F',
      'raw',
      testImg,
    );
    await iotests.qemuIo('-c', 'write -P0x41 0 512', testImg);
    await iotests.qemuIo('-c', 'write -P0xd5 1M 32k', testImg);
    await iotests.qemuIo('-c', 'write -P0xdc 32M 124k', testImg);
    await iotests.qemuIo('-c', 'write -P0xdc 67043328 64k', testImg);
    vm = new VM({ paused: true }).addDrive(testImg);
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(testImg);
    iotests.tryRemove(backingImg);
    iotests.tryRemove(targetImg);
  });

  test('test_complete_top', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();
    expect(
      await vm.qmp('drive-backup', {
        device: 'drive0',
        sync: 'top',
        format: iotests.imgfmt,
        target: targetImg,
      }),
    ).toMatchQmp('return', {});

    await vm.waitUntilCompleted({ checkOffset: false });

    await expect(vm).toHaveNoActiveBlockJobs();
    await vm.shutdown();
    // target image does not match source after backup
    expect(await iotests.compareImages(testImg, targetImg)).toBe(true);
  });

  test('test_cancel_sync_none', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(
      await vm.qmp('drive-backup', { device: 'drive0', sync: 'none', target: targetImg }),
    ).toMatchQmp('return', {});
    // The seed sleeps a second here and after the shutdown below. Neither orders anything: the
    // copy-before-write filter is in place when drive-backup returns, and shutdown returns once
    // QEMU has exited. So there are no sleeps here.
    await vm.hmpQemuIo('drive0', 'write -P0x5e 0 512');
    await vm.hmpQemuIo('drive0', 'aio_flush');
    // The original contents must be in the target image (checked below).

    const event = await vm.cancelAndWait();
    expect(event).toMatchQmp('data/type', 'backup');

    await vm.shutdown();
    await iotests.qemuIo('-c', 'read -P0x41 0 512', targetImg);
  });
});

describe('TestBeforeWriteNotifier', () => {
  let vm: VM;

  beforeEach(async () => {
    vm = new VM({ paused: true }).addDriveRaw(
      'file=blkdebug::null-co://,id=drive0,align=65536,driver=blkdebug',
    );
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(targetImg);
  });

  test('test_before_write_notifier', async () => {
    await vm.pauseDrive('drive0');
    expect(
      await vm.qmp('drive-backup', {
        device: 'drive0',
        sync: 'full',
        target: targetImg,
        format: 'file',
        speed: 1,
      }),
    ).toMatchQmp('return', {});
    expect(await vm.qmp('block-job-pause', { device: 'drive0' })).toMatchQmp('return', {});
    // At this speed the range cannot have been copied yet: the write triggers the
    // before-write notifier.
    await vm.hmpQemuIo('drive0', 'aio_write -P 1 512512 512');
    await vm.resumeDrive('drive0');
    expect(await vm.qmp('block-job-resume', { device: 'drive0' })).toMatchQmp('return', {});
    const event = await vm.cancelAndWait();
    expect(event).toMatchQmp('data/type', 'backup');
  });
});

describe('BackupTest', () => {
  let vm: VM;
  let testImage: string;
  let destImg: string;
  let destImg2: string;
  let refImg: string;

  beforeEach(async () => {
    vm = new VM({ paused: true });
    testImage = await imgCreate('test');
    destImg = await imgCreate('dest');
    destImg2 = await imgCreate('dest2');
    refImg = await imgCreate('ref');
    vm.addDrive(testImage);
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    for (const img of [testImage, destImg, destImg2, refImg]) {
      iotests.tryRemove(img);
    }
  });

  async function hmpIoWrites(drive: string, patterns: readonly WritePattern[]): Promise<void> {
    for (const [pattern, offset, length] of patterns) {
      await vm.hmpQemuIo(drive, `write -P${pattern} ${offset} ${length}`);
    }
    await vm.hmpQemuIo(drive, 'flush');
  }

  /** Start a backup; with `error`, it must be refused with that message (resolves false). */
  async function qmpBackup(
    args: BackupArguments,
    options: { cmd?: BackupCommand; error?: string } = {},
  ): Promise<boolean> {
    expect(args).toHaveProperty('device');
    const res = await vm.qmp(options.cmd ?? 'drive-backup', args);
    if (options.error !== undefined) {
      expect(res).toMatchQmp('error/desc', options.error);
      return false;
    }
    expect(res).toMatchQmp('return', {});
    return true;
  }

  /**
   * Wait for the job on `device` to complete: true when it succeeded (offset == len), false
   * when it failed with `error`. A failure nobody expected fails the test (the seed's
   * comparison there names an undefined variable, which errors the test just the same).
   */
  async function qmpBackupWait(device: string, error?: string): Promise<boolean> {
    const event = await vm.eventWait('BLOCK_JOB_COMPLETED', {
      match: { data: { device } },
    });
    expect(event).not.toBeNull();
    if (!('error' in event.data)) {
      // The backup succeeded.
      expect(event).toMatchQmp('data/offset', event.data.len);
      return true;
    }
    expect(event).toMatchQmp('data/error', error);
    return false;
  }

  async function qmpBackupAndWait(
    args: BackupArguments,
    options: { cmd?: BackupCommand; serror?: string; aerror?: string } = {},
  ): Promise<boolean> {
    if (!(await qmpBackup(args, { cmd: options.cmd, error: options.serror }))) {
      return false;
    }
    return qmpBackupWait(args.device, options.aerror);
  }

  test('test_overlapping_writes', async () => {
    // Something to back up.
    await hmpIoWrites('drive0', [['42', '0M', '2M']]);

    // A reference backup.
    await qmpBackupAndWait({
      device: 'drive0',
      format: iotests.imgfmt,
      sync: 'full',
      target: refImg,
      auto_dismiss: false,
    });
    expect(await vm.qmp('block-job-dismiss', { id: 'drive0' })).toMatchQmp('return', {});

    // The test backup, with these guest writes meanwhile:
    // (1) [1M + 64k, 1M + 128k): afterwards that area is in the target and must not be
    //     copied again (the source has changed). 64k is the job's cluster size.
    // (2) [1M, 2M): the job must not get overeager: it copies [1M, 1M + 64k) and
    //     [1M + 128k, 2M) separately, but not the area in between.
    await qmpBackup({
      device: 'drive0',
      format: iotests.imgfmt,
      sync: 'full',
      target: destImg,
      speed: 1,
      auto_dismiss: false,
    });

    await hmpIoWrites('drive0', [
      ['23', `${1024 + 64}k`, '64k'],
      ['66', '1M', '1M'],
    ]);

    // Let the job complete.
    expect(await vm.qmp('block-job-set-speed', { device: 'drive0', speed: 0 })).toMatchQmp(
      'return',
      {},
    );
    await qmpBackupWait('drive0');
    expect(await vm.qmp('block-job-dismiss', { id: 'drive0' })).toMatchQmp('return', {});

    // target image does not match reference image
    expect(await iotests.compareImages(refImg, destImg)).toBe(true);
  });

  test('test_dismiss_false', async () => {
    expect(await vm.qmp('query-block-jobs')).toMatchQmp('return', []);
    await qmpBackupAndWait({
      device: 'drive0',
      format: iotests.imgfmt,
      sync: 'full',
      target: destImg,
      auto_dismiss: true,
    });
    expect(await vm.qmp('query-block-jobs')).toMatchQmp('return', []);
  });

  test('test_dismiss_true', async () => {
    expect(await vm.qmp('query-block-jobs')).toMatchQmp('return', []);
    await qmpBackupAndWait({
      device: 'drive0',
      format: iotests.imgfmt,
      sync: 'full',
      target: destImg,
      auto_dismiss: false,
    });
    expect(await vm.qmp('query-block-jobs')).toMatchQmp('return[0]/status', 'concluded');
    expect(await vm.qmp('block-job-dismiss', { id: 'drive0' })).toMatchQmp('return', {});
    expect(await vm.qmp('query-block-jobs')).toMatchQmp('return', []);
  });

  test('test_dismiss_bad_id', async () => {
    expect(await vm.qmp('query-block-jobs')).toMatchQmp('return', []);
    expect(await vm.qmp('block-job-dismiss', { id: 'foobar' })).toMatchQmp(
      'error/class',
      'DeviceNotActive',
    );
  });

  test('test_dismiss_collision', async () => {
    expect(await vm.qmp('query-block-jobs')).toMatchQmp('return', []);
    await qmpBackupAndWait({
      device: 'drive0',
      format: iotests.imgfmt,
      sync: 'full',
      target: destImg,
      auto_dismiss: false,
    });
    expect(await vm.qmp('query-block-jobs')).toMatchQmp('return[0]/status', 'concluded');
    // The un-dismissed zombie job makes the next one fail.
    const res = await qmpBackupAndWait(
      {
        device: 'drive0',
        format: iotests.imgfmt,
        sync: 'full',
        target: destImg2,
        auto_dismiss: false,
      },
      { serror: "Job ID 'drive0' already in use" },
    );
    expect(res).toBe(false);
    // Dismiss the zombie.
    expect(await vm.qmp('block-job-dismiss', { id: 'drive0' })).toMatchQmp('return', {});
    expect(await vm.qmp('query-block-jobs')).toMatchQmp('return', []);
    // It is really gone.
    await qmpBackupAndWait({
      device: 'drive0',
      format: iotests.imgfmt,
      sync: 'full',
      target: destImg2,
      auto_dismiss: false,
    });
  });

  async function dismissalFailure(dismissalOpt: boolean): Promise<void> {
    expect(await vm.qmp('query-block-jobs')).toMatchQmp('return', []);
    // Something for blkdebug to chew on.
    await hmpIoWrites('drive0', [
      ['0x9a', 0, 512],
      ['0x55', '8M', '352k'],
      ['0x78', '15872k', '1M'],
    ]);
    // The destination node, through blkdebug.
    expect(
      await vm.qmp('blockdev-add', {
        node_name: 'target0',
        driver: iotests.imgfmt,
        file: {
          driver: 'blkdebug',
          image: { driver: 'file', filename: destImg },
          'inject-error': [{ event: 'write_aio', errno: 5, immediately: false, once: true }],
        },
      }),
    ).toMatchQmp('return', {});

    expect(
      await qmpBackup(
        {
          device: 'drive0',
          target: 'target0',
          on_target_error: 'stop',
          sync: 'full',
          auto_dismiss: dismissalOpt,
        },
        { cmd: 'blockdev-backup' },
      ),
    ).toBe(true);
    const event = await vm.eventWait('BLOCK_JOB_ERROR', { match: { data: { device: 'drive0' } } });
    expect(event).not.toBeNull();
    // The job pauses, but not at once: it cannot cancel the other requests in flight (which
    // did not fail).
    let res = await vm.qmp('query-block-jobs');
    const deadline = Date.now() + 60_000;
    while (!isPaused(res)) {
      if (Date.now() > deadline) {
        throw new Error('Timeout waiting for backup actually paused');
      }
      res = await vm.qmp('query-block-jobs');
    }
    expect(res).toMatchQmp('return[0]/status', 'paused');
    expect(await vm.qmp('block-job-dismiss', { id: 'drive0' })).toMatchQmp(
      'error/desc',
      "Job 'drive0' in state 'paused' cannot accept command verb 'dismiss'",
    );
    expect(await vm.qmp('query-block-jobs')).toMatchQmp('return[0]/status', 'paused');
    // Unstick the job and move on.
    expect(await vm.qmp('block-job-resume', { device: 'drive0' })).toMatchQmp('return', {});
    // Wait for it to conclude.
    expect(await qmpBackupWait('drive0')).toBe(true);
    if (!dismissalOpt) {
      // The job lingers.
      expect(await vm.qmp('query-block-jobs')).toMatchQmp('return[0]/status', 'concluded');
      expect(await vm.qmp('block-job-dismiss', { id: 'drive0' })).toMatchQmp('return', {});
      expect(await vm.qmp('query-block-jobs')).toMatchQmp('return', []);
    }
  }

  test('test_dismiss_premature', () => dismissalFailure(false));

  test('test_dismiss_erroneous', () => dismissalFailure(true));
});

function isPaused(result: unknown): boolean {
  if (typeof result !== 'object' || result === null || !('return' in result)) {
    return false;
  }
  const jobs = result.return;
  if (!Array.isArray(jobs) || jobs.length === 0) {
    return false;
  }
  const job: unknown = jobs[0];
  return typeof job === 'object' && job !== null && 'status' in job && job.status === 'paused';
}
