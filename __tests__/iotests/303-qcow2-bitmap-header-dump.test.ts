/**
 * @qemu-vm none
 * @group rw quick
 * @transcript snapshot
 */
// QEMU iotest 303: qemu-img bitmap --add (enabled and --disable'd bitmaps of different
// granularities) and the resulting on-disk qcow2 structures: header, header extensions, bitmap
// directory and bitmap tables, dumped as text (zlib image) and as JSON (zstd image).
//
// The original dumps the image with QEMU's tests/qemu-iotests/qcow2.py, which is not part of an
// installed QEMU: the library's QcowHeader and dumpQcow2Header read and print it the same way.
import { test } from '@jest/globals';
import { QcowHeader, dumpQcow2Header, iotests } from 'qemu-iotests';

// qcow2Zstd: the seed's verify_qcow2_zstd_compression, answered by the capability probe.
iotests.requires({
  formats: ['qcow2'],
  unsupportedImgopts: ['refcount_bits', 'compat'],
  qcow2Zstd: true,
});

const disk = iotests.filePath('disk');
const chunk = 1024 * 1024;

// ---- The test ----

async function addBitmap(
  bitmapNumber: number,
  begin: number,
  end: number,
  disabled: boolean,
): Promise<void> {
  iotests.log(`Add bitmap ${bitmapNumber}`);
  const granularity = 1 << (14 + bitmapNumber);
  const args = ['bitmap', '--add', '-g', String(granularity), '-f', iotests.imgfmt, disk];
  args.push(`bitmap-${bitmapNumber}`);
  if (disabled) args.push('--disable');
  await iotests.qemuImg(...args);
  for (let i = begin; i < end; i++) {
    await iotests.qemuIoLog('-c', `write ${i * chunk} ${chunk}`, disk);
  }
  iotests.log('');
}

async function createImageWithBitmaps(compressionType: string): Promise<QcowHeader> {
  await iotests.qemuImgCreate(
    '-f',
    iotests.imgfmt,
    '-o',
    `compression_type=${compressionType}`,
    disk,
    '10M',
  );
  // Bitmap 1 (32k granularity) sees the first 6M written; bitmap 2 (64k) is disabled.
  await addBitmap(1, 0, 6, false);
  await addBitmap(2, 6, 8, true);
  return QcowHeader.fromFile(disk);
}

test('1. zlib image, header dumped as text', async () => {
  // qcow2.py's output, logged as the original logs it (its last newline is the log line's).
  iotests.log(dumpQcow2Header(await createImageWithBitmaps('zlib')).slice(0, -1));
});

test('2. zstd image, header dumped as JSON', async () => {
  iotests.log(dumpQcow2Header(await createImageWithBitmaps('zstd'), { json: true }).slice(0, -1));
});
