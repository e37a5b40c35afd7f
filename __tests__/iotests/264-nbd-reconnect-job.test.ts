/**
 * @qemu-vm none
 * @group rw
 */
// QEMU iotest 264: a backup / mirror job whose target is an NBD node with reconnect-delay, while
// the NBD server goes away: the job survives the server's downtime and completes once it is
// back (backup), or is cancelled at once with force, without waiting out the reconnect delay.
import { rmSync } from 'node:fs';

import { afterEach, describe, expect, test } from '@jest/globals';
import { VM, iotests, type Qapi } from 'qemu-iotests';

/** The file's requirements (the original's main(supported_fmts=...)). */
function requireFileSupport(): void {
  iotests.requires({ formats: ['qcow2'] });
}

requireFileSupport();

const MiB = 1024 * 1024;
/** Bound of the wait for the job's first progress (the original gives it 3 s; only against hangs). */
const PROGRESS_LIMIT_MS = 30_000;
const POLL_INTERVAL_MS = 50;
/** The reconnect-delay of the NBD node, in seconds. */
const RECONNECT_DELAY = 10;
/** How long the NBD server stays down (the scenario's downtime, not a synchronisation). */
const SERVER_DOWNTIME_MS = 1_000;

describe('TestNbdReconnect', () => {
  let diskA: string;
  let diskB: string;
  let nbdSock: string;
  let vm: VM | undefined;

  afterEach(async () => {
    await vm?.shutdown();
    vm = undefined;
    rmSync(diskA);
    rmSync(diskB);
  });

  async function initVm(diskSize: number): Promise<VM> {
    [diskA, diskB, nbdSock] = iotests.filePath('disk_a', 'disk_b', 'nbd-sock');
    await iotests.qemuImgCreate('-f', iotests.imgfmt, diskA, String(diskSize));
    await iotests.qemuImgCreate('-f', iotests.imgfmt, diskB, String(diskSize));
    vm = new VM({ paused: true }).addDrive(diskA);
    // Under tcg the guest firmware runs and resets the virtio-blk device, which drains drive0.
    // That drain pauses the job and cuts its rate-limit sleep short (the mirror then copied all
    // 20M before the server was killed); while the server is down it waits out the reconnect
    // delay, and the job's requests fail. Under qtest no guest code runs; -S keeps the vCPUs
    // stopped.
    await vm.launch();
    await vm.hmpQemuIo('drive0', `write 0 ${diskSize}`);
    return vm;
  }

  async function blockJobs(machine: VM): Promise<Qapi.BlockJobInfo[]> {
    return machine.cmd('query-block-jobs');
  }

  function nbdServer<T>(fn: () => Promise<T>): Promise<T> {
    return iotests.withQemuNbd(['-k', nbdSock, '-f', iotests.imgfmt, diskB], fn);
  }

  /** Start `job` with the NBD target, let it progress, then kill the server under it. */
  async function startJob(machine: VM, job: 'blockdev-backup' | 'blockdev-mirror'): Promise<void> {
    await nbdServer(async () => {
      let result = await machine.qmp('blockdev-add', {
        node_name: 'backup0',
        driver: 'raw',
        file: {
          driver: 'nbd',
          server: { type: 'unix', path: nbdSock },
          'reconnect-delay': RECONNECT_DELAY,
        },
      });
      expect(result).toMatchQmp('return', {});
      result = await machine.qmp(job, {
        device: 'drive0',
        sync: 'full',
        target: 'backup0',
        speed: 1 * MiB,
      });
      expect(result).toMatchQmp('return', {});

      // Wait for some progress.
      const deadline = Date.now() + PROGRESS_LIMIT_MS;
      let jobs = await blockJobs(machine);
      while (!(jobs.length > 0 && Number(jobs[0].offset) > 0) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
        jobs = await blockJobs(machine);
      }
      // The job started.
      expect(jobs.length).toBeGreaterThan(0);
      expect(Number(jobs[0].offset)).toBeGreaterThan(0);
    });

    // The server is gone; the job must still be in progress.
    const jobs = await blockJobs(machine);
    expect(jobs.length).toBeGreaterThan(0);
    expect(Number(jobs[0].offset)).toBeLessThan(Number(jobs[0].len));

    const result = await machine.qmp('block-job-set-speed', { device: 'drive0', speed: 0 });
    expect(result).toMatchQmp('return', {});

    // The server stays down for a while.
    await new Promise((resolve) => setTimeout(resolve, SERVER_DOWNTIME_MS));
  }

  async function cancelJob(machine: VM): Promise<void> {
    const result = await machine.qmp('block-job-cancel', { device: 'drive0', force: true });
    expect(result).toMatchQmp('return', {});

    const start = Date.now();
    await machine.eventWait('BLOCK_JOB_CANCELLED');
    // The behaviour under test, as in the original: a forced cancel does not wait for the
    // NBD node's reconnect-delay (10 s) to run out.
    expect(Date.now() - start).toBeLessThan(5_000);
  }

  test('test_backup', async () => {
    const size = 5 * MiB;
    const machine = await initVm(size);
    await startJob(machine, 'blockdev-backup');

    await nbdServer(async () => {
      const event = await machine.eventWait('BLOCK_JOB_COMPLETED');
      expect(event).toMatchQmp('data/offset', size);
      const result = await machine.qmp('blockdev-del', { node_name: 'backup0' });
      expect(result).toMatchQmp('return', {});
    });
  });

  test('test_mirror_cancel', async () => {
    // The mirror's speed limit is loose: it runs many requests in parallel anyway (MAX_IN_FLIGHT
    // 16 and MAX_IO_BYTES 1M in mirror.c), hence a 20M disk.
    const machine = await initVm(20 * MiB);
    await startJob(machine, 'blockdev-mirror');
    await cancelJob(machine);
  });

  test('test_backup_cancel', async () => {
    const machine = await initVm(5 * MiB);
    await startJob(machine, 'blockdev-backup');
    await cancelJob(machine);
  });
});
