/**
 * @qemu-vm none
 * @group rw backing
 */
// QEMU iotest 030: image streaming (block-stream), ported from the unittest-style Python test.
// Each TestCase class is a describe block; every setUp/tearDown starts and stops its own VM.
//
// Running under tcg instead of qtest: the Python test was written for the qtest accelerator,
// where no guest code runs. Under tcg SeaBIOS reads the boot disk (drive0) about half a second
// after start. That read can take the one-shot blkdebug breakpoint of pauseDrive: the job then
// runs unpaused and the guest's read stays suspended, so the next drain never ends (without -S,
// TestStreamStop's block-job-cancel hangs here every time, likely what hangs the Python test
// under tcg). The read also moves the blkdebug state machines of TestEIO / TestENOSPC. So every VM
// here starts with its CPU stopped (-S), which restores the "no guest code" the test relies on;
// nothing here needs a running guest. No case steps the virtual clock, so none needs qtest.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { iotests, VM } from 'qemu-iotests';
import type { QmpEvent, QmpResponse, Requirements } from 'qemu-iotests';

const REQUIREMENTS: Requirements = { formats: ['qcow2', 'qed'], protocols: ['file'] };
iotests.requires(REQUIREMENTS);

const MiB = 1024 * 1024;
const backingImg = iotests.filePath('backing.img');
const midImg = iotests.filePath('mid.img');
const testImg = iotests.filePath('test.img');

/** qemu-io's `map` of an image (the allocation map the test compares). */
async function ioMap(...args: string[]): Promise<string> {
  return (await iotests.qemuIo(...args, '-c', 'map')).stdout;
}

function isEmptyReturn(result: QmpResponse): boolean {
  return 'return' in result && Array.isArray(result.return) && result.return.length === 0;
}

describe('TestSingleDrive', () => {
  const imageLen = 1 * MiB;
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
      midImg,
    );
    await iotests.qemuImg(
      'create',
      '-f',
      iotests.imgfmt,
      '-o',
      `backing_file=${midImg}`,
      '-F',
      iotests.imgfmt,
      testImg,
    );
    await iotests.qemuIo('-f', 'raw', '-c', 'write -P 0x1 0 512', backingImg);
    await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write -P 0x1 524288 512', midImg);
    vm = new VM({ paused: true }).addDrive(`blkdebug::${testImg}`, {
      opts: 'backing.node-name=mid,backing.backing.node-name=base',
    });
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(testImg);
    iotests.tryRemove(midImg);
    iotests.tryRemove(backingImg);
  });

  test('test_stream', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(await vm.qmp('block-stream', { device: 'drive0' })).toMatchQmp('return', {});

    await vm.waitUntilCompleted();

    await expect(vm).toHaveNoActiveBlockJobs();
    await vm.shutdown();

    // image file map does not match backing file after streaming
    expect(await ioMap('-f', iotests.imgfmt, testImg)).toBe(await ioMap('-f', 'raw', backingImg));
  });

  test('test_stream_intermediate', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    // image file map matches backing file before streaming
    expect(await ioMap('-f', iotests.imgfmt, '-rU', midImg)).not.toBe(
      await ioMap('-f', 'raw', '-rU', backingImg),
    );

    expect(await vm.qmp('block-stream', { device: 'mid', job_id: 'stream-mid' })).toMatchQmp(
      'return',
      {},
    );

    await vm.waitUntilCompleted({ drive: 'stream-mid' });

    await expect(vm).toHaveNoActiveBlockJobs();
    await vm.shutdown();

    // image file map does not match backing file after streaming
    expect(await ioMap('-f', iotests.imgfmt, midImg)).toBe(await ioMap('-f', 'raw', backingImg));
  });

  test('test_stream_pause', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    await vm.pauseDrive('drive0');
    expect(await vm.qmp('block-stream', { device: 'drive0' })).toMatchQmp('return', {});

    await vm.pauseJob({ jobId: 'drive0', wait: false });
    await vm.resumeDrive('drive0');
    await vm.pauseWait({ jobId: 'drive0' });

    const offset = iotests.qmpPath(await vm.qmp('query-block-jobs'), 'return[0]/offset');

    await iotests.observationWindow(500);
    expect(await vm.qmp('query-block-jobs')).toMatchQmp('return[0]/offset', offset);

    expect(await vm.qmp('block-job-resume', { device: 'drive0' })).toMatchQmp('return', {});

    await vm.waitUntilCompleted();

    await expect(vm).toHaveNoActiveBlockJobs();
    await vm.shutdown();

    // image file map does not match backing file after streaming
    expect(await ioMap('-f', iotests.imgfmt, testImg)).toBe(await ioMap('-f', 'raw', backingImg));
  });

  test('test_stream_no_op', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    // The image map is empty before the operation.
    const emptyMap = await ioMap('-f', iotests.imgfmt, '-rU', testImg);

    // A no-op: no data may ever be copied from the base image.
    expect(await vm.qmp('block-stream', { device: 'drive0', base: midImg })).toMatchQmp(
      'return',
      {},
    );

    await vm.waitUntilCompleted();

    await expect(vm).toHaveNoActiveBlockJobs();
    await vm.shutdown();

    // image file map changed after a no-op
    expect(await ioMap('-f', iotests.imgfmt, testImg)).toBe(emptyMap);
  });

  test('test_stream_partial', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(await vm.qmp('block-stream', { device: 'drive0', base: backingImg })).toMatchQmp(
      'return',
      {},
    );

    await vm.waitUntilCompleted();

    await expect(vm).toHaveNoActiveBlockJobs();
    await vm.shutdown();

    // image file map does not match backing file after streaming
    expect(await ioMap('-f', iotests.imgfmt, testImg)).toBe(
      await ioMap('-f', iotests.imgfmt, midImg),
    );
  });

  test('test_device_not_found', async () => {
    expect(await vm.qmp('block-stream', { device: 'nonexistent' })).toMatchQmp(
      'error/desc',
      "Cannot find device='nonexistent' nor node-name='nonexistent'",
    );
  });

  test('test_job_id_missing', async () => {
    expect(await vm.qmp('block-stream', { device: 'mid' })).toMatchQmp(
      'error/desc',
      "Invalid job ID ''",
    );
  });

  test('test_read_only', async () => {
    // A new image to attach: the top of the stream must be read-only.
    await iotests.withFilePaths('ro-top.img', async (roTopPath) => {
      await iotests.qemuImg('create', '-f', iotests.imgfmt, roTopPath, String(imageLen));

      expect(
        await vm.qmp('blockdev-add', {
          node_name: 'ro-top',
          driver: iotests.imgfmt,
          read_only: true,
          file: { driver: 'file', filename: roTopPath, 'read-only': true },
          backing: 'mid',
        }),
      ).toMatchQmp('return', {});

      expect(
        await vm.qmp('block-stream', { job_id: 'stream', device: 'ro-top', base_node: 'base' }),
      ).toMatchQmp('error/desc', 'Block node is read-only');

      expect(await vm.qmp('blockdev-del', { node_name: 'ro-top' })).toMatchQmp('return', {});
    });
  });
});

describe('TestParallelOps', () => {
  const numOps = 4; // parallel block-stream operations
  const numImgs = numOps * 2 + 1;
  const imageLen = numOps * 4 * MiB;
  const imgs = Array.from({ length: numImgs }, (_, i) => iotests.filePath(`img-${i}.img`));
  let vm: VM;

  beforeEach(async () => {
    // node<i> is img-<i>, reached from the top through (numImgs - i - 1) backing links.
    const opts = imgs.map((_, i) => `${'backing.'.repeat(numImgs - i - 1)}node-name=node${i}`);

    await iotests.createImage(imgs[0], imageLen);
    for (let i = 1; i < numImgs; i++) {
      await iotests.qemuImg(
        'create',
        '-f',
        iotests.imgfmt,
        '-o',
        `backing_file=${imgs[i - 1]}`,
        '-F',
        i === 1 ? 'raw' : iotests.imgfmt,
        imgs[i],
      );
    }

    // Data in the images we copy from, alternately 2 MB and 4 MB, so that the jobs do not
    // finish in the order they were started.
    const oddImgIndexes = [...imgs.keys()].reverse().filter((x) => x % 2 === 1);
    for (const [i, imgIndex] of oddImgIndexes.entries()) {
      const numMb = 2 + 2 * (i % 2);
      await iotests.qemuIo(
        '-f',
        iotests.imgfmt,
        '-c',
        `write -P 0xFF ${i * 4}M ${numMb}M`,
        imgs[imgIndex],
      );
    }

    vm = new VM({ paused: true }).addDrive(imgs[imgs.length - 1], { opts: opts.join(',') });
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    imgs.forEach((img) => iotests.tryRemove(img));
  });

  // Several block-stream operations can run in parallel in the same chain.
  test('test_stream_parallel', async () => {
    if (process.env.QEMU_CHECK_BLOCK_AUTO) {
      iotests.notrun('disabled in CI');
      return;
    }
    await expect(vm).toHaveNoActiveBlockJobs();

    // image file map matches backing file before streaming
    for (let i = 2; i < numImgs; i += 2) {
      expect(await ioMap('-f', iotests.imgfmt, '-rU', imgs[i])).not.toBe(
        await ioMap('-f', iotests.imgfmt, '-rU', imgs[i - 1]),
      );
    }

    const pendingJobs: string[] = [];
    for (let i = 2; i < numImgs; i += 2) {
      const nodeName = `node${i}`;
      const jobId = `stream-${nodeName}`;
      pendingJobs.push(jobId);
      expect(
        await vm.qmp('block-stream', {
          device: nodeName,
          job_id: jobId,
          bottom: `node${i - 1}`,
          speed: 1024,
        }),
      ).toMatchQmp('return', {});
    }

    // Unthrottle from the top down: a finished lower job drains its subgraph and makes the
    // jobs above it advance; a still-throttled top job could then complete before it is
    // unthrottled, and set-speed on it would fail.
    for (const job of [...pendingJobs].reverse()) {
      expect(await vm.qmp('block-job-set-speed', { device: job, speed: 0 })).toMatchQmp(
        'return',
        {},
      );
    }

    while (pendingJobs.length > 0) {
      for (const event of await vm.getQmpEvents({ wait: true })) {
        if (event.event === 'BLOCK_JOB_COMPLETED') {
          const jobId = event.data.device;
          expect(pendingJobs).toContain(jobId);
          expect(event).not.toHaveQmpPath('data/error');
          pendingJobs.splice(pendingJobs.indexOf(jobId), 1);
        }
      }
    }

    await expect(vm).toHaveNoActiveBlockJobs();
    await vm.shutdown();

    // image file map does not match backing file after streaming
    for (let i = 2; i < numImgs; i += 2) {
      expect(await ioMap('-f', iotests.imgfmt, imgs[i])).toBe(
        await ioMap('-f', iotests.imgfmt, imgs[i - 1]),
      );
    }
  });

  // Two block-stream operations cannot share nodes.
  test('test_overlapping_1', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    // Throttled, so that this job blocks the others.
    expect(
      await vm.qmp('block-stream', {
        device: 'node4',
        job_id: 'stream-node4',
        base: imgs[1],
        filter_node_name: 'stream-filter',
        speed: MiB,
      }),
    ).toMatchQmp('return', {});

    expect(
      await vm.qmp('block-stream', { device: 'node5', job_id: 'stream-node5', base: imgs[2] }),
    ).toMatchQmp(
      'error/desc',
      "Node 'stream-filter' is busy: block device is in use by block job: stream",
    );

    expect(
      await vm.qmp('block-stream', { device: 'node3', job_id: 'stream-node3', base: imgs[2] }),
    ).toMatchQmp('error/desc', "Node 'node3' is busy: block device is in use by block job: stream");

    expect(await vm.qmp('block-stream', { device: 'node4', job_id: 'stream-node4-v2' })).toMatchQmp(
      'error/desc',
      "Node 'node4' is busy: block device is in use by block job: stream",
    );

    // block-commit must fail too when it touches nodes of the stream job.
    expect(
      await vm.qmp('block-commit', { device: 'drive0', base: imgs[4], job_id: 'commit-node4' }),
    ).toMatchQmp(
      'error/desc',
      "Node 'stream-filter' is busy: block device is in use by block job: stream",
    );

    expect(
      await vm.qmp('block-commit', {
        device: 'drive0',
        base: imgs[1],
        top: imgs[3],
        job_id: 'commit-node1',
      }),
    ).toMatchQmp('error/desc', "Node 'node3' is busy: block device is in use by block job: stream");

    // Fails because it would modify the backing string in node2, which is blocked.
    expect(
      await vm.qmp('block-commit', {
        device: 'drive0',
        base: imgs[0],
        top: imgs[1],
        job_id: 'commit-node0',
      }),
    ).toMatchQmp('error/desc', "Node 'node2' is busy: block device is in use by block job: stream");

    expect(await vm.qmp('block-job-set-speed', { device: 'stream-node4', speed: 0 })).toMatchQmp(
      'return',
      {},
    );

    await vm.waitUntilCompleted({ drive: 'stream-node4' });
    await expect(vm).toHaveNoActiveBlockJobs();
  });

  // Like test_overlapping_1, with block-commit blocking the other jobs.
  test('test_overlapping_2', async () => {
    expect(numImgs).toBeGreaterThanOrEqual(9);
    await expect(vm).toHaveNoActiveBlockJobs();

    // Throttled, so that this job blocks the others.
    expect(
      await vm.qmp('block-commit', {
        device: 'drive0',
        top: imgs[5],
        base: imgs[3],
        job_id: 'commit-node3',
        speed: MiB,
      }),
    ).toMatchQmp('return', {});

    expect(await vm.qmp('block-stream', { device: 'node3', job_id: 'stream-node3' })).toMatchQmp(
      'error/desc',
      "Node 'node3' is busy: block device is in use by block job: commit",
    );

    expect(
      await vm.qmp('block-stream', { device: 'node6', base: imgs[2], job_id: 'stream-node6' }),
    ).toMatchQmp('error/desc', "Node 'node5' is busy: block device is in use by block job: commit");

    expect(
      await vm.qmp('block-stream', { device: 'node4', base: imgs[2], job_id: 'stream-node4' }),
    ).toMatchQmp('error/desc', "Node 'node4' is busy: block device is in use by block job: commit");

    expect(
      await vm.qmp('block-stream', {
        device: 'node6',
        base: imgs[4],
        job_id: 'stream-node6-v2',
      }),
    ).toMatchQmp('error/desc', "Node 'node5' is busy: block device is in use by block job: commit");

    // block-commit blocks the active layer even though it does not use it.
    expect(
      await vm.qmp('block-stream', { device: 'drive0', base: imgs[5], job_id: 'stream-drive0' }),
    ).toMatchQmp(
      'error/desc',
      "Node 'drive0' is busy: block device is in use by block job: commit",
    );

    expect(await vm.qmp('block-job-set-speed', { device: 'commit-node3', speed: 0 })).toMatchQmp(
      'return',
      {},
    );

    await vm.waitUntilCompleted({ drive: 'commit-node3' });
  });

  // Like test_overlapping_2, but block-commit without 'top' (a mirror job internally).
  test('test_overlapping_3', async () => {
    expect(numImgs).toBeGreaterThanOrEqual(8);
    await expect(vm).toHaveNoActiveBlockJobs();

    // Throttled, so that this job blocks the others.
    expect(
      await vm.qmp('block-commit', {
        device: 'drive0',
        base: imgs[3],
        job_id: 'commit-drive0',
        speed: MiB,
      }),
    ).toMatchQmp('return', {});

    expect(
      await vm.qmp('block-stream', { device: 'node5', base: imgs[3], job_id: 'stream-node6' }),
    ).toMatchQmp('error/desc', "Node 'node5' is busy: block device is in use by block job: commit");

    expect(await vm.qmp('block-job-set-speed', { device: 'commit-drive0', speed: 0 })).toMatchQmp(
      'return',
      {},
    );

    const event = await vm.eventWait('BLOCK_JOB_READY');
    expect(event).toMatchQmp('data/device', 'commit-drive0');
    expect(event).toMatchQmp('data/type', 'commit');
    expect(event).not.toHaveQmpPath('data/error');

    expect(await vm.qmp('block-job-complete', { device: 'commit-drive0' })).toMatchQmp(
      'return',
      {},
    );

    await vm.waitUntilCompleted({ drive: 'commit-drive0' });
  });

  // The stream's base is the commit's top: the commit filter would join the stream chain.
  test('test_overlapping_4', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    // Commit from node2 into node0.
    expect(
      await vm.qmp('block-commit', {
        device: 'drive0',
        top: imgs[2],
        base: imgs[0],
        filter_node_name: 'commit-filter',
        speed: MiB,
      }),
    ).toMatchQmp('return', {});

    // Stream from node2 into node4.
    expect(
      await vm.qmp('block-stream', { device: 'node4', base_node: 'node2', job_id: 'node4' }),
    ).toMatchQmp('error/desc', "Cannot freeze 'backing' link to 'commit-filter'");

    expect(await vm.qmp('block-job-set-speed', { device: 'drive0', speed: 0 })).toMatchQmp(
      'return',
      {},
    );

    await vm.waitUntilCompleted();
    await expect(vm).toHaveNoActiveBlockJobs();
  });

  // The stream's base is the commit's filter node: stream does not depend on its base, so the
  // commit removing it at the end is no conflict.
  test('test_overlapping_5', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    // Commit from node2 into node0.
    expect(
      await vm.qmp('block-commit', {
        device: 'drive0',
        top_node: 'node2',
        base_node: 'node0',
        filter_node_name: 'commit-filter',
        speed: MiB,
      }),
    ).toMatchQmp('return', {});

    // Stream from node2 into node4.
    expect(
      await vm.qmp('block-stream', {
        device: 'node4',
        base_node: 'commit-filter',
        job_id: 'node4',
      }),
    ).toMatchQmp('return', {});

    expect(await vm.qmp('block-job-set-speed', { device: 'drive0', speed: 0 })).toMatchQmp(
      'return',
      {},
    );

    await vm.runJob('drive0', { autoDismiss: true });
    await vm.runJob('node4', { autoDismiss: true });
    await expect(vm).toHaveNoActiveBlockJobs();

    // node0 is now the backing node of node4.
    const nodes = iotests.qmpPath(await vm.qmp('query-named-block-nodes'), 'return');
    const node4 = nodes.find((node) => node['node-name'] === 'node4');
    expect(node4).toMatchQmp('image/backing-image/filename', imgs[0]);
  });

  // A block-stream and a block-commit job in parallel, the stream one finishing quickly (the
  // scenario of the bug fixed in QEMU commits 3d5d319e1221 and 1a63a907507).
  test('test_stream_commit_1', async () => {
    expect(numImgs).toBeGreaterThanOrEqual(8);
    await expect(vm).toHaveNoActiveBlockJobs();

    // Stream from node0 into node2.
    expect(
      await vm.qmp('block-stream', { device: 'node2', base_node: 'node0', job_id: 'node2' }),
    ).toMatchQmp('return', {});

    // Commit from the active layer into node3.
    expect(await vm.qmp('block-commit', { device: 'drive0', base: imgs[3] })).toMatchQmp(
      'return',
      {},
    );

    await waitForStreamAndCommit(vm, ['node2', 'drive0']);
    await expect(vm).toHaveNoActiveBlockJobs();
  });

  // Like test_stream_commit_1, both jobs throttled so that they run in parallel for a while.
  test('test_stream_commit_2', async () => {
    expect(numImgs).toBeGreaterThanOrEqual(8);
    await expect(vm).toHaveNoActiveBlockJobs();

    // Stream from node0 into node4.
    expect(
      await vm.qmp('block-stream', {
        device: 'node4',
        base_node: 'node0',
        job_id: 'node4',
        speed: MiB,
      }),
    ).toMatchQmp('return', {});

    // Commit from the active layer into node5.
    expect(
      await vm.qmp('block-commit', { device: 'drive0', base: imgs[5], speed: MiB }),
    ).toMatchQmp('return', {});

    for (const job of ['drive0', 'node4']) {
      expect(await vm.qmp('block-job-set-speed', { device: job, speed: 0 })).toMatchQmp(
        'return',
        {},
      );
    }

    await waitForStreamAndCommit(vm, ['node4', 'drive0']);
    await expect(vm).toHaveNoActiveBlockJobs();
  });

  // The base_node parameter.
  test('test_stream_base_node_name', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    // image file map matches backing file before streaming
    expect(await ioMap('-f', iotests.imgfmt, '-rU', imgs[4])).not.toBe(
      await ioMap('-f', iotests.imgfmt, '-rU', imgs[3]),
    );

    // The base node does not exist.
    expect(
      await vm.qmp('block-stream', { device: 'node4', base_node: 'none', job_id: 'stream' }),
    ).toMatchQmp('error/desc', "Cannot find device='' nor node-name='none'");

    // The base node is not a backing file of the top node.
    expect(
      await vm.qmp('block-stream', { device: 'node4', base_node: 'node6', job_id: 'stream' }),
    ).toMatchQmp('error/desc', "Node 'node6' is not a backing image of 'node4'");

    // The base node is the top node.
    expect(
      await vm.qmp('block-stream', { device: 'node4', base_node: 'node4', job_id: 'stream' }),
    ).toMatchQmp('error/desc', "Node 'node4' is not a backing image of 'node4'");

    // 'base' and 'base-node' together.
    expect(
      await vm.qmp('block-stream', {
        device: 'node4',
        base: imgs[2],
        base_node: 'node2',
        job_id: 'stream',
      }),
    ).toMatchQmp('error/desc', "'base' and 'base-node' cannot be specified at the same time");

    // Success: the base node is a backing file of the top node.
    expect(
      await vm.qmp('block-stream', { device: 'node4', base_node: 'node2', job_id: 'stream' }),
    ).toMatchQmp('return', {});

    await vm.waitUntilCompleted({ drive: 'stream' });

    await expect(vm).toHaveNoActiveBlockJobs();
    await vm.shutdown();

    // image file map does not match backing file after streaming
    expect(await ioMap('-f', iotests.imgfmt, imgs[4])).toBe(
      await ioMap('-f', iotests.imgfmt, imgs[3]),
    );
  });
});

/**
 * Wait until the stream job and the active commit ('drive0') of `jobs` have both completed
 * without error, completing the commit once it is ready.
 */
async function waitForStreamAndCommit(vm: VM, jobs: string[]): Promise<void> {
  const pendingJobs = [...jobs];
  while (pendingJobs.length > 0) {
    for (const event of await vm.getQmpEvents({ wait: true })) {
      if (event.event === 'BLOCK_JOB_COMPLETED') {
        const nodeName = event.data.device;
        expect(pendingJobs).toContain(nodeName);
        expect(event).not.toHaveQmpPath('data/error');
        pendingJobs.splice(pendingJobs.indexOf(nodeName), 1);
      }
      if (event.event === 'BLOCK_JOB_READY') {
        expect(event).toMatchQmp('data/device', 'drive0');
        expect(event).toMatchQmp('data/type', 'commit');
        expect(event).not.toHaveQmpPath('data/error');
        expect(pendingJobs).toContain('drive0');
        await vm.qmp('block-job-complete', { device: 'drive0' });
      }
    }
  }
}

describe('TestQuorum', () => {
  const numChildren = 3;
  const children = Array.from({ length: numChildren }, (_, i) => iotests.filePath(`img-${i}.img`));
  const backing = Array.from({ length: numChildren }, (_, i) =>
    iotests.filePath(`backing-${i}.img`),
  );
  let vm: VM | undefined;

  beforeEach(async () => {
    vm = undefined;
    // The seed's skip_if_unsupported(['quorum']) on setUp.
    if (!iotests.requires({ requiredFormats: ['quorum'] })) {
      return;
    }
    const opts = ['driver=quorum', 'vote-threshold=2'];
    for (let i = 0; i < numChildren; i++) {
      await iotests.qemuImg('create', '-f', iotests.imgfmt, backing[i], '1M');
      await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write -P 0x55 0 1024', backing[i]);
      await iotests.qemuImg(
        'create',
        '-f',
        iotests.imgfmt,
        '-o',
        `backing_file=${backing[i]}`,
        '-F',
        iotests.imgfmt,
        children[i],
      );
      opts.push(`children.${i}.file.filename=${children[i]}`, `children.${i}.node-name=node${i}`);
    }

    vm = new VM({ paused: true }).addDrive(null, { opts: opts.join(',') });
    await vm.launch();
  });

  afterEach(async () => {
    await vm?.shutdown();
    children.forEach((img) => iotests.tryRemove(img));
    backing.forEach((img) => iotests.tryRemove(img));
  });

  test('test_stream_quorum', async () => {
    if (vm === undefined) {
      throw new Error('setUp did not start the VM');
    }
    // image file map matches backing file before streaming
    expect(await ioMap('-f', iotests.imgfmt, '-rU', children[0])).not.toBe(
      await ioMap('-f', iotests.imgfmt, '-rU', backing[0]),
    );

    await expect(vm).toHaveNoActiveBlockJobs();

    expect(await vm.qmp('block-stream', { device: 'node0', job_id: 'stream-node0' })).toMatchQmp(
      'return',
      {},
    );

    await vm.waitUntilCompleted({ drive: 'stream-node0' });

    await expect(vm).toHaveNoActiveBlockJobs();
    await vm.shutdown();

    // image file map does not match backing file after streaming
    expect(await ioMap('-f', iotests.imgfmt, children[0])).toBe(
      await ioMap('-f', iotests.imgfmt, backing[0]),
    );
  });
});

describe('TestSmallerBackingFile', () => {
  const backingLen = 1 * MiB;
  const imageLen = 2 * backingLen;
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
      String(imageLen),
    );
    vm = new VM({ paused: true }).addDrive(testImg);
    await vm.launch();
  });

  afterEach(async () => {
    // The Python class has no tearDown: its VM ends with the test process. Here it ends now,
    // and the images go with the test file.
    await vm.shutdown();
  });

  // Hangs when streaming does not complete at the end of the backing file.
  test('test_stream', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(await vm.qmp('block-stream', { device: 'drive0' })).toMatchQmp('return', {});

    await vm.waitUntilCompleted();

    await expect(vm).toHaveNoActiveBlockJobs();
    await vm.shutdown();
  });
});

// TestErrors: a blkdebug config that fails the read of one sector once, toggling between two
// states on every `event` so that the error hits the first read of that sector only.
const errorsImageLen = 2 * MiB;
// STREAM_BUFFER_SIZE of block/stream.c; the error hits the sector right after the first chunk.
const STREAM_BUFFER_SIZE = 512 * 1024;

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
sector = "${STREAM_BUFFER_SIZE / 512}"

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

/**
 * setUp of TestEIO / TestENOSPC: test.img backed by the raw backing.img through blkdebug,
 * which fails a read_aio with `errno`.
 */
async function startErrorVm(blkdebugFile: string, errno: number): Promise<VM> {
  await iotests.createImage(backingImg, errorsImageLen);
  createBlkdebugFile(blkdebugFile, 'read_aio', errno);
  await iotests.qemuImg(
    'create',
    '-f',
    iotests.imgfmt,
    '-o',
    `backing_file=blkdebug:${blkdebugFile}:${backingImg},backing_fmt=raw`,
    testImg,
  );
  const vm = new VM({ paused: true }).addDrive(testImg);
  await vm.launch();
  return vm;
}

/** The job has just reported an error and stops on it: check the paused job, then resume it. */
async function checkStoppedAndResume(vm: VM, ioStatus: string): Promise<void> {
  const status = iotests.qmpPath(await vm.qmp('query-block-jobs'), 'return[0]/status');
  if (status !== 'paused') {
    await vm.eventsWait([['JOB_STATUS_CHANGE', { data: { id: 'drive0', status: 'paused' } }]]);
  }

  let result = await vm.qmp('query-block-jobs');
  expect(result).toMatchQmp('return[0]/status', 'paused');
  expect(result).toMatchQmp('return[0]/offset', STREAM_BUFFER_SIZE);
  expect(result).toMatchQmp('return[0]/io-status', ioStatus);

  expect(await vm.qmp('block-job-resume', { device: 'drive0' })).toMatchQmp('return', {});

  result = await vm.qmp('query-block-jobs');
  if (isEmptyReturn(result)) {
    // Already finished: the completion event tells the rest.
    return;
  }
  expect(['running', 'pending', 'aborting', 'concluded']).toContain(
    iotests.qmpPath(result, 'return[0]/status'),
  );
  expect(result).toMatchQmp('return[0]/io-status', 'ok');
}

/**
 * The event loop of TestEIO/TestENOSPC: every BLOCK_JOB_ERROR is a read error of drive0 and goes
 * to `onError`; the BLOCK_JOB_COMPLETED after it goes to `onCompleted`.
 */
async function followErroringJob(
  vm: VM,
  onError: () => Promise<void>,
  onCompleted: (event: QmpEvent) => void,
): Promise<void> {
  let error = false;
  let completed = false;
  while (!completed) {
    for (const event of await vm.getQmpEvents({ wait: true })) {
      if (event.event === 'BLOCK_JOB_ERROR') {
        expect(event).toMatchQmp('data/device', 'drive0');
        expect(event).toMatchQmp('data/operation', 'read');
        error = true;
        await onError();
      } else if (event.event === 'BLOCK_JOB_COMPLETED') {
        // job completed unexpectedly
        expect(error).toBe(true);
        expect(event).toMatchQmp('data/type', 'stream');
        expect(event).toMatchQmp('data/device', 'drive0');
        onCompleted(event);
        completed = true;
      } else if (event.event === 'JOB_STATUS_CHANGE') {
        expect(event).toMatchQmp('data/id', 'drive0');
      }
    }
  }
}

describe('TestEIO', () => {
  const blkdebugFile = `${backingImg}.blkdebug`;
  let vm: VM;

  beforeEach(async () => {
    vm = await startErrorVm(blkdebugFile, 5);
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(testImg);
    iotests.tryRemove(backingImg);
    iotests.tryRemove(blkdebugFile);
  });

  test('test_report', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(await vm.qmp('block-stream', { device: 'drive0' })).toMatchQmp('return', {});

    await followErroringJob(
      vm,
      () => Promise.resolve(),
      (event) => {
        expect(event).toMatchQmp('data/error', 'Input/output error');
        expect(event).toMatchQmp('data/offset', STREAM_BUFFER_SIZE);
        expect(event).toMatchQmp('data/len', errorsImageLen);
      },
    );

    await expect(vm).toHaveNoActiveBlockJobs();
    await vm.shutdown();
  });

  test('test_ignore', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(await vm.qmp('block-stream', { device: 'drive0', on_error: 'ignore' })).toMatchQmp(
      'return',
      {},
    );

    await followErroringJob(
      vm,
      async () => {
        const result = await vm.qmp('query-block-jobs');
        if (isEmptyReturn(result)) {
          // The job finished too quickly.
          return;
        }
        expect(['running', 'pending', 'aborting', 'concluded']).toContain(
          iotests.qmpPath(result, 'return[0]/status'),
        );
      },
      (event) => {
        expect(event).toMatchQmp('data/error', 'Input/output error');
        expect(event).toMatchQmp('data/offset', errorsImageLen);
        expect(event).toMatchQmp('data/len', errorsImageLen);
      },
    );

    await expect(vm).toHaveNoActiveBlockJobs();
    await vm.shutdown();
  });

  test('test_stop', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(await vm.qmp('block-stream', { device: 'drive0', on_error: 'stop' })).toMatchQmp(
      'return',
      {},
    );

    await followErroringJob(
      vm,
      () => checkStoppedAndResume(vm, 'failed'),
      (event) => {
        expect(event).not.toHaveQmpPath('data/error');
        expect(event).toMatchQmp('data/offset', errorsImageLen);
        expect(event).toMatchQmp('data/len', errorsImageLen);
      },
    );

    await expect(vm).toHaveNoActiveBlockJobs();
    await vm.shutdown();
  });

  test('test_enospc', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(await vm.qmp('block-stream', { device: 'drive0', on_error: 'enospc' })).toMatchQmp(
      'return',
      {},
    );

    // EIO is not ENOSPC: the job reports the error and ends.
    await followErroringJob(
      vm,
      () => Promise.resolve(),
      (event) => {
        expect(event).toMatchQmp('data/error', 'Input/output error');
        expect(event).toMatchQmp('data/offset', STREAM_BUFFER_SIZE);
        expect(event).toMatchQmp('data/len', errorsImageLen);
      },
    );

    await expect(vm).toHaveNoActiveBlockJobs();
    await vm.shutdown();
  });
});

describe('TestENOSPC', () => {
  const blkdebugFile = `${backingImg}.blkdebug`;
  let vm: VM;

  beforeEach(async () => {
    vm = await startErrorVm(blkdebugFile, 28);
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(testImg);
    iotests.tryRemove(backingImg);
    iotests.tryRemove(blkdebugFile);
  });

  test('test_enospc', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(await vm.qmp('block-stream', { device: 'drive0', on_error: 'enospc' })).toMatchQmp(
      'return',
      {},
    );

    await followErroringJob(
      vm,
      () => checkStoppedAndResume(vm, 'nospace'),
      (event) => {
        expect(event).not.toHaveQmpPath('data/error');
        expect(event).toMatchQmp('data/offset', errorsImageLen);
        expect(event).toMatchQmp('data/len', errorsImageLen);
      },
    );

    await expect(vm).toHaveNoActiveBlockJobs();
    await vm.shutdown();
  });
});

describe('TestStreamStop', () => {
  const imageLen = 8 * 1024 * MiB;
  let vm: VM;

  beforeEach(async () => {
    await iotests.qemuImg('create', backingImg, String(imageLen));
    await iotests.qemuIo('-f', 'raw', '-c', 'write -P 0x1 0 32M', backingImg);
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
    await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write -P 0x1 32M 32M', testImg);
    vm = new VM({ paused: true }).addDrive(`blkdebug::${testImg}`);
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(testImg);
    iotests.tryRemove(backingImg);
  });

  test('test_stream_stop', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    await vm.pauseDrive('drive0');
    expect(await vm.qmp('block-stream', { device: 'drive0' })).toMatchQmp('return', {});

    // The job is paused at its first read: only its status changes may have been reported.
    await iotests.observationWindow(100);
    for (const event of await vm.getQmpEvents({ wait: false })) {
      expect(event).toMatchQmp('event', 'JOB_STATUS_CHANGE');
      expect(event).toMatchQmp('data/id', 'drive0');
    }

    await vm.cancelAndWait({ resume: true });
  });
});

describe('TestSetSpeed', () => {
  const imageLen = 80 * MiB;
  let vm: VM;

  beforeEach(async () => {
    await iotests.qemuImg('create', backingImg, String(imageLen));
    await iotests.qemuIo('-f', 'raw', '-c', 'write -P 0x1 0 32M', backingImg);
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
    await iotests.qemuIo('-f', iotests.imgfmt, '-c', 'write -P 0x1 32M 32M', testImg);
    vm = new VM({ paused: true }).addDrive(`blkdebug::${testImg}`);
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    iotests.tryRemove(testImg);
    iotests.tryRemove(backingImg);
  });

  // perf_test_throughput is a performance test the Python file does not run by default; it is
  // not ported (performance belongs to the benchmarks).

  test('test_set_speed', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    await vm.pauseDrive('drive0');
    expect(await vm.qmp('block-stream', { device: 'drive0' })).toMatchQmp('return', {});

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

    await vm.cancelAndWait({ resume: true });
    await vm.pauseDrive('drive0');

    // block-stream's own speed argument.
    expect(await vm.qmp('block-stream', { device: 'drive0', speed: 4 * MiB })).toMatchQmp(
      'return',
      {},
    );

    result = await vm.qmp('query-block-jobs');
    expect(result).toMatchQmp('return[0]/device', 'drive0');
    expect(result).toMatchQmp('return[0]/speed', 4 * MiB);

    await vm.cancelAndWait({ resume: true });
  });

  test('test_set_speed_invalid', async () => {
    await expect(vm).toHaveNoActiveBlockJobs();

    expect(await vm.qmp('block-stream', { device: 'drive0', speed: -1 })).toMatchQmp(
      'error/desc',
      "Parameter 'speed' expects a non-negative value",
    );

    await expect(vm).toHaveNoActiveBlockJobs();

    await vm.pauseDrive('drive0');
    expect(await vm.qmp('block-stream', { device: 'drive0' })).toMatchQmp('return', {});

    expect(await vm.qmp('block-job-set-speed', { device: 'drive0', speed: -1 })).toMatchQmp(
      'error/desc',
      "Parameter 'speed' expects a non-negative value",
    );

    await vm.cancelAndWait({ resume: true });
  });
});
