/**
 * @qemu-vm none
 * @group rw
 * @transcript snapshot
 */
// QEMU iotest 206: create qcow2 images (and their file nodes) with blockdev-create, with default,
// explicit and non-default options, with encryption, and check that invalid options fail the job.
import { writeFileSync } from 'node:fs';

import { beforeAll, expect, test } from '@jest/globals';
import { filters, iotests, unchecked, type Qapi } from 'qemu-iotests';

iotests.requires({ formats: ['qcow2'], protocols: ['file'], luks: true });

const diskPath = iotests.filePath('t.qcow2');
const backingPath = iotests.filePath('t.qcow2.base');

// The secret the encrypted image is created with; the VM keeps it for every launch.
vm.addObject('secret,id=keysec0,data=foo');

// The seed's cases run in one go, so from case 1 on the image file exists, and cases 5 and 7-11
// use it without creating it. Here it exists from the start, so that each case also runs alone
// (an IDE's "run this test"); case 1 creates it anew all the same.
beforeAll(() => {
  writeFileSync(diskPath, '');
});

/** Create the qcow2 image's protocol file (a new, empty file) with blockdev-create. */
async function createFile(extra: Partial<Qapi.BlockdevCreateOptionsFile> = {}): Promise<void> {
  expect(
    await vm.blockdevCreate({ driver: 'file', filename: diskPath, size: 0, ...extra }),
  ).toBeNull();
}

test('1. Successful image creation (defaults)', async () => {
  iotests.log('=== Successful image creation (defaults) ===');
  iotests.log('');

  await vm.launch();
  await createFile();
  await vm.qmpLog(
    'blockdev-add',
    { driver: 'file', filename: diskPath, node_name: 'imgfile' },
    { filters: [filters.qmpTestfiles] },
  );
  expect(
    await vm.blockdevCreate({ driver: iotests.imgfmt, file: 'imgfile', size: 128 * 1024 * 1024 }),
  ).toBeNull();
  await vm.shutdown();

  await iotests.imgInfoLog(diskPath);
});

test('2. Successful image creation (inline blockdev-add, explicit defaults)', async () => {
  iotests.log('=== Successful image creation (inline blockdev-add, explicit defaults) ===');
  iotests.log('');

  // A different size than before shows that this is a new image.
  await vm.launch();
  await createFile({ preallocation: 'off', nocow: false });
  expect(
    await vm.blockdevCreate({
      driver: iotests.imgfmt,
      file: { driver: 'file', filename: diskPath },
      size: 64 * 1024 * 1024,
      version: 'v3',
      'cluster-size': 65536,
      preallocation: 'off',
      'lazy-refcounts': false,
      'refcount-bits': 16,
    }),
  ).toBeNull();
  await vm.shutdown();

  await iotests.imgInfoLog(diskPath);
});

test('3. Successful image creation (v3 non-default options)', async () => {
  iotests.log('=== Successful image creation (v3 non-default options) ===');
  iotests.log('');

  await vm.launch();
  await createFile({ preallocation: 'falloc', nocow: true });
  expect(
    await vm.blockdevCreate({
      driver: iotests.imgfmt,
      file: { driver: 'file', filename: diskPath },
      size: 32 * 1024 * 1024,
      version: 'v3',
      'cluster-size': 2097152,
      preallocation: 'metadata',
      'lazy-refcounts': true,
      'refcount-bits': 1,
    }),
  ).toBeNull();
  await vm.shutdown();

  await iotests.imgInfoLog(diskPath);
});

test('4. Successful image creation (v2 non-default options)', async () => {
  iotests.log('=== Successful image creation (v2 non-default options) ===');
  iotests.log('');

  await vm.launch();
  await createFile();
  expect(
    await vm.blockdevCreate({
      driver: iotests.imgfmt,
      file: { driver: 'file', filename: diskPath },
      size: 32 * 1024 * 1024,
      'backing-file': backingPath,
      'backing-fmt': 'qcow2',
      version: 'v2',
      'cluster-size': 512,
    }),
  ).toBeNull();
  await vm.shutdown();

  await iotests.imgInfoLog(diskPath);
});

test('5. Successful image creation (encrypted)', async () => {
  iotests.log('=== Successful image creation (encrypted) ===');
  iotests.log('');

  await vm.launch();
  // Creating the LUKS key slot can hit QEMU 7.2's PBKDF timing fluke ("Unable to get accurate
  // CPU usage"); such an attempt is rolled out of the transcript and repeated.
  const result = await iotests.retryPbkdfFluke(() =>
    vm.blockdevCreate({
      driver: iotests.imgfmt,
      file: { driver: 'file', filename: diskPath },
      size: 32 * 1024 * 1024,
      encrypt: {
        format: 'luks',
        'key-secret': 'keysec0',
        'cipher-alg': 'aes-128',
        'cipher-mode': 'cbc',
        'ivgen-alg': 'plain64',
        'ivgen-hash-alg': 'md5',
        'hash-alg': 'sha1',
        'iter-time': 10,
      },
    }),
  );
  expect(result).toBeNull();
  await vm.shutdown();

  await iotests.imgInfoLog(diskPath);
});

test('6. Invalid BlockdevRef', async () => {
  iotests.log('=== Invalid BlockdevRef ===');
  iotests.log('');

  await vm.launch();
  expect(
    await vm.blockdevCreate({
      driver: iotests.imgfmt,
      file: "this doesn't exist",
      size: 32 * 1024 * 1024,
    }),
  ).toBe("Cannot find device='this doesn't exist' nor node-name='this doesn't exist'");
  await vm.shutdown();
});

const node0 = `driver=file,filename=${diskPath},node-name=node0`;

/**
 * Cases 7-11 create on node0, the image file as a -blockdev of the VM: the seed adds it in case 7
 * and every later launch keeps it. Each of these cases adds it unless it is there already, so
 * that it also runs alone.
 */
function addNode0(): void {
  if (!vm.args.includes(node0)) vm.addBlockdev(node0);
}

/** Run a blockdev-create on node0 that must fail; returns the job's error (or QEMU's refusal). */
async function createOnNode0Fails(options: Omit<Qapi.BlockdevCreateOptionsQcow2, 'file'>) {
  const result = await vm.blockdevCreate({ driver: iotests.imgfmt, file: 'node0', ...options });
  expect(result).not.toBeNull();
  return result;
}

test('7. Invalid sizes', async () => {
  iotests.log('=== Invalid sizes ===');

  // Misaligned; 2^64 - 512; 2^63 = 8 EB (qemu-img's limit); 2^63 - 512 (valid in general, too
  // big for qcow2); qcow2's own maximum, whose L1 table cannot grow that far on this file.
  // (Negative sizes are a QAPI 'size' problem, not tested here.)
  addNode0();
  await vm.launch();
  for (const size of [1234, 2n ** 64n - 512n, 2n ** 63n, 2n ** 63n - 512n, 9223372035781033984n]) {
    await createOnNode0Fails({ size });
  }
  await vm.shutdown();
});

test('8. Invalid version', async () => {
  iotests.log('=== Invalid version ===');

  addNode0();
  await vm.launch();
  // 'v1' is not a version: the types refuse it, QEMU must too.
  expect(await createOnNode0Fails(unchecked({ size: 67108864, version: 'v1' }))).toEqual({
    class: 'GenericError',
    desc: "Parameter 'version' does not accept value 'v1'",
  });
  await createOnNode0Fails({ size: 67108864, version: 'v2', 'lazy-refcounts': true });
  await createOnNode0Fails({ size: 67108864, version: 'v2', 'refcount-bits': 8 });
  await vm.shutdown();
});

test('9. Invalid backing file options', async () => {
  iotests.log('=== Invalid backing file options ===');

  addNode0();
  await vm.launch();
  await createOnNode0Fails({
    size: 67108864,
    'backing-file': '/dev/null',
    preallocation: 'full',
  });
  await createOnNode0Fails({ size: 67108864, 'backing-fmt': iotests.imgfmt });
  await vm.shutdown();
});

test('10. Invalid cluster size', async () => {
  iotests.log('=== Invalid cluster size ===');

  addNode0();
  await vm.launch();
  for (const clusterSize of [1234, 128, 4194304, 0]) {
    await createOnNode0Fails({ size: 67108864, 'cluster-size': clusterSize });
  }
  await createOnNode0Fails({ size: 281474976710656, 'cluster-size': 512 });
  await vm.shutdown();
});

test('11. Invalid refcount width', async () => {
  iotests.log('=== Invalid refcount width ===');

  addNode0();
  await vm.launch();
  for (const refcountBits of [128, 0, 7]) {
    await createOnNode0Fails({ size: 67108864, 'refcount-bits': refcountBits });
  }
  await vm.shutdown();
});
