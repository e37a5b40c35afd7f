/**
 * @qemu-vm none
 * @group rw auto quick
 */
// QEMU iotest 256: full and then incremental backups of two drives that live in different
// iothreads (each on its own virtio-scsi controller), started together in one transaction.
import path from 'node:path';

import { expect, test } from '@jest/globals';
import { VM, iotests, type Qapi, type QmpReply } from 'qemu-iotests';

iotests.verifyVirtioScsiPciOrCcw();
iotests.requires({ formats: ['qcow2'] });

const size = 64 * 1024 * 1024;

/** Create an empty IMGFMT image of `bytes` at `filepath` through QMP and add it as node `name`. */
async function createTarget(vm: VM, filepath: string, name: string, bytes: number): Promise<void> {
  const fileNode = `file_${path.basename(filepath)}`;
  iotests.log(
    await vm.cmd('blockdev-create', {
      job_id: 'job1',
      options: { driver: 'file', filename: filepath, size: 0 },
    }),
  );
  await vm.runJob('job1');
  iotests.log(
    await vm.cmd('blockdev-add', { driver: 'file', node_name: fileNode, filename: filepath }),
  );
  iotests.log(
    await vm.cmd('blockdev-create', {
      job_id: 'job2',
      options: { driver: iotests.imgfmt, file: fileNode, size: bytes },
    }),
  );
  await vm.runJob('job2');
  iotests.log(
    await vm.cmd('blockdev-add', { driver: iotests.imgfmt, node_name: name, file: fileNode }),
  );
}

/** Fail with QEMU's own message when a transaction was refused. */
function expectAccepted(reply: QmpReply<'transaction'>): void {
  if ('error' in reply) {
    throw new Error(`transaction failed: ${reply.error.desc}`);
  }
}

function backup(
  device: string,
  target: string,
  jobId: string,
  extra: Partial<Qapi.BlockdevBackup> = {},
): Qapi.TransactionAction {
  return {
    type: 'blockdev-backup',
    data: { device, target, sync: 'full', 'job-id': jobId, ...extra },
  };
}

test('full and incremental backups across iothread contexts', async () => {
  const [img0, img1, img0Full, img1Full, img0Incr, img1Incr] = iotests.filePath(
    'img0',
    'img1',
    'img0-full',
    'img1-full',
    'img0-incr',
    'img1-incr',
  );
  const vm = new VM();

  iotests.log('--- Preparing images & VM ---\n');
  vm.addObject('iothread,id=iothread0');
  vm.addObject('iothread,id=iothread1');
  vm.addDevice('virtio-scsi,id=scsi0,iothread=iothread0');
  vm.addDevice('virtio-scsi,id=scsi1,iothread=iothread1');
  await iotests.qemuImgCreate('-f', iotests.imgfmt, img0, String(size));
  await iotests.qemuImgCreate('-f', iotests.imgfmt, img1, String(size));
  vm.addDrive(img0, { interface: 'none' });
  vm.addDevice('scsi-hd,id=device0,drive=drive0,bus=scsi0.0');
  vm.addDrive(img1, { interface: 'none' });
  vm.addDevice('scsi-hd,id=device1,drive=drive1,bus=scsi1.0');

  iotests.log('--- Starting VM ---\n');
  await vm.launch();

  iotests.log('--- Create Targets & Full Backups ---\n');
  await createTarget(vm, img0Full, 'img0-full', size);
  await createTarget(vm, img1Full, 'img1-full', size);
  expectAccepted(
    await vm.qmpLog(
      'transaction',
      {
        actions: [
          { type: 'block-dirty-bitmap-add', data: { node: 'drive0', name: 'bitmap0' } },
          { type: 'block-dirty-bitmap-add', data: { node: 'drive1', name: 'bitmap1' } },
          backup('drive0', 'img0-full', 'j0'),
          backup('drive1', 'img1-full', 'j1'),
        ],
      },
      { indent: 2 },
    ),
  );
  expect(await vm.runJob('j0', { autoDismiss: true })).toBeNull();
  expect(await vm.runJob('j1', { autoDismiss: true })).toBeNull();

  iotests.log('\n--- Create Targets & Incremental Backups ---\n');
  await createTarget(vm, img0Incr, 'img0-incr', size);
  await createTarget(vm, img1Incr, 'img1-incr', size);
  expectAccepted(
    await vm.qmpLog(
      'transaction',
      {
        actions: [
          backup('drive0', 'img0-incr', 'j2', { sync: 'incremental', bitmap: 'bitmap0' }),
          backup('drive1', 'img1-incr', 'j3', { sync: 'incremental', bitmap: 'bitmap1' }),
        ],
      },
      { indent: 2 },
    ),
  );
  expect(await vm.runJob('j2', { autoDismiss: true })).toBeNull();
  expect(await vm.runJob('j3', { autoDismiss: true })).toBeNull();

  iotests.log('\n--- Done ---');
  await vm.shutdown();
  expect(iotests.transcript()).toMatchSnapshot();
});
