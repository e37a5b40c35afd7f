/**
 * @qemu-vm none
 * @group rw quick
 */
// QEMU iotest 148: QUORUM_REPORT_BAD events of a three-child quorum whose children fail reads of
// one sector each (blkdebug), in 'quorum' and 'fifo' read-pattern, including the event's rate
// limit (one event per child and second).
//
// Accelerator: the rate limit follows QEMU's virtual clock under qtest and the real clock
// otherwise; the original steps the virtual clock (qtest `clock_step`) between reads to land
// inside or beyond the one-second window. That case is ported as it is and requires qtest
// (skipped here, where QEMU has only tcg). A second case, in the describe block "real clock"
// after the verbatim port, checks on any clock what does not depend on the window: the first
// error of each child is reported at once with its sector, fifo reads report only the first
// child, and nothing else is emitted. It synchronises with aio_flush (qemu-io drains every
// request) instead of stepping the clock.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { VM, iotests } from 'qemu-iotests';

/** The file's requirements (the original's verify_quorum and main(...) arguments). */
function requireFileSupport(): void {
  iotests.requires({ quorum: true, formats: ['raw'], protocols: ['file'] });
}

requireFileSupport();

const CHILDREN = 3;
const EVENT_RATE = 1_000_000_000;
const SECTOR_SIZE = 512;
/** Child i fails reads of sector OFFSET + i. */
const OFFSET = 10;

const imgPath = (i: number): string => path.join(iotests.testDir, `quorum${i}.img`);
const confPath = (i: number): string => path.join(iotests.testDir, `quorum${i}.conf`);

function blkdebugConfig(badSector: number): string {
  return `\n[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "${badSector}"\n`;
}

for (const [name, readPattern] of [
  ['TestQuorumEvents', 'quorum'],
  ['TestFifoQuorumEvents', 'fifo'],
] as const) {
  describe(name, () => {
    // skip_if_unsupported(['quorum']) on setUp.
    iotests.requires({ requiredFormats: ['quorum'] });

    let vm: VM;

    beforeEach(async () => {
      const driveopts = ['driver=quorum', 'vote-threshold=2', `read-pattern=${readPattern}`];
      for (let i = 0; i < CHILDREN; i++) {
        await iotests.qemuImg('create', '-f', iotests.imgfmt, imgPath(i), '1M');
        writeFileSync(confPath(i), blkdebugConfig(i + OFFSET));
        driveopts.push(
          `children.${i}.driver=${iotests.imgfmt}`,
          `children.${i}.file.driver=blkdebug`,
          `children.${i}.file.config=${confPath(i)}`,
          `children.${i}.file.image.filename=${imgPath(i)}`,
          `children.${i}.node-name=img${i}`,
        );
      }
      vm = new VM();
      vm.addDrive(null, { opts: driveopts.join(',') });
      await vm.launch();
    });

    afterEach(async () => {
      await vm.shutdown();
      for (let i = 0; i < CHILDREN; i++) {
        rmSync(imgPath(i));
        rmSync(confPath(i));
      }
    });

    /** No event is pending (node null), or every event that comes is a report of node/sector. */
    async function checkEvent(node: string | null, sector = 0): Promise<void> {
      if (node === null) {
        expect(await vm.getQmpEvents({ wait: false })).toEqual([]);
        return;
      }
      for (const event of await vm.getQmpEvents({ wait: true })) {
        if (event.event === 'QUORUM_REPORT_BAD') {
          expect(event).toMatchQmp('data/node-name', node);
          expect(event).toMatchQmp('data/sector-num', sector);
        }
      }
    }

    async function readSector(sector: number): Promise<void> {
      await vm.hmpQemuIo('drive0', `aio_read ${sector * SECTOR_SIZE} ${SECTOR_SIZE}`);
    }

    async function stepClock(ns: number): Promise<void> {
      await vm.qtest(`clock_step ${ns}`);
    }

    test('testQuorum', async () => {
      // Steps the virtual clock (clock_step) inside and beyond the events' one-second window.
      iotests.requires({ accelerator: 'qtest' });

      // An error, and its event.
      await readSector(OFFSET);
      await stepClock(10);
      await checkEvent('img0', OFFSET);

      // More errors in the same child within the window: no event yet...
      for (let i = 0; i < 3; i++) {
        await readSector(OFFSET);
        await stepClock(10);
        await checkEvent(null);
      }

      // ...until the window has passed.
      await stepClock(2 * EVENT_RATE);
      await checkEvent('img0', OFFSET);

      // Errors in the same child, each after the window: every one is reported.
      for (let i = 0; i < 3; i++) {
        await readSector(OFFSET);
        await stepClock(2 * EVENT_RATE);
        await checkEvent('img0', OFFSET);
      }

      // Errors in different children, within and after the window: all are reported (the
      // limit is per child), except that fifo reads only ever see the first child fail.
      for (const delay of [10, 2 * EVENT_RATE]) {
        for (let i = 0; i < CHILDREN; i++) {
          await readSector(OFFSET + i);
          await stepClock(delay);
          if (i > 0 && readPattern === 'fifo') {
            await checkEvent(null);
          } else {
            await checkEvent(`img${i}`, OFFSET + i);
          }
        }
      }

      // Nothing left.
      await checkEvent(null);
    });

    // Not in the original: what holds on the real clock (see the top of the file).
    describe('real clock', () => {
      test('testQuorum', async () => {
        // Every child's first error; aio_flush drains the read, so its event (if any) was sent
        // before the flush's reply.
        for (let i = 0; i < CHILDREN; i++) {
          await readSector(OFFSET + i);
          await vm.hmpQemuIo('drive0', 'aio_flush');
          const events = await vm.getQmpEvents({ wait: false });
          if (i > 0 && readPattern === 'fifo') {
            expect(events).toEqual([]);
          } else {
            expect(events).toHaveLength(1);
            expect(events[0]).toMatchQmp('event', 'QUORUM_REPORT_BAD');
            expect(events[0]).toMatchQmp('data/node-name', `img${i}`);
            expect(events[0]).toMatchQmp('data/sector-num', OFFSET + i);
          }
        }
        await checkEvent(null);
      });
    });
  });
}
