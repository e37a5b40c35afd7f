/**
 * @qemu-vm none
 * @group rw quick
 */
// QEMU iotest 246: persistent dirty bitmaps survive growing and shrinking the image across
// four boots; bitmaps added or removed between boots are kept or dropped accordingly.
import { expect, test } from '@jest/globals';
import { VM, iotests, type QmpObject } from 'qemu-iotests';

iotests.requires({ formats: ['qcow2'], unsupportedImgopts: ['compat'] });

const size = 64 * 1024 * 1024 * 1024;
const granSmall = 32 * 1024;
const granLarge = 128 * 1024;

/** The dirty bitmaps of every block device, as {"bitmaps": {device: [bitmap, ...]}}. */
async function bitmapsByDevice(vm: VM): Promise<QmpObject> {
  const devices = await vm.cmd('query-block');
  if (!Array.isArray(devices)) {
    throw new Error(`query-block returned ${JSON.stringify(devices)}, expected a list`);
  }
  const bitmaps: QmpObject = {};
  for (const device of devices) {
    if (device === null || typeof device !== 'object' || Array.isArray(device)) continue;
    const inserted = device.inserted;
    const found =
      inserted !== null && typeof inserted === 'object' && !Array.isArray(inserted)
        ? inserted['dirty-bitmaps']
        : undefined;
    if (typeof device.device !== 'string') {
      throw new Error(`query-block entry without a device name: ${JSON.stringify(device)}`);
    }
    bitmaps[device.device] = found ?? [];
  }
  return { bitmaps };
}

async function logBitmaps(vm: VM): Promise<void> {
  iotests.log(await bitmapsByDevice(vm), { indent: 2 });
}

function addBitmap(vm: VM, name: string, extra: QmpObject = {}): Promise<unknown> {
  return vm.qmpLog('block-dirty-bitmap-add', { node: 'drive0', name, ...extra });
}

function removeBitmap(vm: VM, name: string): Promise<unknown> {
  return vm.qmpLog('block-dirty-bitmap-remove', { node: 'drive0', name });
}

test('persistent bitmaps across grow and shrink', async () => {
  const imgPath = iotests.filePath('img');
  const vm = new VM();

  iotests.log('--- Preparing image & VM ---\n');
  await iotests.qemuImgCreate('-f', iotests.imgfmt, imgPath, String(size));
  vm.addDrive(imgPath);

  iotests.log('--- 1st Boot (Establish Baseline Image) ---\n');
  await vm.launch();

  iotests.log('\n--- Adding bitmaps Small, Medium, Large, and Transient ---\n');
  await addBitmap(vm, 'Small', { granularity: granSmall, persistent: true });
  await addBitmap(vm, 'Medium', { persistent: true });
  await addBitmap(vm, 'Large', { granularity: granLarge, persistent: true });
  await addBitmap(vm, 'Transient', { persistent: false });

  iotests.log('--- Forcing flush of bitmaps to disk ---\n');
  await logBitmaps(vm);
  await vm.shutdown();

  iotests.log('--- 2nd Boot (Grow Image) ---\n');
  await vm.launch();
  await logBitmaps(vm);

  iotests.log('--- Adding new bitmap, growing image, and adding 2nd new bitmap ---');
  await addBitmap(vm, 'New', { persistent: true });
  await vm.qmpLog('human-monitor-command', { command_line: 'block_resize drive0 70G' });
  await addBitmap(vm, 'Newtwo', { persistent: true });
  await logBitmaps(vm);

  iotests.log('--- Forcing flush of bitmaps to disk ---\n');
  await vm.shutdown();

  iotests.log('--- 3rd Boot (Shrink Image) ---\n');
  await vm.launch();
  await logBitmaps(vm);

  iotests.log('--- Adding "NewB" bitmap, removing "New" bitmap ---');
  await addBitmap(vm, 'NewB', { persistent: true });
  await removeBitmap(vm, 'New');

  iotests.log('--- Truncating image ---\n');
  await vm.qmpLog('human-monitor-command', { command_line: 'block_resize drive0 50G' });

  iotests.log('--- Adding "NewC" bitmap, removing "NewTwo" bitmap ---');
  await addBitmap(vm, 'NewC', { persistent: true });
  await removeBitmap(vm, 'Newtwo');

  iotests.log('--- Forcing flush of bitmaps to disk ---\n');
  await vm.shutdown();

  iotests.log('--- 4th Boot (Verification and Cleanup) ---\n');
  await vm.launch();
  await logBitmaps(vm);

  iotests.log('--- Removing all Bitmaps ---\n');
  for (const name of ['Small', 'Medium', 'Large', 'NewB', 'NewC']) {
    await removeBitmap(vm, name);
  }
  await logBitmaps(vm);

  iotests.log('\n--- Done ---');
  await vm.shutdown();
  expect(iotests.transcript()).toMatchSnapshot();
});
