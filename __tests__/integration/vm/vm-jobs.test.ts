// Block jobs on a real QEMU through the VM's job helpers: mirror, commit, stream and backup with
// runJob / completeAndWait / cancelAndWait / waitUntilCompleted / waitReadyAndCancel / pauseJob.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { filters } from '../../../src/iotests/filters';
import { resetTranscript, transcript } from '../../../src/iotests/transcript';
import { VM } from '../../../src/iotests/vm';
import { IotestsAssertionError } from '../../../src/iotests/vm-assert';
import { qemuImg, qemuIo, setUpVmRuntime, type VmTestRuntime } from './vm-runtime';

const MiB = 1024 * 1024;

let rt: VmTestRuntime;

beforeAll(async () => {
  rt = await setUpVmRuntime();
});

afterAll(async () => {
  const errors = await rt.tearDown();
  expect(errors).toEqual([]);
});

beforeEach(() => {
  resetTranscript();
});

/** A 4 MiB qcow2 image whose first MiB holds the byte 0x11. */
async function imageWithData(name: string): Promise<string> {
  const image = rt.filePath(name);
  await qemuImg(rt, 'create', '-f', 'qcow2', image, `${4 * MiB}`);
  await qemuIo(rt, image, 'write -P 0x11 0 1M');
  return image;
}

/** base (0x11 in the first MiB) <- top (0x22 in the second MiB). */
async function backingChain(prefix: string): Promise<{ base: string; top: string }> {
  const base = await imageWithData(`${prefix}-base.qcow2`);
  const top = rt.filePath(`${prefix}-top.qcow2`);
  await qemuImg(rt, 'create', '-f', 'qcow2', '-b', base, '-F', 'qcow2', top);
  await qemuIo(rt, top, 'write -P 0x22 1M 1M');
  return { base, top };
}

async function launchWith(image: string): Promise<VM> {
  const vm = new VM().addDrive(image);
  await vm.launch();
  return vm;
}

describe('mirror', () => {
  test('completeAndWait pivots drive0 to the mirror target', async () => {
    const source = await imageWithData('mirror-src.qcow2');
    const target = rt.filePath('mirror-dst.qcow2');
    const vm = await launchWith(source);
    try {
      await vm.cmd('drive-mirror', { device: 'drive0', target, sync: 'full', format: 'qcow2' });
      await vm.completeAndWait({ drive: 'drive0' });
      expect(await vm.cmd('query-block')).toMatchObject([
        { device: 'drive0', inserted: { file: target } },
      ]);
      await vm.assertNoActiveBlockJobs();
    } finally {
      await vm.shutdown();
    }
    expect(await qemuImg(rt, 'compare', '-f', 'qcow2', '-F', 'qcow2', source, target)).toContain(
      'Images are identical',
    );
  });

  test('waitReadyAndCancel cancels a ready mirror (which then completes) and keeps the source', async () => {
    const source = await imageWithData('mirror2-src.qcow2');
    const target = rt.filePath('mirror2-dst.qcow2');
    const vm = await launchWith(source);
    try {
      await vm.cmd('drive-mirror', { device: 'drive0', target, sync: 'full', format: 'qcow2' });
      await vm.waitReadyAndCancel({ drive: 'drive0' });
      expect(await vm.cmd('query-block')).toMatchObject([
        { device: 'drive0', inserted: { file: source } },
      ]);
    } finally {
      await vm.shutdown();
    }
  });

  test('runJob completes a mirror itself when it is ready and logs each step', async () => {
    const source = await imageWithData('mirror3-src.qcow2');
    const target = rt.filePath('mirror3-dst.qcow2');
    await qemuImg(rt, 'create', '-f', 'qcow2', target, `${4 * MiB}`);
    const vm = await launchWith(source);
    try {
      await vm.cmd('blockdev-add', {
        driver: 'qcow2',
        'node-name': 'target',
        file: { driver: 'file', filename: target },
      });
      await vm.qmpLog('blockdev-mirror', {
        job_id: 'job0',
        device: 'drive0',
        target: 'target',
        sync: 'full',
      });
      expect(await vm.runJob('job0', { autoDismiss: true })).toBeNull();
      expect(transcript()).toBe(
        [
          '{"execute": "blockdev-mirror", "arguments": {"device": "drive0", "job-id": "job0", "sync": "full", "target": "target"}}',
          '{"return": {}}',
          // As in the reference outputs (e.g. 274.out): the status change to 'ready' comes
          // before BLOCK_JOB_READY, so job-complete is logged first.
          '{"execute": "job-complete", "arguments": {"id": "job0"}}',
          '{"return": {}}',
          '{"data": {"device": "job0", "len": 4194304, "offset": 4194304, "speed": 0, "type": "mirror"}, "event": "BLOCK_JOB_READY", "timestamp": {"microseconds": "USECS", "seconds": "SECS"}}',
          '{"data": {"device": "job0", "len": 4194304, "offset": 4194304, "speed": 0, "type": "mirror"}, "event": "BLOCK_JOB_COMPLETED", "timestamp": {"microseconds": "USECS", "seconds": "SECS"}}',
          '',
        ].join('\n'),
      );
    } finally {
      await vm.shutdown();
    }
  });

  test('cancelAndWait with force on a ready mirror reports BLOCK_JOB_CANCELLED', async () => {
    const source = await imageWithData('mirror4-src.qcow2');
    const target = rt.filePath('mirror4-dst.qcow2');
    const vm = await launchWith(source);
    try {
      await vm.cmd('drive-mirror', { device: 'drive0', target, sync: 'full', format: 'qcow2' });
      await vm.waitReady();
      const event = await vm.cancelAndWait({ force: true });
      expect(event).toMatchObject({ event: 'BLOCK_JOB_CANCELLED', data: { device: 'drive0' } });
    } finally {
      await vm.shutdown();
    }
  });
});

describe('commit and stream', () => {
  test('an active commit is completed by completeAndWait and the data lands in base', async () => {
    const { base, top } = await backingChain('commit');
    const vm = await launchWith(top);
    try {
      await vm.cmd('block-commit', { device: 'drive0' });
      await vm.completeAndWait({ drive: 'drive0' });
      expect(await vm.cmd('query-block')).toMatchObject([
        { device: 'drive0', inserted: { file: base } },
      ]);
    } finally {
      await vm.shutdown();
    }
    expect(await qemuIo(rt, base, 'read -P 0x22 1M 1M')).toContain('read 1048576/1048576 bytes');
  });

  test('block-stream pulls the base into top; waitUntilCompleted returns the completion event', async () => {
    const { top } = await backingChain('stream');
    const vm = await launchWith(top);
    try {
      await vm.cmd('block-stream', { device: 'drive0' });
      const event = await vm.waitUntilCompleted({ drive: 'drive0' });
      expect(event).toMatchObject({
        event: 'BLOCK_JOB_COMPLETED',
        data: { device: 'drive0', type: 'stream', len: 4 * MiB, offset: 4 * MiB },
      });
      expect(await vm.cmd('query-block')).not.toMatchObject([
        { inserted: { backing_file: expect.anything() } },
      ]);
    } finally {
      await vm.shutdown();
    }
    const info = JSON.parse(await qemuImg(rt, 'info', '--output=json', '-f', 'qcow2', top)) as {
      'backing-filename'?: string;
    };
    expect(info['backing-filename']).toBeUndefined();
    expect(await qemuIo(rt, top, 'read -P 0x11 0 1M')).toContain('read 1048576/1048576 bytes');
  });

  test('waitUntilCompleted fails with the seed message when the job is not the expected one', async () => {
    const { top } = await backingChain('stream2');
    const vm = await launchWith(top);
    try {
      await vm.cmd('block-stream', { device: 'drive0', job_id: 'other' });
      const failure = vm.waitUntilCompleted({ drive: 'drive0' });
      await expect(failure).rejects.toThrow(IotestsAssertionError);
      await expect(failure).rejects.toThrow('"data/id" is "other", expected "drive0"');
    } finally {
      await vm.shutdown();
    }
  });
});

describe('backup', () => {
  test('runJob finalizes and dismisses a manual backup job, logging the reference lines', async () => {
    const source = await imageWithData('backup-src.qcow2');
    const target = rt.filePath('backup-dst.qcow2');
    const vm = await launchWith(source);
    try {
      await vm.qmpLog(
        'drive-backup',
        {
          job_id: 'job0',
          device: 'drive0',
          target,
          sync: 'full',
          format: 'qcow2',
          auto_finalize: false,
          auto_dismiss: false,
        },
        { filters: [filters.qmpTestfiles] },
      );
      let preFinalizeCalls = 0;
      const error = await vm.runJob('job0', {
        autoFinalize: false,
        preFinalize: () => {
          preFinalizeCalls += 1;
        },
      });
      expect(error).toBeNull();
      expect(preFinalizeCalls).toBe(1);
      expect(transcript()).toBe(
        [
          '{"execute": "drive-backup", "arguments": {"auto-dismiss": false, "auto-finalize": false, "device": "drive0", "format": "qcow2", "job-id": "job0", "sync": "full", "target": "TEST_DIR/PID-backup-dst.qcow2"}}',
          '{"return": {}}',
          '{"execute": "job-finalize", "arguments": {"id": "job0"}}',
          '{"return": {}}',
          '{"data": {"id": "job0", "type": "backup"}, "event": "BLOCK_JOB_PENDING", "timestamp": {"microseconds": "USECS", "seconds": "SECS"}}',
          '{"data": {"device": "job0", "len": 4194304, "offset": 4194304, "speed": 0, "type": "backup"}, "event": "BLOCK_JOB_COMPLETED", "timestamp": {"microseconds": "USECS", "seconds": "SECS"}}',
          '{"execute": "job-dismiss", "arguments": {"id": "job0"}}',
          '{"return": {}}',
          '',
        ].join('\n'),
      );
    } finally {
      await vm.shutdown();
    }
  });

  test('runJob with cancel cancels a pending backup job and resolves with its error', async () => {
    const source = await imageWithData('backup2-src.qcow2');
    const target = rt.filePath('backup2-dst.qcow2');
    const vm = await launchWith(source);
    try {
      await vm.cmd('drive-backup', {
        job_id: 'job0',
        device: 'drive0',
        target,
        sync: 'full',
        format: 'qcow2',
        auto_finalize: false,
        auto_dismiss: false,
      });
      const error = await vm.runJob('job0', { autoFinalize: false, cancel: true });
      expect(error).toBe('Operation canceled');
      expect(transcript()).toBe(
        [
          '{"execute": "job-cancel", "arguments": {"id": "job0"}}',
          '{"return": {}}',
          '{"data": {"id": "job0", "type": "backup"}, "event": "BLOCK_JOB_PENDING", "timestamp": {"microseconds": "USECS", "seconds": "SECS"}}',
          'Job failed: Operation canceled',
          '{"data": {"device": "job0", "len": 4194304, "offset": 4194304, "speed": 0, "type": "backup"}, "event": "BLOCK_JOB_CANCELLED", "timestamp": {"microseconds": "USECS", "seconds": "SECS"}}',
          '{"execute": "job-dismiss", "arguments": {"id": "job0"}}',
          '{"return": {}}',
          '',
        ].join('\n'),
      );
    } finally {
      await vm.shutdown();
    }
  });

  test('pauseJob pauses a throttled backup; cancelAndWait then ends it', async () => {
    const source = await imageWithData('backup3-src.qcow2');
    const target = rt.filePath('backup3-dst.qcow2');
    const vm = await launchWith(source);
    try {
      // 1 byte/s: the job stays running until it is cancelled.
      await vm.cmd('drive-backup', {
        job_id: 'job0',
        device: 'drive0',
        target,
        sync: 'full',
        format: 'qcow2',
        speed: 1,
      });
      const paused = await vm.pauseJob({ jobId: 'job0' });
      expect(paused).toMatchObject({ device: 'job0', paused: true, busy: false });
      expect(await vm.pauseWait({ jobId: 'job0' })).toMatchObject({ paused: true });
      await expect(vm.pauseWait({ jobId: 'nothing' })).rejects.toThrow(
        'pause_wait: no block job with device "nothing" in query-block-jobs (jobs: "job0")',
      );
      await vm.cmd('block-job-resume', { device: 'job0' });
      const event = await vm.cancelAndWait({ drive: 'job0' });
      expect(event).toMatchObject({ event: 'BLOCK_JOB_CANCELLED', data: { device: 'job0' } });
      await vm.assertNoActiveBlockJobs();
    } finally {
      await vm.shutdown();
    }
  });
});
