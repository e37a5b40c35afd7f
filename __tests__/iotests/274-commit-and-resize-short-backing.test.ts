/**
 * @qemu-vm none
 * @group rw backing
 * @transcript snapshot
 */
// QEMU iotest 274: backing files shorter than their overlay. Committing (qemu-img, HMP and QMP
// active commit) must not let the unallocated tail beyond the short backing file read as
// anything but zeroes, and resizing an overlay over a shorter backing file must zero the new
// area under every preallocation mode (including a 5G overlap that would show a 32-bit
// truncation).
import { expect, test } from '@jest/globals';
import { VM, iotests } from 'qemu-iotests';

iotests.requires({
  formats: ['qcow2'],
  platforms: ['linux'],
  unsupportedImgopts: ['refcount_bits', 'compat'],
});

const sizeShort = 1 * 1024 * 1024;
const sizeLong = 2 * 1024 * 1024;
const sizeDiff = sizeLong - sizeShort;

const [base, mid, top] = iotests.filePath('base', 'mid', 'top');

/** base (2M, all 1s) <- mid (1M) <- top (2M). */
async function createChain(): Promise<void> {
  await iotests.qemuImgCreate('-f', iotests.imgfmt, base, String(sizeLong));
  await iotests.qemuImgCreate(
    '-f',
    iotests.imgfmt,
    '-b',
    base,
    '-F',
    iotests.imgfmt,
    mid,
    String(sizeShort),
  );
  await iotests.qemuImgCreate(
    '-f',
    iotests.imgfmt,
    '-b',
    mid,
    '-F',
    iotests.imgfmt,
    top,
    String(sizeLong),
  );
  await iotests.qemuIoLog('-c', `write -P 1 0 ${sizeLong}`, base);
}

/** A VM with the chain as explicit nodes and `top` as drive0 (node 'top'). */
function createVm(): VM {
  const vm = new VM();
  vm.addBlockdev(`file,filename=${base},node-name=base-file`);
  vm.addBlockdev(`${iotests.imgfmt},file=base-file,node-name=base`);
  vm.addBlockdev(`file,filename=${mid},node-name=mid-file`);
  vm.addBlockdev(`${iotests.imgfmt},file=mid-file,node-name=mid,backing=base`);
  vm.addDrive(top, { opts: 'backing=mid,node-name=top' });
  return vm;
}

/** `image` reads as 1s up to the short size and as zeroes beyond it. */
async function checkData(image: string): Promise<void> {
  await iotests.qemuIoLog('-c', `read -P 1 0 ${sizeShort}`, image);
  await iotests.qemuIoLog('-c', `read -P 0 ${sizeShort} ${sizeDiff}`, image);
}

/** Active commit of 'top' into `baseNode` through QMP. */
async function qmpActiveCommit(baseNode: string): Promise<void> {
  const vm = createVm();
  await vm.launch();
  await vm.qmpLog('block-commit', {
    device: 'top',
    base_node: baseNode,
    job_id: 'job0',
    auto_dismiss: false,
  });
  // The original waits 5 s per event; the VM's event timeout still catches a stuck job.
  expect(await vm.runJob('job0')).toBeNull();
  await vm.shutdown();
}

test('1. Commit tests: data, allocation, map, qemu-img commit (top -> mid)', async () => {
  iotests.log('== Commit tests ==');

  await createChain();

  iotests.log('=== Check visible data ===');
  await checkData(top);

  iotests.log('=== Checking allocation status ===');
  for (const image of [base, mid, top]) {
    await iotests.qemuIoLog(
      '-c',
      `alloc 0 ${sizeShort}`,
      '-c',
      `alloc ${sizeShort} ${sizeDiff}`,
      image,
    );
  }

  iotests.log('=== Checking map ===');
  for (const image of [base, mid, top]) {
    await iotests.qemuImgLog('map', '--output=json', image);
    await iotests.qemuImgLog('map', '--output=human', image);
  }

  iotests.log('=== Testing qemu-img commit (top -> mid) ===');
  await iotests.qemuImgLog('commit', top);
  await iotests.imgInfoLog(mid);
  await checkData(mid);
});

test('2. HMP commit (top -> mid)', async () => {
  iotests.log('=== Testing HMP commit (top -> mid) ===');
  await createChain();
  const vm = createVm();
  await vm.launch();
  await vm.qmpLog('human-monitor-command', { command_line: 'commit drive0' });
  await vm.shutdown();

  await iotests.imgInfoLog(mid);
  await checkData(mid);
});

test('3. QMP active commit (top -> mid)', async () => {
  iotests.log('=== Testing QMP active commit (top -> mid) ===');
  await createChain();
  await qmpActiveCommit('mid');

  await iotests.imgInfoLog(mid);
  await checkData(mid);
});

test('4. qemu-img commit (top -> base)', async () => {
  iotests.log('=== Testing qemu-img commit (top -> base) ===');
  await createChain();
  await iotests.qemuImgLog('commit', '-b', base, top);
  await iotests.imgInfoLog(base);
  await checkData(base);
});

test('5. QMP active commit (top -> base)', async () => {
  iotests.log('=== Testing QMP active commit (top -> base) ===');
  await createChain();
  await qmpActiveCommit('base');

  // As in the original, the image info shown is mid's (still 1M, backed by base); the data
  // checks are on base.
  await iotests.imgInfoLog(mid);
  await checkData(base);
});

// Sizes per preallocation mode: 'off' 1G -> 8G over a 6G base has a 5G overlap (a 32-bit
// truncation of it would show); the preallocating modes stay small enough for the test host;
// the last three are unaligned.
const RESIZE_CASES = [
  { prealloc: 'off', baseSize: '6G', topOld: '1G', topNew: '8G', off: '5G' },
  { prealloc: 'metadata', baseSize: '32G', topOld: '30G', topNew: '33G', off: '31G' },
  { prealloc: 'falloc', baseSize: '10M', topOld: '5M', topNew: '15M', off: '9M' },
  { prealloc: 'full', baseSize: '16M', topOld: '8M', topNew: '12M', off: '11M' },
  { prealloc: 'off', baseSize: '384k', topOld: '253k', topNew: '512k', off: '253k' },
  { prealloc: 'off', baseSize: '400k', topOld: '256k', topNew: '512k', off: '336k' },
  { prealloc: 'off', baseSize: '512k', topOld: '256k', topNew: '500k', off: '436k' },
] as const;

RESIZE_CASES.forEach(({ prealloc, baseSize, topOld, topNew, off }, index) => {
  const title = `${index + 6}. Resize: preallocation=${prealloc}, base ${baseSize}, top ${topOld} -> ${topNew}`;
  test(title, async () => {
    if (index === 0) {
      // The section heading belongs to the first case's transcript.
      iotests.log('== Resize tests ==');
    }
    iotests.log(`=== preallocation=${prealloc} ===`);
    await iotests.qemuImgCreate('-f', iotests.imgfmt, base, baseSize);
    await iotests.qemuImgCreate(
      '-f',
      iotests.imgfmt,
      '-b',
      base,
      '-F',
      iotests.imgfmt,
      top,
      topOld,
    );
    await iotests.qemuIoLog('-c', `write -P 1 ${off} 64k`, base);

    // Afterwards topOld..baseSize must read as zeroes; in practice QEMU zeroes everything up to
    // topNew.
    await iotests.qemuImgLog(
      'resize',
      '-f',
      iotests.imgfmt,
      '--preallocation',
      prealloc,
      top,
      topNew,
    );
    await iotests.qemuIoLog('-c', `read -P 0 ${off} 64k`, top);
    await iotests.qemuIoLog('-c', 'map', top);
    await iotests.qemuImgLog('map', '--output=json', top);
  });
});
