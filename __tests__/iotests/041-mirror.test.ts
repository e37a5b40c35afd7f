/**
 * @qemu-vm none
 * @group rw auto backing
 */
// QEMU iotest 041: image mirroring (drive-mirror / blockdev-mirror), ported in full from the
// unittest-style Python test. Each TestCase class is a describe block; the TestSingleDrive
// subclasses (other image lengths, blockdev-mirror) are the same cases defined again with their
// parameters, minus the cases the subclass sets to None. Every setUp/tearDown starts and stops
// its own VM.
//
// Running under tcg instead of qtest: the Python test was written for the qtest accelerator,
// where no guest code runs. Under tcg SeaBIOS reads the boot disk (drive0) about half a second
// after start; when that read comes before a job's reads, it moves the blkdebug state machines of
// TestReadErrors (the injected error then hits another request). That race depends on timing, so
// every VM here starts with its CPU stopped (-S), which restores the "no guest code" the test
// relies on; nothing here needs a running guest. No case steps the virtual clock, so none needs
// qtest.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { iotests, unchecked, VM } from 'qemu-iotests';
import type { Qapi, QmpArguments, QmpResponse, Requirements } from 'qemu-iotests';

const REQUIREMENTS: Requirements = {
  formats: ['qcow2', 'qed'],
  protocols: ['file'],
  platforms: ['linux', 'freebsd', 'netbsd', 'openbsd'],
};
iotests.requires(REQUIREMENTS);

const MiB = 1024 * 1024;
const backingImg = iotests.filePath('backing.img');
const targetBackingImg = iotests.filePath('target-backing.img');
const testImg = iotests.filePath('test.img');
const targetImg = iotests.filePath('target.img');

const quorumImg1 = iotests.filePath('quorum1.img');
const quorumImg2 = iotests.filePath('quorum2.img');
const quorumImg3 = iotests.filePath('quorum3.img');
const quorumRepairImg = iotests.filePath('quorum_repair.img');
const quorumSnapshotFile = iotests.filePath('quorum_snapshot.img');

const nbdSockPath = path.join(iotests.sockDir, 'nbd.sock');

/** A job is running (or ready) in query-block-jobs. */
async function expectRunningOrReady(vm: VM): Promise<void> {
  const result = await vm.qmp('query-block-jobs');
  expect(['running', 'ready']).toContain(iotests.qmpPath(result, 'return[0]/status'));
}

/** `qemu-img compare` of the two images says they are identical. */
async function expectSameImages(img1: string, img2: string): Promise<void> {
  // target image does not match source after mirroring
  expect(await iotests.compareImages(img1, img2)).toBe(true);
}

/** The seed's legacy CD-ROM on the default 'pc' machine. */
function addCdrom(vm: VM): void {
  if (iotests.capabilities.defaultMachine === 'pc') {
    vm.addDrive(null, { opts: 'media=cdrom', interface: 'ide' });
  }
}

/** TestSingleDrive and its subclasses. */
interface SingleDriveVariant {
  readonly imageLen: number;
  /** blockdev-mirror to node1 (TestSingleBlockdev*) instead of drive-mirror to target.img. */
  readonly blockdev: boolean;
  /** Cases the subclass sets to None. */
  readonly without: readonly string[];
}

function singleDriveCases(name: string, variant: SingleDriveVariant): void {
  const { imageLen, blockdev } = variant;
  const qmpCmd = blockdev ? 'blockdev-mirror' : 'drive-mirror';
  const qmpTarget = blockdev ? 'node1' : targetImg;
  const without = new Set(variant.without);
  if (!blockdev) {
    // Only TestSingleBlockdev defines these.
    for (const only of [
      'test_mirror_to_self',
      'test_source_resize',
      'test_target_resize',
      'test_small_target',
      'test_large_target',
    ]) {
      without.add(only);
    }
  } else {
    // TestSingleBlockdev sets these to None.
    for (const dropped of ['test_large_cluster', 'test_image_not_found', 'test_small_buffer2']) {
      without.add(dropped);
    }
  }
  const unless = (caseName: string, fn: () => Promise<void>): void => {
    if (!without.has(caseName)) {
      test(caseName, fn);
    }
  };

  describe(name, () => {
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
      vm = new VM({ paused: true }).addDrive(testImg, {
        opts: 'node-name=top,backing.node-name=base',
      });
      addCdrom(vm);
      await vm.launch();

      if (blockdev) {
        await iotests.qemuImg(
          'create',
          '-f',
          iotests.imgfmt,
          '-o',
          `backing_file=${backingImg}`,
          '-F',
          'raw',
          targetImg,
        );
        expect(
          await vm.qmp('blockdev-add', {
            driver: iotests.imgfmt,
            'node-name': qmpTarget,
            file: { filename: targetImg, driver: 'file' },
          }),
        ).toMatchQmp('return', {});
      }
    });

    afterEach(async () => {
      await vm.shutdown();
      iotests.tryRemove(testImg);
      iotests.tryRemove(backingImg);
      iotests.tryRemove(targetImg);
    });

    /** After completion the drive's image is the target; it equals the source. */
    async function expectCompletedToTarget(): Promise<void> {
      expect(await vm.qmp('query-block')).toMatchQmp('return[0]/inserted/file', targetImg);
      await vm.shutdown();
      await expectSameImages(testImg, targetImg);
    }

    unless('test_complete', async () => {
      await expect(vm).toHaveNoActiveBlockJobs();

      expect(
        await vm.qmp(qmpCmd, { device: 'drive0', sync: 'full', target: qmpTarget }),
      ).toMatchQmp('return', {});

      await vm.completeAndWait();
      await expectCompletedToTarget();
    });

    unless('test_cancel', async () => {
      await expect(vm).toHaveNoActiveBlockJobs();

      expect(
        await vm.qmp(qmpCmd, { device: 'drive0', sync: 'full', target: qmpTarget }),
      ).toMatchQmp('return', {});

      await vm.cancelAndWait({ force: true });
      expect(await vm.qmp('query-block')).toMatchQmp('return[0]/inserted/file', testImg);
    });

    unless('test_cancel_after_ready', async () => {
      await expect(vm).toHaveNoActiveBlockJobs();

      expect(
        await vm.qmp(qmpCmd, { device: 'drive0', sync: 'full', target: qmpTarget }),
      ).toMatchQmp('return', {});

      await vm.waitReadyAndCancel();
      expect(await vm.qmp('query-block')).toMatchQmp('return[0]/inserted/file', testImg);
      await vm.shutdown();
      await expectSameImages(testImg, targetImg);
    });

    unless('test_pause', async () => {
      await expect(vm).toHaveNoActiveBlockJobs();

      expect(
        await vm.qmp(qmpCmd, { device: 'drive0', sync: 'full', target: qmpTarget }),
      ).toMatchQmp('return', {});

      await vm.pauseJob({ jobId: 'drive0' });

      const offset = iotests.qmpPath(await vm.qmp('query-block-jobs'), 'return[0]/offset');

      await iotests.observationWindow(500);
      expect(await vm.qmp('query-block-jobs')).toMatchQmp('return[0]/offset', offset);

      expect(await vm.qmp('block-job-resume', { device: 'drive0' })).toMatchQmp('return', {});

      await vm.completeAndWait();
      await vm.shutdown();
      await expectSameImages(testImg, targetImg);
    });

    unless('test_small_buffer', async () => {
      await expect(vm).toHaveNoActiveBlockJobs();

      // A small buffer is rounded up automatically.
      expect(
        await vm.qmp(qmpCmd, {
          device: 'drive0',
          sync: 'full',
          buf_size: 4096,
          target: qmpTarget,
        }),
      ).toMatchQmp('return', {});

      await vm.completeAndWait();
      await expectCompletedToTarget();
    });

    unless('test_small_buffer2', async () => {
      await expect(vm).toHaveNoActiveBlockJobs();

      await iotests.qemuImg(
        'create',
        '-f',
        iotests.imgfmt,
        '-o',
        `cluster_size=${imageLen},size=${imageLen}`,
        targetImg,
      );
      expect(
        await vm.qmp(qmpCmd, {
          device: 'drive0',
          sync: 'full',
          buf_size: 65536,
          mode: 'existing',
          target: qmpTarget,
        }),
      ).toMatchQmp('return', {});

      await vm.completeAndWait();
      await expectCompletedToTarget();
    });

    unless('test_large_cluster', async () => {
      await expect(vm).toHaveNoActiveBlockJobs();

      await iotests.qemuImg(
        'create',
        '-f',
        iotests.imgfmt,
        '-o',
        `cluster_size=${imageLen},backing_file=${backingImg}`,
        '-F',
        'raw',
        targetImg,
      );
      expect(
        await vm.qmp(qmpCmd, {
          device: 'drive0',
          sync: 'full',
          mode: 'existing',
          target: qmpTarget,
        }),
      ).toMatchQmp('return', {});

      await vm.completeAndWait();
      await expectCompletedToTarget();
    });

    // The mirror_top filter node makes no difference to query-block / query-blockstats.
    unless('test_implicit_node', async () => {
      await expect(vm).toHaveNoActiveBlockJobs();

      expect(
        await vm.qmp(qmpCmd, { device: 'drive0', sync: 'full', target: qmpTarget }),
      ).toMatchQmp('return', {});

      const checkGraph = async (): Promise<void> => {
        let result: QmpResponse<unknown> = await vm.qmp('query-block');
        expect(result).toMatchQmp('return[0]/inserted/file', testImg);
        expect(result).toMatchQmp('return[0]/inserted/drv', iotests.imgfmt);
        expect(result).toMatchQmp('return[0]/inserted/backing_file', backingImg);
        expect(result).toMatchQmp('return[0]/inserted/backing_file_depth', 1);
        expect(result).toMatchQmp('return[0]/inserted/image/filename', testImg);
        expect(result).toMatchQmp('return[0]/inserted/image/backing-image/filename', backingImg);

        result = await vm.qmp('query-blockstats');
        expect(result).toMatchQmp('return[0]/node-name', 'top');
        expect(result).toMatchQmp('return[0]/backing/node-name', 'base');
      };

      await checkGraph();
      await vm.cancelAndWait({ force: true });
      await checkGraph();
    });

    unless('test_medium_not_found', async () => {
      if (iotests.capabilities.defaultMachine !== 'pc') {
        return;
      }

      expect(
        await vm.qmp(qmpCmd, { device: 'ide1-cd0', sync: 'full', target: qmpTarget }),
      ).toMatchQmp('error/class', 'GenericError');
    });

    unless('test_image_not_found', async () => {
      expect(
        await vm.qmp(qmpCmd, {
          device: 'drive0',
          sync: 'full',
          mode: 'existing',
          target: qmpTarget,
        }),
      ).toMatchQmp('error/class', 'GenericError');
    });

    unless('test_device_not_found', async () => {
      expect(
        await vm.qmp(qmpCmd, { device: 'nonexistent', sync: 'full', target: qmpTarget }),
      ).toMatchQmp('error/class', 'GenericError');
    });

    // TestSingleBlockdev's own cases.

    unless('test_mirror_to_self', async () => {
      expect(
        await vm.qmp(qmpCmd, {
          job_id: 'job0',
          device: qmpTarget,
          sync: 'full',
          target: qmpTarget,
        }),
      ).toMatchQmp('error/class', 'GenericError');
    });

    /** While the job waits to be finalized, neither its source nor its target can be resized. */
    async function doTestResize(device: string | null, node: string): Promise<void> {
      const preFinalize = async (): Promise<void> => {
        if (device !== null) {
          expect(await vm.qmp('block_resize', { device, size: 65536 })).toMatchQmp(
            'error/class',
            'GenericError',
          );
        }
        expect(await vm.qmp('block_resize', { node_name: node, size: 65536 })).toMatchQmp(
          'error/class',
          'GenericError',
        );
      };

      expect(
        await vm.qmp(qmpCmd, {
          job_id: 'job0',
          device: 'drive0',
          sync: 'full',
          target: qmpTarget,
          auto_finalize: false,
          auto_dismiss: false,
        }),
      ).toMatchQmp('return', {});

      expect(await vm.runJob('job0', { autoFinalize: false, preFinalize })).toBeNull();
    }

    unless('test_source_resize', () => doTestResize('drive0', 'top'));

    unless('test_target_resize', () => doTestResize(null, qmpTarget));

    async function doTestTargetSize(size: number): Promise<void> {
      expect(await vm.qmp('block_resize', { node_name: qmpTarget, size })).toMatchQmp('return', {});

      expect(
        await vm.qmp(qmpCmd, {
          job_id: 'job0',
          device: 'drive0',
          sync: 'full',
          auto_dismiss: false,
          target: qmpTarget,
        }),
      ).toMatchQmp('return', {});

      expect(await vm.runJob('job0')).toBe('Source and target image have different sizes');
    }

    unless('test_small_target', async () => {
      // qed cannot shrink (the seed's skip_for_formats('qed')).
      iotests.requires({ unsupportedFormats: ['qed'] });
      await doTestTargetSize(Math.floor(imageLen / 2));
    });

    unless('test_large_target', () => doTestTargetSize(imageLen * 2));
  });
}

singleDriveCases('TestSingleDrive', { imageLen: 1 * MiB, blockdev: false, without: [] });
singleDriveCases('TestSingleBlockdev', { imageLen: 1 * MiB, blockdev: true, without: [] });
singleDriveCases('TestSingleDriveZeroLength', {
  imageLen: 0,
  blockdev: false,
  without: ['test_small_buffer2', 'test_large_cluster'],
});
singleDriveCases('TestSingleBlockdevZeroLength', {
  imageLen: 0,
  blockdev: true,
  without: ['test_small_target', 'test_large_target'],
});
singleDriveCases('TestSingleDriveUnalignedLength', {
  imageLen: 1025 * 1024,
  blockdev: false,
  without: ['test_small_buffer2', 'test_large_cluster'],
});
singleDriveCases('TestSingleBlockdevUnalignedLength', {
  imageLen: 1025 * 1024,
  blockdev: true,
  without: [],
});

describe('TestMirrorNoBacking', () => {
  const imageLen = 2 * MiB;
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
    vm = new VM({ paused: true }).addDrive(testImg);
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(testImg);
    iotests.tryRemove(backingImg);
    iotests.tryRemove(targetBackingImg);
    iotests.tryRemove(targetImg);
  });

  test('test_complete', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    await iotests.qemuImg(
      'create',
      '-f',
      iotests.imgfmt,
      '-o',
      `backing_file=${backingImg}`,
      '-F',
      'raw',
      targetImg,
    );
    expect(
      await vm.qmp('drive-mirror', {
        device: 'drive0',
        sync: 'full',
        mode: 'existing',
        target: targetImg,
      }),
    ).toMatchQmp('return', {});

    await vm.completeAndWait();
    expect(await vm.qmp('query-block')).toMatchQmp('return[0]/inserted/file', targetImg);
    await vm.shutdown();
    await expectSameImages(testImg, targetImg);
  });

  test('test_cancel', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    await iotests.qemuImg(
      'create',
      '-f',
      iotests.imgfmt,
      '-o',
      `backing_file=${backingImg}`,
      '-F',
      'raw',
      targetImg,
    );
    expect(
      await vm.qmp('drive-mirror', {
        device: 'drive0',
        sync: 'full',
        mode: 'existing',
        target: targetImg,
      }),
    ).toMatchQmp('return', {});

    await vm.waitReadyAndCancel();
    expect(await vm.qmp('query-block')).toMatchQmp('return[0]/inserted/file', testImg);
    await vm.shutdown();
    await expectSameImages(testImg, targetImg);
  });

  test('test_large_cluster', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    // qemu-img create fails when the backing image is not there.
    await iotests.qemuImg(
      'create',
      '-f',
      iotests.imgfmt,
      '-o',
      `size=${imageLen}`,
      targetBackingImg,
    );
    await iotests.qemuImg(
      'create',
      '-f',
      iotests.imgfmt,
      '-o',
      `cluster_size=${imageLen},backing_file=${targetBackingImg}`,
      '-F',
      iotests.imgfmt,
      targetImg,
    );

    expect(
      await vm.qmp('drive-mirror', {
        device: 'drive0',
        sync: 'full',
        mode: 'existing',
        target: targetImg,
      }),
    ).toMatchQmp('return', {});

    await vm.completeAndWait();
    expect(await vm.qmp('query-block')).toMatchQmp('return[0]/inserted/file', targetImg);
    await vm.shutdown();
    await expectSameImages(testImg, targetImg);
  });
});

describe('TestMirrorResized', () => {
  const backingLen = 1 * MiB;
  let vm: VM;

  beforeEach(async () => {
    await iotests.createImage(backingImg, backingLen);
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
    await iotests.qemuImg('resize', testImg, '2M');
    vm = new VM({ paused: true }).addDrive(testImg);
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(testImg);
    iotests.tryRemove(backingImg);
    iotests.tryRemove(targetImg);
  });

  for (const sync of ['top', 'full'] as const) {
    test(`test_complete_${sync}`, async () => {
      await expect(vm).toHaveNoActiveBlockJobs();

      expect(
        await vm.qmp('drive-mirror', { device: 'drive0', sync, target: targetImg }),
      ).toMatchQmp('return', {});

      await vm.completeAndWait();
      expect(await vm.qmp('query-block')).toMatchQmp('return[0]/inserted/file', targetImg);
      await vm.shutdown();
      await expectSameImages(testImg, targetImg);
    });
  }
});

// TestReadErrors / TestWriteErrors: a blkdebug config that fails one request at the mirror
// granularity once, toggling between two states on every `event` so that the error hits the
// first request there only.
const errorsImageLen = 2 * MiB;
// A multiple of twice the default granularity, so that this offset is hit first in state 1.
const MIRROR_GRANULARITY = 1024 * 1024;

function createBlkdebugFile(name: string, event: string, errno: number): void {
  writeFileSync(
    name,
    `
[inject-error]
state = "1"
event = "${event}"
errno = "${errno}"
immediately = "off"
once = "on"
sector = "${MIRROR_GRANULARITY / 512}"

[set-state]
state = "1"
event = "${event}"
new_state = "2"

[set-state]
state = "2"
event = "${event}"
new_state = "1"
`,
  );
}

/** The job stopped on an error: check it is paused with a failed I/O status, then resume it. */
async function checkPausedOnErrorAndResume(vm: VM): Promise<void> {
  if (iotests.qmpPath(await vm.qmp('query-block-jobs'), 'return[0]/status') !== 'paused') {
    await vm.eventsWait([['JOB_STATUS_CHANGE', { data: { id: 'drive0', status: 'paused' } }]]);
  }

  const result = await vm.qmp('query-block-jobs');
  expect(result).toMatchQmp('return[0]/status', 'paused');
  expect(result).toMatchQmp('return[0]/io-status', 'failed');

  expect(await vm.qmp('block-job-resume', { device: 'drive0' })).toMatchQmp('return', {});
}

/** The first job event that is not a status change must be a `operation` error of drive0. */
async function expectFirstEventIsError(vm: VM, operation: string): Promise<void> {
  let event = await vm.getQmpEvent({ wait: true });
  while (event.event === 'JOB_STATUS_CHANGE') {
    expect(event).toMatchQmp('data/id', 'drive0');
    event = await vm.getQmpEvent({ wait: true });
  }

  expect(event.event).toBe('BLOCK_JOB_ERROR');
  expect(event).toMatchQmp('data/device', 'drive0');
  expect(event).toMatchQmp('data/operation', operation);
}

describe('TestReadErrors', () => {
  const blkdebugFile = `${backingImg}.blkdebug`;
  let vm: VM;

  beforeEach(async () => {
    await iotests.createImage(backingImg, errorsImageLen);
    createBlkdebugFile(blkdebugFile, 'read_aio', 5);
    await iotests.qemuImg(
      'create',
      '-f',
      iotests.imgfmt,
      '-o',
      `backing_file=blkdebug:${blkdebugFile}:${backingImg},backing_fmt=raw`,
      testImg,
    );
    // Something for the cases that use sync='top'.
    await iotests.qemuIo('-c', `write ${MIRROR_GRANULARITY + 65536} 512`, testImg);
    vm = new VM({ paused: true }).addDrive(testImg);
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(testImg);
    iotests.tryRemove(targetImg);
    iotests.tryRemove(backingImg);
    iotests.tryRemove(blkdebugFile);
  });

  test('test_report_read', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(
      await vm.qmp('drive-mirror', { device: 'drive0', sync: 'full', target: targetImg }),
    ).toMatchQmp('return', {});

    let completed = false;
    let error = false;
    while (!completed) {
      for (const event of await vm.getQmpEvents({ wait: true })) {
        if (event.event === 'BLOCK_JOB_ERROR') {
          expect(event).toMatchQmp('data/device', 'drive0');
          expect(event).toMatchQmp('data/operation', 'read');
          error = true;
        } else if (event.event === 'BLOCK_JOB_READY') {
          throw new Error('job completed unexpectedly');
        } else if (event.event === 'BLOCK_JOB_COMPLETED') {
          // job completed unexpectedly
          expect(error).toBe(true);
          expect(event).toMatchQmp('data/type', 'mirror');
          expect(event).toMatchQmp('data/device', 'drive0');
          expect(event).toMatchQmp('data/error', 'Input/output error');
          completed = true;
        } else if (event.event === 'JOB_STATUS_CHANGE') {
          expect(event).toMatchQmp('data/id', 'drive0');
        }
      }
    }

    await expect(vm).toHaveNoActiveBlockJobs();
  });

  test('test_ignore_read', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(
      await vm.qmp('drive-mirror', {
        device: 'drive0',
        sync: 'full',
        target: targetImg,
        on_source_error: 'ignore',
      }),
    ).toMatchQmp('return', {});

    await expectFirstEventIsError(vm, 'read');
    await expectRunningOrReady(vm);
    await vm.completeAndWait();
  });

  test('test_large_cluster', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    // COW into the target image: the first half of the cluster at MIRROR_GRANULARITY must be
    // copied from backing_img, even with sync='top'.
    await iotests.qemuImg(
      'create',
      '-f',
      iotests.imgfmt,
      `-ocluster_size=131072,backing_file=${backingImg}`,
      '-F',
      'raw',
      targetImg,
    );
    expect(
      await vm.qmp('drive-mirror', {
        device: 'drive0',
        sync: 'top',
        on_source_error: 'ignore',
        mode: 'existing',
        target: targetImg,
      }),
    ).toMatchQmp('return', {});

    await expectFirstEventIsError(vm, 'read');
    await expectRunningOrReady(vm);
    await vm.completeAndWait();
    await vm.shutdown();

    // Detach blkdebug, so that the images compare.
    await iotests.qemuImg(
      'rebase',
      '-f',
      iotests.imgfmt,
      '-u',
      '-b',
      backingImg,
      '-F',
      'raw',
      testImg,
    );
    await expectSameImages(testImg, targetImg);
  });

  test('test_stop_read', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(
      await vm.qmp('drive-mirror', {
        device: 'drive0',
        sync: 'full',
        target: targetImg,
        on_source_error: 'stop',
      }),
    ).toMatchQmp('return', {});

    let error = false;
    let ready = false;
    while (!ready) {
      for (const event of await vm.getQmpEvents({ wait: true })) {
        if (event.event === 'BLOCK_JOB_ERROR') {
          expect(event).toMatchQmp('data/device', 'drive0');
          expect(event).toMatchQmp('data/operation', 'read');
          await checkPausedOnErrorAndResume(vm);
          error = true;
        } else if (event.event === 'BLOCK_JOB_READY') {
          // job completed unexpectedly
          expect(error).toBe(true);
          expect(event).toMatchQmp('data/device', 'drive0');
          ready = true;
        }
      }
    }

    const result = await vm.qmp('query-block-jobs');
    expect(result).toMatchQmp('return[0]/status', 'ready');
    expect(result).toMatchQmp('return[0]/io-status', 'ok');

    await vm.completeAndWait({ waitReady: false });
    await expect(vm).toHaveNoActiveBlockJobs();
  });
});

describe('TestWriteErrors', () => {
  const blkdebugFile = `${targetImg}.blkdebug`;
  const blkdebugTarget = `blkdebug:${blkdebugFile}:${targetImg}`;
  let vm: VM;

  beforeEach(async () => {
    await iotests.createImage(backingImg, errorsImageLen);
    createBlkdebugFile(blkdebugFile, 'write_aio', 5);
    await iotests.qemuImg(
      'create',
      '-f',
      iotests.imgfmt,
      `-obacking_file=${backingImg}`,
      '-F',
      'raw',
      testImg,
    );
    vm = new VM({ paused: true }).addDrive(testImg);
    await iotests.qemuImg('create', '-f', iotests.imgfmt, `-osize=${errorsImageLen}`, targetImg);
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(testImg);
    iotests.tryRemove(targetImg);
    iotests.tryRemove(backingImg);
    iotests.tryRemove(blkdebugFile);
  });

  test('test_report_write', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(
      await vm.qmp('drive-mirror', {
        device: 'drive0',
        sync: 'full',
        mode: 'existing',
        target: blkdebugTarget,
      }),
    ).toMatchQmp('return', {});

    let completed = false;
    let error = false;
    while (!completed) {
      for (const event of await vm.getQmpEvents({ wait: true })) {
        if (event.event === 'BLOCK_JOB_ERROR') {
          expect(event).toMatchQmp('data/device', 'drive0');
          expect(event).toMatchQmp('data/operation', 'write');
          error = true;
        } else if (event.event === 'BLOCK_JOB_READY') {
          throw new Error('job completed unexpectedly');
        } else if (event.event === 'BLOCK_JOB_COMPLETED') {
          // job completed unexpectedly
          expect(error).toBe(true);
          expect(event).toMatchQmp('data/type', 'mirror');
          expect(event).toMatchQmp('data/device', 'drive0');
          expect(event).toMatchQmp('data/error', 'Input/output error');
          completed = true;
        }
      }
    }

    await expect(vm).toHaveNoActiveBlockJobs();
  });

  test('test_ignore_write', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(
      await vm.qmp('drive-mirror', {
        device: 'drive0',
        sync: 'full',
        mode: 'existing',
        target: blkdebugTarget,
        on_target_error: 'ignore',
      }),
    ).toMatchQmp('return', {});

    const event = await vm.eventWait('BLOCK_JOB_ERROR');
    expect(event.event).toBe('BLOCK_JOB_ERROR');
    expect(event).toMatchQmp('data/device', 'drive0');
    expect(event).toMatchQmp('data/operation', 'write');
    await expectRunningOrReady(vm);
    await vm.completeAndWait();
  });

  test('test_stop_write', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(
      await vm.qmp('drive-mirror', {
        device: 'drive0',
        sync: 'full',
        mode: 'existing',
        target: blkdebugTarget,
        on_target_error: 'stop',
      }),
    ).toMatchQmp('return', {});

    let error = false;
    let ready = false;
    while (!ready) {
      for (const event of await vm.getQmpEvents({ wait: true })) {
        if (event.event === 'BLOCK_JOB_ERROR') {
          expect(event).toMatchQmp('data/device', 'drive0');
          expect(event).toMatchQmp('data/operation', 'write');
          await checkPausedOnErrorAndResume(vm);

          const result = await vm.qmp('query-block-jobs');
          expect(['running', 'ready']).toContain(iotests.qmpPath(result, 'return[0]/status'));
          expect(result).toMatchQmp('return[0]/io-status', 'ok');
          error = true;
        } else if (event.event === 'BLOCK_JOB_READY') {
          // job completed unexpectedly
          expect(error).toBe(true);
          expect(event).toMatchQmp('data/device', 'drive0');
          ready = true;
        }
      }
    }

    await vm.completeAndWait({ waitReady: false });
    await expect(vm).toHaveNoActiveBlockJobs();
  });
});

describe('TestSetSpeed', () => {
  const imageLen = 80 * MiB;
  let vm: VM;

  beforeEach(async () => {
    await iotests.qemuImg('create', backingImg, String(imageLen));
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
    vm = new VM({ paused: true }).addDrive(testImg);
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(testImg);
    iotests.tryRemove(backingImg);
    iotests.tryRemove(targetImg);
  });

  test('test_set_speed', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(
      await vm.qmp('drive-mirror', { device: 'drive0', sync: 'full', target: targetImg }),
    ).toMatchQmp('return', {});

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

    await vm.waitReadyAndCancel();

    // drive-mirror's own speed argument.
    expect(
      await vm.qmp('drive-mirror', {
        device: 'drive0',
        sync: 'full',
        target: targetImg,
        speed: 4 * MiB,
      }),
    ).toMatchQmp('return', {});

    result = await vm.qmp('query-block-jobs');
    expect(result).toMatchQmp('return[0]/device', 'drive0');
    expect(result).toMatchQmp('return[0]/speed', 4 * MiB);

    await vm.waitReadyAndCancel();
  });

  test('test_set_speed_invalid', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(
      await vm.qmp('drive-mirror', {
        device: 'drive0',
        sync: 'full',
        target: targetImg,
        speed: -1,
      }),
    ).toMatchQmp('error/class', 'GenericError');

    await expect(vm).toHaveNoActiveBlockJobs();

    expect(
      await vm.qmp('drive-mirror', { device: 'drive0', sync: 'full', target: targetImg }),
    ).toMatchQmp('return', {});

    expect(await vm.qmp('block-job-set-speed', { device: 'drive0', speed: -1 })).toMatchQmp(
      'error/class',
      'GenericError',
    );

    await vm.waitReadyAndCancel();
  });
});

describe('TestUnbackedSource', () => {
  const imageLen = 2 * MiB;
  let vm: VM;

  beforeEach(async () => {
    await iotests.qemuImg('create', '-f', iotests.imgfmt, testImg, String(imageLen));
    vm = new VM({ paused: true });
    await vm.launch();
    expect(
      await vm.qmp('blockdev-add', {
        node_name: 'drive0',
        driver: iotests.imgfmt,
        file: { driver: 'file', filename: testImg },
      }),
    ).toMatchQmp('return', {});
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(testImg);
    iotests.tryRemove(targetImg);
  });

  for (const sync of ['full', 'top', 'none'] as const) {
    test(`test_absolute_paths_${sync}`, async () => {
      await expect(vm).toHaveNoActiveBlockJobs();
      expect(
        await vm.qmp('drive-mirror', {
          job_id: 'drive0',
          device: 'drive0',
          sync,
          target: targetImg,
          mode: 'absolute-paths',
        }),
      ).toMatchQmp('return', {});
      await vm.completeAndWait();
      await expect(vm).toHaveNoActiveBlockJobs();
    });
  }

  test('test_existing_full', async () => {
    await iotests.qemuImg('create', '-f', iotests.imgfmt, targetImg, String(imageLen));
    await iotests.qemuIo('-c', 'write -P 42 0 64k', targetImg);

    await expect(vm).toHaveNoActiveBlockJobs();
    expect(
      await vm.qmp('drive-mirror', {
        job_id: 'drive0',
        device: 'drive0',
        sync: 'full',
        target: targetImg,
        mode: 'existing',
      }),
    ).toMatchQmp('return', {});
    await vm.completeAndWait();
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(await vm.qmp('blockdev-del', { node_name: 'drive0' })).toMatchQmp('return', {});

    await expectSameImages(testImg, targetImg);
  });

  test('test_blockdev_full', async () => {
    await iotests.qemuImg('create', '-f', iotests.imgfmt, targetImg, String(imageLen));
    await iotests.qemuIo('-c', 'write -P 42 0 64k', targetImg);

    expect(
      await vm.qmp('blockdev-add', {
        node_name: 'target',
        driver: iotests.imgfmt,
        file: { driver: 'file', filename: targetImg },
      }),
    ).toMatchQmp('return', {});

    await expect(vm).toHaveNoActiveBlockJobs();
    expect(
      await vm.qmp('blockdev-mirror', {
        job_id: 'drive0',
        device: 'drive0',
        sync: 'full',
        target: 'target',
      }),
    ).toMatchQmp('return', {});
    await vm.completeAndWait();
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(await vm.qmp('blockdev-del', { node_name: 'drive0' })).toMatchQmp('return', {});
    expect(await vm.qmp('blockdev-del', { node_name: 'target' })).toMatchQmp('return', {});

    await expectSameImages(testImg, targetImg);
  });
});

describe('TestGranularity', () => {
  const imageLen = 10 * MiB;
  let vm: VM;

  beforeEach(async () => {
    await iotests.qemuImg('create', '-f', iotests.imgfmt, testImg, String(imageLen));
    await iotests.qemuIo('-c', `write 0 ${imageLen}`, testImg);
    vm = new VM({ paused: true }).addDrive(testImg);
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    await expectSameImages(testImg, targetImg);
    iotests.tryRemove(testImg);
    iotests.tryRemove(targetImg);
  });

  test('test_granularity', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();
    expect(
      await vm.qmp('drive-mirror', {
        device: 'drive0',
        sync: 'full',
        target: targetImg,
        mode: 'absolute-paths',
        granularity: 8192,
      }),
    ).toMatchQmp('return', {});

    let event = await vm.getQmpEvent({ wait: true });
    while (event.event === 'JOB_STATUS_CHANGE') {
      expect(event).toMatchQmp('data/id', 'drive0');
      event = await vm.getQmpEvent({ wait: true });
    }

    // Failures show as COMPLETED / ERROR.
    expect(event).toMatchQmp('event', 'BLOCK_JOB_READY');
    await vm.completeAndWait({ drive: 'drive0', waitReady: false });
    await expect(vm).toHaveNoActiveBlockJobs();
  });
});

// Quorum file repair with drive-mirror (mostly a fork of TestSingleDrive).
describe('TestRepairQuorum', () => {
  const imageLen = 1 * MiB;
  const IMAGES = [quorumImg1, quorumImg2, quorumImg3];
  let vm: VM | undefined;

  beforeEach(async () => {
    vm = undefined;
    // The seed's skip_if_unsupported(['quorum']) on setUp.
    if (!iotests.requires({ requiredFormats: ['quorum'] })) {
      return;
    }
    const quorumVm = new VM({ paused: true });
    addCdrom(quorumVm);

    // Each quorum image gets a node name, to manipulate them one by one.
    for (const [index, img] of IMAGES.entries()) {
      await iotests.qemuImg('create', '-f', iotests.imgfmt, img, String(imageLen));
      quorumVm.addBlockdev([
        `node-name=img${index}`,
        `driver=${iotests.imgfmt}`,
        'file.driver=file',
        `file.filename=${img}`,
      ]);
    }

    await quorumVm.launch();
    vm = quorumVm;

    // The quorum device, assembled from the images.
    expect(
      await vm.qmp('blockdev-add', {
        driver: 'quorum',
        'node-name': 'quorum0',
        'vote-threshold': 2,
        children: ['img0', 'img1', 'img2'],
      }),
    ).toMatchQmp('return', {});
  });

  afterEach(async () => {
    await vm?.shutdown();
    // Some cases remove images themselves.
    for (const file of [...IMAGES, quorumRepairImg, quorumSnapshotFile, nbdSockPath]) {
      iotests.tryRemove(file);
    }
  });

  function startedVm(): VM {
    if (vm === undefined) {
      throw new Error('setUp did not start the VM');
    }
    return vm;
  }

  const repairArgs: QmpArguments<'drive-mirror'> = {
    job_id: 'job0',
    device: 'quorum0',
    sync: 'full',
    node_name: 'repair0',
    replaces: 'img1',
    target: quorumRepairImg,
    format: iotests.imgfmt,
  };

  test('test_complete', async () => {
    const vm = startedVm();
    expect(await vm.qmp('drive-mirror', repairArgs)).toMatchQmp('return', {});

    await vm.completeAndWait({ drive: 'job0' });
    await expect(vm).toHaveBlockNode({ nodeName: 'repair0', fileName: quorumRepairImg });
    await expect(vm).toHaveBlockPath('quorum0', '/children.1', 'repair0');
    await vm.shutdown();
    await expectSameImages(quorumImg2, quorumRepairImg);
  });

  test('test_cancel', async () => {
    const vm = startedVm();
    expect(await vm.qmp('drive-mirror', repairArgs)).toMatchQmp('return', {});

    await vm.cancelAndWait({ drive: 'job0', force: true });
    // The last registered quorum file was not swapped out and unref'd.
    await expect(vm).toHaveBlockNode({ fileName: quorumImg3 });
  });

  test('test_cancel_after_ready', async () => {
    const vm = startedVm();
    expect(await vm.qmp('drive-mirror', repairArgs)).toMatchQmp('return', {});

    await vm.waitReadyAndCancel({ drive: 'job0' });
    // The last registered quorum file was not swapped out and unref'd.
    await expect(vm).toHaveBlockNode({ fileName: quorumImg3 });
    await vm.shutdown();
    await expectSameImages(quorumImg2, quorumRepairImg);
  });

  test('test_pause', async () => {
    const vm = startedVm();
    expect(await vm.qmp('drive-mirror', repairArgs)).toMatchQmp('return', {});

    await vm.pauseJob({ jobId: 'job0' });

    const offset = iotests.qmpPath(await vm.qmp('query-block-jobs'), 'return[0]/offset');

    await iotests.observationWindow(500);
    expect(await vm.qmp('query-block-jobs')).toMatchQmp('return[0]/offset', offset);

    expect(await vm.qmp('block-job-resume', { device: 'job0' })).toMatchQmp('return', {});

    await vm.completeAndWait({ drive: 'job0' });
    await vm.shutdown();
    await expectSameImages(quorumImg2, quorumRepairImg);
  });

  test('test_medium_not_found', async () => {
    const vm = startedVm();
    if (iotests.capabilities.defaultMachine !== 'pc') {
      return;
    }

    // drive0 is the CD-ROM.
    expect(await vm.qmp('drive-mirror', { ...repairArgs, device: 'drive0' })).toMatchQmp(
      'error/class',
      'GenericError',
    );
  });

  test('test_image_not_found', async () => {
    const vm = startedVm();
    expect(await vm.qmp('drive-mirror', { ...repairArgs, mode: 'existing' })).toMatchQmp(
      'error/class',
      'GenericError',
    );
  });

  test('test_device_not_found', async () => {
    const vm = startedVm();
    expect(await vm.qmp('drive-mirror', { ...repairArgs, device: 'nonexistent' })).toMatchQmp(
      'error/class',
      'GenericError',
    );
  });

  test('test_wrong_sync_mode', async () => {
    const vm = startedVm();
    const { sync: _sync, ...withoutSync } = repairArgs;
    // sync is missing on purpose.
    expect(await vm.qmp('drive-mirror', unchecked(withoutSync))).toMatchQmp(
      'error/class',
      'GenericError',
    );
  });

  test('test_no_node_name', async () => {
    const vm = startedVm();
    const { node_name: _nodeName, ...withoutNodeName } = repairArgs;
    expect(await vm.qmp('drive-mirror', withoutNodeName)).toMatchQmp('error/class', 'GenericError');
  });

  test('test_nonexistent_replaces', async () => {
    const vm = startedVm();
    expect(await vm.qmp('drive-mirror', { ...repairArgs, replaces: 'img77' })).toMatchQmp(
      'error/class',
      'GenericError',
    );
  });

  test('test_after_a_quorum_snapshot', async () => {
    const vm = startedVm();
    // The seed does not check this reply either: the next command shows its effect.
    await vm.qmp('blockdev-snapshot-sync', {
      node_name: 'img1',
      snapshot_file: quorumSnapshotFile,
      snapshot_node_name: 'snap1',
    });

    expect(await vm.qmp('drive-mirror', repairArgs)).toMatchQmp('error/class', 'GenericError');

    expect(await vm.qmp('drive-mirror', { ...repairArgs, replaces: 'snap1' })).toMatchQmp(
      'return',
      {},
    );

    await vm.completeAndWait({ drive: 'job0' });
    await expect(vm).toHaveBlockNode({ nodeName: 'repair0', fileName: quorumRepairImg });
    await expect(vm).toHaveBlockPath('quorum0', '/children.1', 'repair0');
  });

  // A quorum child that has other parents cannot be replaced.
  test('test_with_other_parent', async () => {
    const vm = startedVm();
    expect(
      await vm.qmp('nbd-server-start', { addr: { type: 'unix', data: { path: nbdSockPath } } }),
    ).toMatchQmp('return', {});

    expect(await vm.qmp('nbd-server-add', { device: 'img1' })).toMatchQmp('return', {});

    expect(await vm.qmp('drive-mirror', { ...repairArgs, job_id: 'mirror' })).toMatchQmp(
      'error/desc',
      "Cannot replace 'img1' by a node mirrored from 'quorum0', because it cannot be " +
        'guaranteed that doing so would not lead to an abrupt change of visible data',
    );
  });

  // As test_with_other_parent, with the NBD server added while the mirror job runs.
  test('test_with_other_parents_after_mirror_start', async () => {
    const vm = startedVm();
    expect(
      await vm.qmp('nbd-server-start', { addr: { type: 'unix', data: { path: nbdSockPath } } }),
    ).toMatchQmp('return', {});

    expect(await vm.qmp('drive-mirror', { ...repairArgs, job_id: 'mirror' })).toMatchQmp(
      'return',
      {},
    );

    expect(await vm.qmp('nbd-server-add', { device: 'img1' })).toMatchQmp('return', {});

    // The full error message goes to QEMU's stderr: checked below.
    await vm.completeAndWait({ drive: 'mirror', completionError: 'Operation not permitted' });

    // Not replaced.
    await expect(vm).toHaveBlockPath('quorum0', '/children.1', 'img1');

    await vm.shutdown();
    let log = vm.getLog() ?? '';
    log = log.replace(/^\[I \d+\.\d+\] OPENED\n/, '');
    log = log.replace(/^Formatting.*\n/, '');
    log = log.replace(/\n\[I \+\d+\.\d+\] CLOSED\n?$/, '');
    // Under qtest the CLOSED line above is last and its removal takes the message's line end
    // with it; without a qtest socket (tcg) there is no such line, so drop the line end here.
    log = log.replace(/\n$/, '');
    log = log.replace(new RegExp(`^${path.basename(iotests.config.binaries.qemu)}: `), '');

    expect(log).toBe(
      "Can no longer replace 'img1' by 'repair0', because it can no longer be guaranteed " +
        'that doing so would not lead to an abrupt change of visible data',
    );
  });
});

// Mirroring a source without any parents (not even a BlockBackend).
describe('TestOrphanedSource', () => {
  let vm: VM;

  beforeEach(async () => {
    const blk0 = { 'node-name': 'src', driver: 'null-co' };
    const blk1 = { 'node-name': 'dest', driver: 'null-co' };
    const blk2 = { 'node-name': 'dest-ro', driver: 'null-co', 'read-only': 'on' };

    vm = new VM({ paused: true });
    vm.addBlockdev(vm.qmpToOpts(blk0));
    vm.addBlockdev(vm.qmpToOpts(blk1));
    vm.addBlockdev(vm.qmpToOpts(blk2));
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
  });

  test('test_no_job_id', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(
      await vm.qmp('blockdev-mirror', { device: 'src', sync: 'full', target: 'dest' }),
    ).toMatchQmp('error/class', 'GenericError');
  });

  test('test_success', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(
      await vm.qmp('blockdev-mirror', {
        job_id: 'job',
        device: 'src',
        sync: 'full',
        target: 'dest',
      }),
    ).toMatchQmp('return', {});

    await vm.completeAndWait({ drive: 'job' });
  });

  test('test_failing_permissions', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(
      await vm.qmp('blockdev-mirror', { device: 'src', sync: 'full', target: 'dest-ro' }),
    ).toMatchQmp('error/class', 'GenericError');
  });

  test('test_failing_permission_in_complete', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    // Unshare consistent-read on the target (the mirror job does not care).
    expect(
      await vm.qmp('blockdev-add', {
        driver: 'blkdebug',
        node_name: 'dest-perm',
        image: 'dest',
        unshare_child_perms: ['consistent-read'],
      }),
    ).toMatchQmp('return', {});

    expect(
      await vm.qmp('blockdev-mirror', {
        job_id: 'job',
        device: 'src',
        sync: 'full',
        target: 'dest',
        filter_node_name: 'mirror-filter',
      }),
    ).toMatchQmp('return', {});

    // Require consistent-read on the source. Only possible once the job runs: before, the job
    // would refuse to run on a non-root node.
    expect(
      await vm.qmp('blockdev-add', {
        driver: 'blkdebug',
        node_name: 'src-perm',
        image: 'src',
        take_child_perms: ['consistent-read'],
      }),
    ).toMatchQmp('return', {});

    // Completing replaces src by dest, which fails: src-perm needs consistent-read and
    // dest-perm does not share it. So the job aborts when it should complete.
    await vm.completeAndWait({ drive: 'job', completionError: 'Operation not permitted' });

    // All our nodes are still there; the mirror filter is gone despite the failure.
    const nodes = iotests
      .qmpPath(await vm.qmp('query-named-block-nodes'), 'return')
      .map((node) => node['node-name']);

    for (const expected of ['src', 'src-perm', 'dest', 'dest-perm']) {
      // `${expected} disappeared`
      expect(nodes).toContain(expected);
    }
    // Mirror filter node did not disappear
    expect(nodes).not.toContain('mirror-filter');
  });
});

// @replaces without Quorum.
describe('TestReplaces', () => {
  let vm: VM;

  // Each case builds its own block graph.
  beforeEach(async () => {
    vm = new VM({ paused: true });
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    for (const img of [testImg, targetImg]) {
      iotests.tryRemove(img);
    }
  });

  // Filter nodes can be replaced.
  test('test_replace_filter', async () => {
    iotests.requires({ requiredFormats: ['copy-on-read'] });
    expect(
      await vm.qmp('blockdev-add', {
        driver: 'copy-on-read',
        'node-name': 'filter0',
        file: { driver: 'copy-on-read', 'node-name': 'filter1', file: { driver: 'null-co' } },
      }),
    ).toMatchQmp('return', {});

    expect(await vm.qmp('blockdev-add', { node_name: 'target', driver: 'null-co' })).toMatchQmp(
      'return',
      {},
    );

    expect(
      await vm.qmp('blockdev-mirror', {
        job_id: 'mirror',
        device: 'filter0',
        target: 'target',
        sync: 'full',
        replaces: 'filter1',
      }),
    ).toMatchQmp('return', {});

    await vm.completeAndWait({ drive: 'mirror' });

    await expect(vm).toHaveBlockPath('filter0', '/file', 'target');
  });
});

// Mirror with filters, and how the mirror filter behaves as an example of an implicit filter.
describe('TestFilters', () => {
  let vm: VM;
  let filterlessChain: Qapi.BlockdevOptions;

  beforeEach(async () => {
    await iotests.qemuImg('create', '-f', iotests.imgfmt, backingImg, '1M');
    await iotests.qemuImg(
      'create',
      '-f',
      iotests.imgfmt,
      '-b',
      backingImg,
      '-F',
      iotests.imgfmt,
      testImg,
    );
    await iotests.qemuImg(
      'create',
      '-f',
      iotests.imgfmt,
      '-b',
      backingImg,
      '-F',
      iotests.imgfmt,
      targetImg,
    );

    await iotests.qemuIo('-c', 'write -P 1 0 512k', backingImg);
    await iotests.qemuIo('-c', 'write -P 2 512k 512k', testImg);

    vm = new VM({ paused: true }).addDevice('virtio-scsi,id=vio-scsi');
    await vm.launch();

    expect(
      await vm.qmp('blockdev-add', {
        'node-name': 'target',
        driver: iotests.imgfmt,
        file: { driver: 'file', filename: targetImg },
        backing: null,
      }),
    ).toMatchQmp('return', {});

    filterlessChain = {
      'node-name': 'source',
      driver: iotests.imgfmt,
      file: { driver: 'file', filename: testImg },
      backing: {
        'node-name': 'backing',
        driver: iotests.imgfmt,
        file: { driver: 'file', filename: backingImg },
      },
    };
  });

  afterEach(async () => {
    await vm.shutdown();

    iotests.tryRemove(testImg);
    iotests.tryRemove(targetImg);
    iotests.tryRemove(backingImg);
  });

  /** The query-block entry of the scsi-hd device 'virtio'. */
  async function virtioDeviceInfo(): Promise<Qapi.BlockInfo | undefined> {
    const blockdevs = iotests.qmpPath(await vm.qmp('query-block'), 'return');
    const deviceInfo = blockdevs.find((dev) => dev.qdev === 'virtio');
    expect(deviceInfo).toBeDefined();
    return deviceInfo;
  }

  test('test_cor', async () => {
    expect(
      await vm.qmp('blockdev-add', {
        'node-name': 'filter',
        driver: 'copy-on-read',
        file: filterlessChain,
      }),
    ).toMatchQmp('return', {});

    expect(
      await vm.qmp('blockdev-mirror', {
        job_id: 'mirror',
        device: 'filter',
        target: 'target',
        sync: 'top',
      }),
    ).toMatchQmp('return', {});

    await vm.completeAndWait({ drive: 'mirror' });

    await vm.qmp('blockdev-del', { node_name: 'target' });

    const targetMap = await iotests.qemuImgMap(targetImg);
    expect(Array.isArray(targetMap)).toBe(true);
    const [first, second] = Array.isArray(targetMap) ? targetMap : [];

    expect(first).toMatchObject({ start: 0, length: 512 * 1024, depth: 1 });
    expect(second).toMatchObject({ start: 512 * 1024, length: 512 * 1024, depth: 0 });
  });

  test('test_implicit_mirror_filter', async () => {
    expect(await vm.qmp('blockdev-add', filterlessChain)).toMatchQmp('return', {});

    // A device, to query from above the mirror node.
    expect(
      await vm.qmp('device_add', {
        driver: 'scsi-hd',
        id: 'virtio',
        bus: 'vio-scsi.0',
        drive: 'source',
      }),
    ).toMatchQmp('return', {});

    expect(
      await vm.qmp('blockdev-mirror', {
        job_id: 'mirror',
        device: 'source',
        target: 'target',
        sync: 'top',
      }),
    ).toMatchQmp('return', {});

    // The mirror filter is an implicit node: the backing chain query does not show it.
    const deviceInfo = await virtioDeviceInfo();
    expect(deviceInfo).toMatchQmp('inserted/node-name', 'source');
    expect(deviceInfo).toMatchQmp('inserted/image/filename', testImg);
    expect(deviceInfo).toMatchQmp('inserted/image/backing-image/filename', backingImg);

    await vm.completeAndWait({ drive: 'mirror' });
  });

  // As above, but a mirror filter with a node-name is not invisible.
  test('test_explicit_mirror_filter', async () => {
    expect(await vm.qmp('blockdev-add', filterlessChain)).toMatchQmp('return', {});

    // A device, to query from above the mirror node.
    expect(
      await vm.qmp('device_add', {
        driver: 'scsi-hd',
        id: 'virtio',
        bus: 'vio-scsi.0',
        drive: 'source',
      }),
    ).toMatchQmp('return', {});

    expect(
      await vm.qmp('blockdev-mirror', {
        job_id: 'mirror',
        device: 'source',
        target: 'target',
        sync: 'top',
        filter_node_name: 'mirror-filter',
      }),
    ).toMatchQmp('return', {});

    const deviceInfo = await virtioDeviceInfo();
    expect(deviceInfo).toMatchQmp('inserted/node-name', 'mirror-filter');

    await vm.completeAndWait({ drive: 'mirror' });
  });
});
