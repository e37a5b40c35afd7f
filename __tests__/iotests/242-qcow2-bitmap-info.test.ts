/**
 * @qemu-vm none
 * @group rw quick
 * @transcript snapshot
 */
// QEMU iotest 242: `qemu-img info` shows a qcow2 image's persistent dirty bitmaps (name,
// granularity, flags: auto, in-use while a VM has the image open), in human and JSON output,
// and refuses an image whose bitmap directory entry carries an unknown flag.
import { open } from 'node:fs/promises';

import { beforeAll, expect, test } from '@jest/globals';
import { VM, iotests, isJsonObject, type JsonValue } from 'qemu-iotests';

iotests.requires({
  formats: ['qcow2'],
  protocols: ['file'],
  unsupportedImgopts: ['refcount_bits', 'compat'],
});

const disk = iotests.filePath('disk');
const chunk = 256 * 1024;
const bitmapFlagUnknown = 1 << 2;
// Five clusters (header, L1, refcount table and block, bitmap directory) plus the flags' offset
// inside the bitmap directory entry.
const flagOffset = 0x5000f;

/** Log `qemu-img info` of the disk, then its bitmaps again as JSON (if it has any). */
async function printBitmap(extraArgs: string[]): Promise<JsonValue | undefined> {
  iotests.log('qemu-img info dump:\n');
  await iotests.imgInfoLog(disk, { extraArgs });
  const info = await iotests.qemuImgInfo('--force-share', disk);
  expect(info).toMatchQmp('format-specific/type', 'qcow2');
  const data = iotests.qmpPath(info, 'format-specific/data');
  const bitmaps = isJsonObject(data) ? data.bitmaps : undefined;
  if (bitmaps === undefined) {
    iotests.log('No bitmap in JSON format output');
  } else {
    iotests.log('The same bitmaps in JSON format:');
    iotests.log(bitmaps, { indent: 2 });
  }
  return bitmaps;
}

/** In a VM of its own, add bitmap-<number - 1> (granularity 2^(13 + number)) to the disk. */
async function addBitmap(number: number, persistent: boolean, disabled: boolean): Promise<void> {
  const vm = new VM().addDrive(disk);
  await vm.launch();
  const reply = await vm.qmpLog('block-dirty-bitmap-add', {
    node: 'drive0',
    name: `bitmap-${number - 1}`,
    granularity: 1 << (13 + number),
    persistent,
    disabled,
  });
  expect(reply).toEqual({ return: {} });
  await vm.shutdown();
}

/** Write `size` bytes at `offset` with qemu-io (logged). */
async function writeToDisk(offset: number, size: number): Promise<void> {
  await iotests.qemuIoLog('-c', `write ${offset} ${size}`, disk);
}

/** Flip the unknown flag bit in the byte at `offset` of the disk file. */
async function toggleFlag(offset: number): Promise<void> {
  const file = await open(disk, 'r+');
  try {
    const byte = Buffer.alloc(1);
    const { bytesRead } = await file.read(byte, 0, 1, offset);
    expect(bytesRead).toBe(1);
    byte[0] ^= bitmapFlagUnknown;
    await file.write(byte, 0, 1, offset);
  } finally {
    await file.close();
  }
}

// Tests 1-3: a non-persistent bitmap, then a disabled and an enabled persistent one; only the
// persistent ones end up in the image ('auto' marks the enabled one).
const bitmapCases = [
  { num: 1, persistent: false, disabled: false, names: undefined },
  { num: 2, persistent: true, disabled: true, names: ['bitmap-1'] },
  { num: 3, persistent: true, disabled: false, names: ['bitmap-1', 'bitmap-2'] },
];

// The disk of tests 1-4, created once before them as in the seed (test 5 makes its own).
beforeAll(async () => {
  await iotests.qemuImgCreate('-f', iotests.imgfmt, disk, '1M');
});

// Tests 1-3 each add a bitmap to the disk and write to it, where the test before left it; test 4
// looks at the result. How many of them changed the disk so far:
let casesApplied = 0;

/**
 * The changes tests 1..num-1 make to the disk, where they did not run (this test runs alone, as
 * an IDE runs one test): made quietly, their output is theirs.
 */
async function applyCasesBefore(num: number): Promise<void> {
  for (const earlier of bitmapCases.slice(casesApplied, num - 1)) {
    await iotests.quietly(async () => {
      await addBitmap(earlier.num, earlier.persistent, earlier.disabled);
      await writeToDisk((earlier.num - 1) * chunk, chunk);
    });
    casesApplied = earlier.num;
  }
}

for (const { num, persistent, disabled, names } of bitmapCases) {
  test(`${num}. Test ${num}`, async () => {
    await applyCasesBefore(num);
    iotests.log(`Test ${num}`);
    await addBitmap(num, persistent, disabled);
    await writeToDisk((num - 1) * chunk, chunk);
    casesApplied = num;
    const bitmaps = await printBitmap([]);
    expect(bitmaps).toEqual(names?.map((name) => expect.objectContaining({ name })));
    iotests.log('');
  });
}

test('4. Test 4', async () => {
  await applyCasesBefore(4);
  // While a VM has the image open, its persistent bitmaps are marked in-use.
  const vm = new VM().addDrive(disk);
  await vm.launch();
  iotests.log('Test 4\nChecking "in-use" flag...');
  const bitmaps = await printBitmap(['--force-share']);
  expect(bitmaps).toHaveLength(2);
  for (const bitmap of Array.isArray(bitmaps) ? bitmaps : []) {
    expect(bitmap).toMatchQmp('flags[0]', 'in-use');
  }
  await vm.shutdown();
});

test('5. Test 5', async () => {
  iotests.log('\nTest 5');
  await iotests.qemuImgCreate('-f', iotests.imgfmt, disk, '1M');
  await addBitmap(1, true, false);
  const flagHex = `0x${bitmapFlagUnknown.toString(16)}`;
  iotests.log(
    `Write an unknown bitmap flag '${flagHex}' into a new QCOW2 image at offset ${flagOffset}`,
  );
  await toggleFlag(flagOffset);
  // qemu-img refuses to open the image (its error is part of the logged output).
  await iotests.imgInfoLog(disk, { check: false });
  expect(iotests.transcript().text).toContain("doesn't satisfy the constraints");
  await toggleFlag(flagOffset);
  iotests.log(`Unset the unknown bitmap flag '${flagHex}' in the bitmap directory entry:\n`);
  await iotests.imgInfoLog(disk);
  iotests.log('Test complete');
});
