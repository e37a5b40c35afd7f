/**
 * @qemu-vm none
 * @group rw quick
 * @transcript snapshot
 */
// QEMU iotest 260: a temporary external snapshot (blockdev-snapshot-sync, then an active
// block-commit back into the base) keeps the base's dirty bitmap working: the snapshot has no
// bitmap, and after the commit the base's bitmap counts the writes made to the snapshot too.
import { test } from '@jest/globals';
import { VM, filters, iotests } from 'qemu-iotests';

iotests.requires({ formats: ['qcow2'], unsupportedImgopts: ['compat'] });

const [base, top] = iotests.filePath('base', 'top');
const size = 64 * 1024 * 3;

/** Log the first bitmap of the first device (its dirty 64k clusters), or that it has none. */
async function logBitmap(msg: string, vm: VM): Promise<void> {
  const result = iotests.qmpPath(await vm.qmp('query-block'), 'return[0]');
  const info = result.inserted;
  const bitmaps = info?.['dirty-bitmaps'];
  if (bitmaps !== undefined) {
    const [bitmap] = bitmaps;
    if (bitmap === undefined) throw new Error(`${msg}: dirty-bitmaps is empty`);
    const clusters = Math.floor(Number(bitmap.count) / 64 / 1024);
    iotests.log(`${msg}: name=${bitmap.name ?? 'None'} dirty-clusters=${clusters}`);
  } else {
    iotests.log(`${msg}: not found`);
  }
}

async function snapshotAndCommit(persistent: boolean, restart: boolean): Promise<void> {
  iotests.log(
    `\nTestcase ${persistent ? '' : 'non-'}persistent ${restart ? 'with' : 'without'} restart\n`,
  );

  await iotests.qemuImgCreate('-f', iotests.imgfmt, base, String(size));

  let vm = new VM().addDrive(base);
  await vm.launch();

  await vm.qmpLog('block-dirty-bitmap-add', { node: 'drive0', name: 'bitmap0', persistent });
  await vm.hmpQemuIo('drive0', 'write 0 64K');
  await logBitmap('initial bitmap', vm);

  await vm.qmpLog(
    'blockdev-snapshot-sync',
    { device: 'drive0', snapshot_file: top, format: iotests.imgfmt },
    { filters: [filters.qmpTestfiles] },
  );
  await vm.hmpQemuIo('drive0', 'write 64K 512');
  await logBitmap('check that no bitmaps are in snapshot', vm);

  if (restart) {
    iotests.log('... Restart ...');
    await vm.shutdown();
    vm = new VM().addDrive(top);
    await vm.launch();
  }

  await vm.qmpLog('block-commit', { device: 'drive0', top }, { filters: [filters.qmpTestfiles] });
  const ready = await vm.eventsWait([['BLOCK_JOB_READY'], ['BLOCK_JOB_COMPLETED']]);
  iotests.log(filters.qmpEvent(ready));
  if (ready.event === 'BLOCK_JOB_COMPLETED') {
    // An active commit must wait for block-job-complete; finishing on its own is a failure.
    await vm.shutdown();
    throw new Error(`block-commit completed without being ready; QEMU log:\n${vm.getLog() ?? ''}`);
  }

  await vm.qmpLog('block-job-complete', { device: 'drive0' });
  iotests.log(filters.qmpEvent(await vm.eventWait('BLOCK_JOB_COMPLETED')));
  await logBitmap('check bitmap after commit', vm);

  await vm.hmpQemuIo('drive0', 'write 128K 64K');
  await logBitmap('check updated bitmap', vm);

  await vm.shutdown();
}

test('1. non-persistent bitmap, no restart', async () => {
  await snapshotAndCommit(false, false);
});

test('2. persistent bitmap, no restart', async () => {
  await snapshotAndCommit(true, false);
});

test('3. persistent bitmap, restart before the commit', async () => {
  await snapshotAndCommit(true, true);
});
