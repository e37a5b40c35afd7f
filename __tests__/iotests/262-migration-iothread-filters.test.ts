/**
 * @qemu-vm none
 * @group rw quick migration
 */
// QEMU iotest 262: live migration of a VM whose disk sits in an iothread under a stack of filter
// drivers (copy-on-read, throttle, blkdebug, blkverify and, when built in, quorum); migration
// goes through a FIFO and both sides must end in the expected run states.
import execa from 'execa';

import { expect, test } from '@jest/globals';
import { VM, iotests } from 'qemu-iotests';

iotests.requires({
  formats: ['qcow2'],
  platforms: ['linux'],
  // QEMU 10.0's version names the blkverify driver it stacks.
  ...(iotests.releaseAtLeast('10.0') ? { requiredFormats: ['blkverify'] } : {}),
});

/** Give `vm` the iothread, the filter stack over `image` and the virtio-blk device on top. */
function addOpts(vm: VM, image: string): void {
  vm.addObject('iothread,id=iothread0');
  vm.addObject('throttle-group,id=tg0,x-bps-total=65536');
  vm.addBlockdev(`file,filename=${image},node-name=drive0-file`);
  vm.addBlockdev(`${iotests.imgfmt},file=drive0-file,node-name=drive0-fmt`);
  vm.addBlockdev('copy-on-read,file=drive0-fmt,node-name=drive0-cor');
  vm.addBlockdev('throttle,file=drive0-cor,node-name=drive0-throttle,throttle-group=tg0');
  vm.addBlockdev('blkdebug,image=drive0-throttle,node-name=drive0-dbg');
  vm.addBlockdev('null-co,node-name=null,read-zeroes=on');
  vm.addBlockdev('blkverify,test=drive0-dbg,raw=null,node-name=drive0-verify');

  let root = 'drive0-verify';
  if (iotests.supportsQuorum()) {
    vm.addBlockdev('quorum,children.0=drive0-verify,vote-threshold=1,node-name=drive0-quorum');
    root = 'drive0-quorum';
  }
  vm.addDevice(`virtio-blk,drive=${root},iothread=iothread0`);
}

async function migrationStatus(vm: VM): Promise<unknown> {
  const info = await vm.cmd('query-migrate');
  return info !== null && typeof info === 'object' && !Array.isArray(info)
    ? info.status
    : undefined;
}

test('migrate a VM with an iothread and block filters through a FIFO', async () => {
  const [image, fifo] = iotests.filePath('img', 'mig_fifo');
  const vmA = new VM({ pathSuffix: 'a' });
  const vmB = new VM({ pathSuffix: 'b' });

  await iotests.qemuImgCreate('-f', iotests.imgfmt, image, '64M');
  await execa('mkfifo', [fifo]);

  iotests.log('Launching destination VM...');
  addOpts(vmB, image);
  vmB.addIncoming(`exec: cat '${fifo}'`);
  await vmB.launch();
  await vmB.enableMigrationEvents('B');

  iotests.log('Launching source VM...');
  addOpts(vmA, image);
  await vmA.launch();
  await vmA.enableMigrationEvents('A');

  iotests.log('Starting migration to B...');
  iotests.log(await vmA.qmp('migrate', { uri: `exec:cat >${fifo}` }));
  // The original gives the migration 3 s; TCG on a busy host may need more, and the bound is
  // only there to catch a migration that never ends.
  await iotests.withTimeout(30_000, 'Migration does not complete', async () => {
    // The source first (its events include 'setup'), then the destination (which has none).
    expect(await vmA.waitMigration('postmigrate')).toBe(true);
    expect(await vmB.waitMigration('running')).toBe(true);
  });

  iotests.log(await migrationStatus(vmA));
  iotests.log(await migrationStatus(vmB));

  iotests.log(await vmA.qmp('query-status'));
  iotests.log(await vmB.qmp('query-status'));

  await vmA.shutdown();
  await vmB.shutdown();
  expect(iotests.transcript()).toMatchSnapshot();
});
