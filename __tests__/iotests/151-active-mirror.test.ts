/**
 * @qemu-vm none
 * @group rw
 */
// QEMU iotest 151: active mirroring (blockdev-mirror copy-mode=write-blocking): guest writes
// before, during and after READY; unaligned and intersecting active writes; and a mirror whose
// throttled source is saturated by writes through an NBD export.
//
// Accelerator: TestActiveMirror needs no clock and runs as it is, with the vCPUs stopped (-S, see
// its setUp). The two throttled cases step
// QEMU's virtual clock (qtest `clock_step`) to move the throttle along: they are ported as they
// are and require qtest (skipped here, where QEMU has only tcg). Each also runs a second time, in
// its class's describe block "real clock" after the verbatim port, where the throttle runs on the
// real clock: instead of stepping the clock, it waits for what the steps were for (the job making
// progress, the requests reaching the node, the background processes ending), always with a time
// limit.
//
// The original's background qemu-io and qemu-img processes are iotests.qemuIoPopen /
// qemuToolPopen; tearDown waits for them, and whatever still runs is killed.
import { rmSync } from 'node:fs';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { VM, iotests, type Qapi, type QmpArguments, type ToolProcess } from 'qemu-iotests';

/** The file's requirements (the original's main(supported_fmts=..., supported_protocols=...)). */
function requireFileSupport(): void {
  iotests.requires({ formats: ['qcow2', 'raw'], protocols: ['file'] });
}

requireFileSupport();

const MiB = 1024 * 1024;
const NSEC_PER_SEC = 1_000_000_000;
/** Bound of the real-clock waits (only against hangs). */
const REAL_CLOCK_LIMIT_MS = 120_000;
/** How often the real-clock waits look again. */
const POLL_INTERVAL_MS = 50;

const sourceImg = (): string => path.join(iotests.testDir, `source.${iotests.imgfmt}`);
const targetImg = (): string => path.join(iotests.testDir, `target.${iotests.imgfmt}`);

/** Poll `condition` until it holds; throws naming `what` after REAL_CLOCK_LIMIT_MS. */
async function waitFor(what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + REAL_CLOCK_LIMIT_MS;
  while (!(await condition())) {
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${REAL_CLOCK_LIMIT_MS} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

describe('TestActiveMirror', () => {
  const imageLen = 128 * MiB;
  let vm: VM;
  let potentialWritesInFlight: boolean;

  beforeEach(async () => {
    potentialWritesInFlight = true;
    await iotests.qemuImg('create', '-f', iotests.imgfmt, sourceImg(), '128M');
    await iotests.qemuImg('create', '-f', iotests.imgfmt, targetImg(), '128M');

    const blkSource = {
      id: 'source',
      if: 'none',
      'node-name': 'source-node',
      driver: iotests.imgfmt,
      file: { driver: 'blkdebug', image: { driver: 'file', filename: sourceImg() } },
    };
    const blkTarget = {
      'node-name': 'target-node',
      driver: iotests.imgfmt,
      file: { driver: 'file', filename: targetImg() },
    };
    vm = new VM({ paused: true });
    vm.addDriveRaw(vm.qmpToOpts(blkSource));
    vm.addBlockdev(vm.qmpToOpts(blkTarget));
    vm.addDevice('virtio-blk,id=vblk,drive=source');
    // Under tcg the guest firmware runs and resets the virtio-blk device, which drains the
    // source: with requests held at a blkdebug breakpoint (testIntersectingActiveIO) that drain
    // never ends and QEMU hangs. Under qtest no guest code runs; the VM starts paused (-S), so the vCPUs stay stopped.
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    if (!potentialWritesInFlight) {
      // Otherwise: the mirror target does not match the source.
      expect(await iotests.compareImages(sourceImg(), targetImg())).toBe(true);
    }
    rmSync(sourceImg());
    rmSync(targetImg());
  });

  /** aio_write `pattern` ('-P n' or '-z') to every MiB in [from, to) eighths of the image. */
  async function writeEighths(from: number, to: number, pattern: string): Promise<void> {
    for (let offset = (from * imageLen) / 8; offset < (to * imageLen) / 8; offset += MiB) {
      await vm.hmpQemuIo('source', `aio_write ${pattern} ${offset} 1M`);
    }
  }

  async function startMirror(extra: Partial<QmpArguments<'blockdev-mirror'>> = {}): Promise<void> {
    const result = await vm.qmp('blockdev-mirror', {
      job_id: 'mirror',
      filter_node_name: 'mirror-node',
      device: 'source-node',
      target: 'target-node',
      sync: 'full',
      copy_mode: 'write-blocking',
      ...extra,
    });
    expect(result).toMatchQmp('return', {});
  }

  async function doActiveIO(syncSourceAndTarget: boolean): Promise<void> {
    // Fill the source.
    await vm.hmpQemuIo('source', `write -P 1 0 ${imageLen}`);

    // Requests in flight while the job starts.
    await writeEighths(1, 3, '-P 2');
    await writeEighths(2, 3, '-z');

    await startMirror();

    // More requests while it runs.
    await writeEighths(3, 5, '-P 3');
    await writeEighths(4, 5, '-z');

    await vm.waitReady({ drive: 'mirror' });

    // These land after READY and are mirrored actively (the mirror code itself asserts that the
    // source's dirty bitmap stays clean between READY and COMPLETED).
    await writeEighths(5, 7, '-P 3');
    await writeEighths(6, 7, '-z');

    if (syncSourceAndTarget) {
      // Source and target can only be in sync if everything is flushed before completion.
      await vm.hmpQemuIo('source', 'aio_flush');
      potentialWritesInFlight = false;
    }

    await vm.completeAndWait({ drive: 'mirror', waitReady: false });
  }

  test('testActiveIO', async () => {
    await doActiveIO(false);
  });

  test('testActiveIOFlushed', async () => {
    await doActiveIO(true);
  });

  test('testUnalignedActiveIO', async () => {
    await vm.hmpQemuIo('source', 'write -P 1 0 2M');

    // Start the job very slowly...
    await startMirror({ buf_size: MiB / 4, speed: 1 });

    // ...and write unaligned into a dirty area.
    await vm.hmpQemuIo('source', `write -P 2 ${MiB + 42} 1`);

    // Let the job finish.
    const result = await vm.qmp('block-job-set-speed', { device: 'mirror', speed: 0 });
    expect(result).toMatchQmp('return', {});
    await vm.completeAndWait({ drive: 'mirror' });

    potentialWritesInFlight = false;
  });

  test('testIntersectingActiveIO', async () => {
    await vm.hmpQemuIo('source', 'write -P 1 0 2M');

    // Start the job very slowly (the original does not check this reply).
    await vm.qmp('blockdev-mirror', {
      job_id: 'mirror',
      filter_node_name: 'mirror-node',
      device: 'source-node',
      target: 'target-node',
      sync: 'full',
      copy_mode: 'write-blocking',
      speed: 1,
    });

    await vm.hmpQemuIo('source', 'break write_aio A');
    await vm.hmpQemuIo('source', 'aio_write 0 1M'); // 1
    await vm.hmpQemuIo('source', 'wait_break A');
    await vm.hmpQemuIo('source', 'aio_write 0 2M'); // 2
    await vm.hmpQemuIo('source', 'aio_write 0 2M'); // 3

    // 2 and 3 now wait in mirror_wait_on_conflicts for 1.

    await vm.hmpQemuIo('source', 'break write_aio B');
    await vm.hmpQemuIo('source', 'aio_write 1M 2M'); // 4
    await vm.hmpQemuIo('source', 'wait_break B');

    // 4 does not wait for 2 and 3 (they have not set in_flight_bitmap yet): only breakpoint B
    // holds it.

    await vm.hmpQemuIo('source', 'resume A');

    // 1 is done, so 2 and 3 loop in mirror_wait_on_conflicts: the bitmap is dirty because of 4.
    // They used to wait for each other here (a deadlock); now they wait for 4.

    await vm.hmpQemuIo('source', 'resume B');

    // With 4 done, one of 2 and 3 goes first and sets in_flight_bitmap; the other waits for it.

    const result = await vm.qmp('block-job-set-speed', { device: 'mirror', speed: 0 });
    expect(result).toMatchQmp('return', {});
    await vm.completeAndWait({ drive: 'mirror' });

    potentialWritesInFlight = false;
  });
});

/** Which clock a throttled case runs on: qtest's virtual clock (stepped), or the real one. */
type Clock = 'virtual' | 'real';

for (const [name, iops] of [
  ['TestLowThrottledWithNbdExport', 16],
  ['TestHighThrottledWithNbdExport', 1024],
] as const) {
  describe(name, () => {
    const imageLen = 128 * MiB;
    let vm: VM;
    let nbdUrl: string;
    let clock: Clock;
    let backgroundProcesses: ToolProcess[];

    beforeEach(async () => {
      backgroundProcesses = [];
      clock = 'real';
      await iotests.qemuImg('create', '-f', iotests.imgfmt, sourceImg(), '128M');
      await iotests.qemuImg('create', '-f', iotests.imgfmt, targetImg(), '128M');

      vm = new VM();
      await vm.launch();

      let result = await vm.qmp('object-add', {
        'qom-type': 'throttle-group',
        id: 'thrgr',
        limits: { 'iops-total': iops, 'iops-total-max': iops },
      });
      expect(result).toMatchQmp('return', {});

      result = await vm.qmp('blockdev-add', {
        'node-name': 'source-node',
        driver: 'throttle',
        'throttle-group': 'thrgr',
        file: { driver: iotests.imgfmt, file: { driver: 'file', filename: sourceImg() } },
      });
      expect(result).toMatchQmp('return', {});

      result = await vm.qmp('blockdev-add', {
        'node-name': 'target-node',
        driver: iotests.imgfmt,
        file: { driver: 'file', filename: targetImg() },
      });
      expect(result).toMatchQmp('return', {});

      const nbdSock = iotests.filePath('nbd.sock', { baseDir: iotests.sockDir });
      nbdUrl = `nbd+unix:///source-node?socket=${nbdSock}`;

      result = await vm.qmp('nbd-server-start', {
        addr: { type: 'unix', data: { path: nbdSock } },
      });
      expect(result).toMatchQmp('return', {});

      result = await vm.qmp('block-export-add', {
        id: 'exp0',
        type: 'nbd',
        node_name: 'source-node',
        writable: true,
      });
      expect(result).toMatchQmp('return', {});
    });

    afterEach(async () => {
      try {
        await settleBackgroundProcesses();
        await cancelJobs();
        await vm.shutdown();
      } finally {
        // Whatever is still running (after a failure) ends here.
        await Promise.allSettled(backgroundProcesses.map((child) => child.stop('SIGKILL')));
        rmSync(sourceImg());
        rmSync(targetImg());
      }
    });

    /** Wait for the background requests to settle (stepping the clock where there is one). */
    async function settleBackgroundProcesses(): Promise<void> {
      for (const child of [...backgroundProcesses].reverse()) {
        if (clock === 'virtual') {
          const deadline = Date.now() + REAL_CLOCK_LIMIT_MS;
          while (!child.exited) {
            if (Date.now() >= deadline) {
              throw new Error(`background process ${child.pid} did not exit`);
            }
            await vm.qtest(`clock_step ${NSEC_PER_SEC}`);
          }
        } else {
          await waitFor(`background process ${child.pid} to exit`, () =>
            Promise.resolve(child.exited),
          );
        }
      }
    }

    async function queryJobs(): Promise<Qapi.JobInfo[]> {
      return vm.cmd('query-jobs');
    }

    /** Cancel the block jobs and wait until they are gone. */
    async function cancelJobs(): Promise<void> {
      for (const job of await queryJobs()) {
        await vm.qmp('block-job-cancel', { device: job.id, force: true });
      }
      if (clock === 'virtual') {
        for (;;) {
          await vm.qtest(`clock_step ${NSEC_PER_SEC}`);
          if ((await queryJobs()).length === 0) {
            break;
          }
        }
      } else {
        await waitFor('the cancelled jobs to go', async () => (await queryJobs()).length === 0);
      }
    }

    /** Start a process in the background; its exit status does not matter (the original never reads it). */
    async function spawnBackground(start: Promise<ToolProcess>): Promise<void> {
      backgroundProcesses.push(await start);
    }

    async function remainingWork(): Promise<number> {
      const [job] = await queryJobs();
      return Number(job['total-progress']) - Number(job['current-progress']);
    }

    if (iops === 16) {
      /**
       * Throttle the source, then issue lots of external requests while the write-blocking
       * mirror runs: background requests must still be issued while the source is fully loaded
       * by active writes, so that the job progresses towards READY.
       */
      async function testUnderLoad(): Promise<void> {
        // Fill the first half of the source, not the second: active requests go there, so
        // that they do not make progress themselves (those areas were not to be copied when the
        // job started; active mirroring only keeps the job from losing progress).
        await vm.hmpQemuIo('source-node', `aio_write -P 1 0 ${imageLen / 2}`);
        if (clock === 'virtual') {
          await vm.qtest(`clock_step ${NSEC_PER_SEC}`);
        }

        const result = await vm.qmp('blockdev-mirror', {
          job_id: 'mirror',
          filter_node_name: 'mirror-node',
          device: 'source-node',
          target: 'target-node',
          sync: 'full',
          copy_mode: 'write-blocking',
          buf_size: 65536,
        });
        expect(result).toMatchQmp('return', {});

        // External requests, from qemu-io processes on the NBD export; from the middle of the
        // image on, so that they never overlap the job's background requests.
        let activeRequestOffset = imageLen / 2;
        const activeRequestLen = 4096;
        const spawnActiveRequests = async (count: number): Promise<void> => {
          for (let i = 0; i < count; i++) {
            const req = `write -P 42 ${activeRequestOffset} ${activeRequestLen}`;
            activeRequestOffset += activeRequestLen;
            await spawnBackground(iotests.qemuIoPopen('-f', 'nbd', nbdUrl, '-c', req));
          }
        };

        // Enough to saturate the node for 5 seconds.
        await spawnActiveRequests(5 * iops);

        const step = Math.ceil(NSEC_PER_SEC / iops);
        if (clock === 'virtual') {
          // Advance 4 of those 5 seconds, one request at a time: the job issues background
          // requests meanwhile, but the earlier active requests go first. Only 4 seconds, to
          // stay clear of races.
          for (let i = 0; i < 4 * iops; i++) {
            await vm.qtest(`clock_step ${step}`);
          }
        }

        const startRemaining = await remainingWork();

        // Lots more active requests.
        await spawnActiveRequests(10 * iops);

        if (clock === 'virtual') {
          // One second on, the background requests are worked on; give them 4 more seconds.
          for (let i = 0; i < 5 * iops; i++) {
            await vm.qtest(`clock_step ${step}`);
          }
          const endRemaining = await remainingWork();
          // The job progressed although the node was saturated with active requests.
          expect(startRemaining - endRemaining).toBeGreaterThan(0);
        } else {
          // The real clock moves by itself: wait until the job has progressed, then check that
          // the node was still saturated (active requests still in flight) at that point.
          let endRemaining = startRemaining;
          await waitFor('the mirror job to progress', async () => {
            endRemaining = await remainingWork();
            return endRemaining < startRemaining;
          });
          const stillActive = backgroundProcesses.filter((p) => !p.exited).length;
          expect(startRemaining - endRemaining).toBeGreaterThan(0);
          expect(stillActive).toBeGreaterThan(0);
        }
      }

      test('testUnderLoad', async () => {
        // Steps the virtual clock (clock_step) to let the throttled requests through.
        iotests.requires({ accelerator: 'qtest' });
        clock = 'virtual';
        await testUnderLoad();
      });

      // Not in the original: the same case on the real clock (see the top of the file).
      describe('real clock', () => {
        test('testUnderLoad', async () => {
          await testUnderLoad();
        });
      });
    } else {
      /**
       * Issue requests on the mirror source right as the mirror is set up. Requests may come
       * after the node is in the graph but before the job object exists; they must be forwarded
       * to the source without being mirrored (there is no job to look at yet: it used to
       * segfault). A lightly throttled node (a high IOPS limit) makes this more likely; too low a
       * limit would let every request of a second through before mirror_start_job() gets there.
       */
      async function testActiveOnCreation(): Promise<void> {
        // qemu-img bench write requests, enough for two seconds of the throttle.
        const benchArgs = ['bench', '-w', '-d', '1024', '-f', 'nbd', '-c', String(iops * 2)];
        await spawnBackground(
          iotests.qemuToolPopen([...iotests.qemuImgArgs, ...benchArgs, nbdUrl]),
        );

        // The original gives qemu-img bench a second to start; here: until its requests reach
        // the node.
        await waitFor('qemu-img bench to write to the export', async () => {
          const stats = await vm.cmd('query-blockstats', { 'query-nodes': true });
          return stats.some(
            (record) =>
              record['node-name'] === 'source-node' && Number(record.stats.wr_highest_offset) > 0,
          );
        });
        if (clock === 'virtual') {
          // Flush the throttle's queue, so that new requests come in right as the mirror starts.
          await vm.qtest(`clock_step ${NSEC_PER_SEC}`);
        }

        const result = await vm.qmp('blockdev-mirror', {
          job_id: 'mirror',
          device: 'source-node',
          target: 'target-node',
          sync: 'full',
          copy_mode: 'write-blocking',
        });
        expect(result).toMatchQmp('return', {});
      }

      test('testActiveOnCreation', async () => {
        // Steps the virtual clock (clock_step) to flush the throttle's queue.
        iotests.requires({ accelerator: 'qtest' });
        clock = 'virtual';
        await testActiveOnCreation();
      });

      // Not in the original: the same case on the real clock (see the top of the file).
      describe('real clock', () => {
        test('testActiveOnCreation', async () => {
          await testActiveOnCreation();
        });
      });
    }
  });
}
