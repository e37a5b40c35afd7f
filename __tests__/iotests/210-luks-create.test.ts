/**
 * @qemu-vm none
 * @group rw
 * @transcript snapshot
 */
// QEMU iotest 210: create LUKS images with blockdev-create (defaults, non-default crypto options,
// zero size), check that invalid references and sizes fail the job, and that block_resize refuses
// sizes beyond what the format and QAPI can take.
//
// Every step that creates a LUKS key slot through QEMU can hit QEMU 7.2's PBKDF timing fluke
// ("Unable to get accurate CPU usage") on this machine: such steps run inside
// iotests.retryPbkdfFluke, which rolls a failed attempt out of the transcript and repeats it.
import { writeFileSync } from 'node:fs';

import { beforeAll, expect, test } from '@jest/globals';
import type { Qapi } from 'qemu-iotests';
import { filters, iotests } from 'qemu-iotests';

iotests.requires({ formats: ['luks'], protocols: ['file'] });

const diskPath = iotests.filePath('t.luks');

vm.addObject('secret,id=keysec0,data=foo');

// The seed's cases run in one go, so from case 1 on the image file exists, and case 4 uses it
// without creating it. Here it exists from the start, so that each case also runs alone (an
// IDE's "run this test"); cases 1 and 2 create it anew all the same.
beforeAll(() => {
  writeFileSync(diskPath, '');
});

const node0 = `driver=file,filename=${diskPath},node-name=node0`;

/**
 * Cases 4-6 use node0, the image file as a -blockdev of the VM: the seed adds it in case 4
 * and every later launch keeps it. Each of these cases adds it unless it is there already, so
 * that it also runs alone.
 */
function addNode0(): void {
  if (!vm.args.includes(node0)) vm.addBlockdev(node0);
}

// Case 6 resizes the zero-size image case 4 creates (case 5 only fails to create others on it).
let zeroSizeImageCreated = false;

/** Log `qemu-img info` of the image, opened through --image-opts with its secret. */
async function imageInfoLog(): Promise<void> {
  // The image is given as options (there is no IMGOPTS/protocol-aware path for it yet).
  await iotests.imgInfoLog(
    `driver=luks,file.driver=file,file.filename=${diskPath},key-secret=keysec0`,
    {
      filterPath: diskPath,
      extraArgs: ['--object', 'secret,id=keysec0,data=foo'],
      useImageOpts: true,
    },
  );
}

/** blockdev-create that writes a LUKS header (and so a key slot), retried on the PBKDF fluke. */
function createLuks(options: Qapi.BlockdevCreateOptions) {
  return iotests.retryPbkdfFluke(() => vm.blockdevCreate(options));
}

test('1. Successful image creation (defaults)', async () => {
  iotests.log('=== Successful image creation (defaults) ===');
  iotests.log('');

  await vm.launch();
  expect(await vm.blockdevCreate({ driver: 'file', filename: diskPath, size: 0 })).toBeNull();
  await vm.qmpLog(
    'blockdev-add',
    { driver: 'file', filename: diskPath, node_name: 'imgfile' },
    { filters: [filters.qmpTestfiles] },
  );
  expect(
    await createLuks({
      driver: iotests.imgfmt,
      file: 'imgfile',
      'key-secret': 'keysec0',
      size: 128 * 1024 * 1024,
      'iter-time': 10,
    }),
  ).toBeNull();
  await vm.shutdown();

  await imageInfoLog();
});

test('2. Successful image creation (with non-default options)', async () => {
  iotests.log('=== Successful image creation (with non-default options) ===');
  iotests.log('');

  await vm.launch();
  expect(await vm.blockdevCreate({ driver: 'file', filename: diskPath, size: 0 })).toBeNull();
  expect(
    await createLuks({
      driver: iotests.imgfmt,
      file: { driver: 'file', filename: diskPath },
      size: 64 * 1024 * 1024,
      'key-secret': 'keysec0',
      'cipher-alg': 'aes-128',
      'cipher-mode': 'cbc',
      'ivgen-alg': 'plain64',
      'ivgen-hash-alg': 'md5',
      'hash-alg': 'sha1',
      'iter-time': 10,
    }),
  ).toBeNull();
  await vm.shutdown();

  await imageInfoLog();
});

test('3. Invalid BlockdevRef', async () => {
  iotests.log('=== Invalid BlockdevRef ===');
  iotests.log('');

  await vm.launch();
  expect(
    await vm.blockdevCreate({
      driver: iotests.imgfmt,
      file: "this doesn't exist",
      size: 64 * 1024 * 1024,
    }),
  ).toBe("Cannot find device='this doesn't exist' nor node-name='this doesn't exist'");
  await vm.shutdown();
});

test('4. Zero size', async () => {
  iotests.log('=== Zero size ===');
  iotests.log('');

  addNode0();
  await vm.launch();
  expect(
    await createLuks({
      driver: iotests.imgfmt,
      file: 'node0',
      'key-secret': 'keysec0',
      size: 0,
      'iter-time': 10,
    }),
  ).toBeNull();
  await vm.shutdown();
  zeroSizeImageCreated = true;

  await imageInfoLog();
});

test('5. Invalid sizes', async () => {
  // 2^64 - 512; 2^63 = 8 EB (qemu-img's limit); 2^63 - 512 (valid in general, but the crypto
  // header pushes the file beyond 63 bits). Negative sizes are a QAPI 'size' problem, untested.
  iotests.log('=== Invalid sizes ===');
  iotests.log('');

  addNode0();
  await vm.launch();
  for (const size of [2n ** 64n - 512n, 2n ** 63n, 2n ** 63n - 512n]) {
    // The size is checked only after the key slot's PBKDF was benchmarked, so this can hit the
    // fluke too.
    expect(
      await createLuks({ driver: iotests.imgfmt, file: 'node0', 'key-secret': 'keysec0', size }),
    ).toBe('The requested file size is too large');
  }
  await vm.shutdown();
});

test('6. Resize image with invalid sizes', async () => {
  iotests.log('=== Resize image with invalid sizes ===');
  iotests.log('');

  if (!zeroSizeImageCreated) {
    // Run alone: case 4's image, made with qemu-img (case 4 logs its own making of it).
    await iotests.retryPbkdfFluke(() =>
      iotests.qemuImgCreate(
        '-f',
        iotests.imgfmt,
        '--object',
        'secret,id=keysec0,data=foo',
        '-o',
        'key-secret=keysec0,iter-time=10',
        diskPath,
        '0',
      ),
    );
  }
  addNode0();
  vm.addBlockdev('driver=luks,file=node0,key-secret=keysec0,node-name=node1');
  await vm.launch();
  for (const size of [2n ** 63n - 512n, 2n ** 63n, 2n ** 64n - 512n, -(2n ** 63n)]) {
    const reply = await vm.qmpLog('block_resize', { node_name: 'node1', size });
    expect(reply).toMatchQmp('error/class', 'GenericError');
  }
  await vm.shutdown();

  await imageInfoLog();
});
