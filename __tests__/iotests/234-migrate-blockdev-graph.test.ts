/**
 * @qemu-vm none
 * @group quick migration
 * @transcript snapshot
 */
// QEMU iotest 234: block node activation and inactivation during migration work with a block
// graph built from individually created nodes (children added both before and after their
// parents), also when the destination has a second parent on a node, in both directions.
import { beforeAll, expect, test } from '@jest/globals';
import execa from 'execa';
import { VM, iotests } from 'qemu-iotests';

iotests.requires({ formats: ['qcow2'], platforms: ['linux'] });

const imgPath = iotests.filePath('img');
const backingPath = iotests.filePath('backing');
const fifoA = iotests.filePath('mig_fifo_a');
const fifoB = iotests.filePath('mig_fifo_b');

const vmA = new VM({ pathSuffix: 'a' });
const vmB = new VM({ pathSuffix: 'b' });

// The seed's Timeout around each migration: a hang shows as this error, not as a test timeout.
const MIGRATION_TIMEOUT_MS = 3000;

/** -blockdev the image (drive0) and its would-be backing image (drive0-backing), both unlinked. */
function addDriveNodes(vm: VM): VM {
  const fmt = iotests.imgfmt;
  return vm
    .addBlockdev(`file,filename=${imgPath},node-name=drive0-file`)
    .addBlockdev(`${fmt},file=drive0-file,node-name=drive0`)
    .addBlockdev(`file,filename=${backingPath},node-name=drive0-backing-file`)
    .addBlockdev(`${fmt},file=drive0-backing-file,node-name=drive0-backing`);
}

/** Attach drive0-backing below drive0 (a child created before its parent's link), logged. */
async function snapshotOntoBacking(vm: VM): Promise<void> {
  const reply = await vm.qmp('blockdev-snapshot', { node: 'drive0-backing', overlay: 'drive0' });
  iotests.log(reply);
  expect(reply).toEqual({ return: {} });
}

/** Migrate from `source` to `destination` through `fifo` and log both sides' final states. */
async function migrate(source: VM, destination: VM, fifo: string): Promise<void> {
  iotests.log(await source.qmp('migrate', { uri: `exec:cat >${fifo}` }));
  await iotests.withTimeout(MIGRATION_TIMEOUT_MS, 'Migration does not complete', async () => {
    // The source first: its events include status=setup, the destination's do not.
    expect(await source.waitMigration('postmigrate')).toBe(true);
    expect(await destination.waitMigration('running')).toBe(true);
  });
}

/** Log query-migrate's status and query-status of both VMs (A first). */
async function logStates(): Promise<void> {
  for (const vm of [vmA, vmB]) {
    const reply = await vm.qmp('query-migrate');
    expect(reply).toMatchQmp('return/status', 'completed');
    iotests.log(iotests.qmpPath(reply, 'return/status'));
  }
  iotests.log(await vmA.qmp('query-status'));
  iotests.log(await vmB.qmp('query-status'));
}

// The images and fifos, made once before the tests as in the seed.
beforeAll(async () => {
  await iotests.qemuImgCreate('-f', iotests.imgfmt, backingPath, '64M');
  await iotests.qemuImgCreate('-f', iotests.imgfmt, imgPath, '64M');
  await execa('mkfifo', [fifoA]);
  await execa('mkfifo', [fifoB]);
});

// Test 2 continues with the VMs as test 1 leaves them.
let migratedToB = false;

/** Test 1: A migrates to B, which then adds a second parent to drive0-file. */
async function migrateToB(): Promise<void> {
  iotests.log('Launching source VM...');
  await addDriveNodes(vmA).launch();
  await vmA.enableMigrationEvents('A');

  iotests.log('Launching destination VM...');
  await addDriveNodes(vmB).addIncoming(`exec: cat '${fifoA}'`).launch();
  await vmB.enableMigrationEvents('B');

  // A child added after its parent was created (-blockdev above covered the reverse).
  await snapshotOntoBacking(vmA);
  await snapshotOntoBacking(vmB);

  iotests.log('Starting migration to B...');
  await migrate(vmA, vmB, fifoA);
  await logStates();

  iotests.log('Add a second parent to drive0-file...');
  const reply = await vmB.qmp('blockdev-add', {
    driver: 'raw',
    file: 'drive0-file',
    node_name: 'drive0-raw',
  });
  iotests.log(reply);
  expect(reply).toEqual({ return: {} });
  migratedToB = true;
}

test('1. Migration to B', async () => {
  await migrateToB();
});

test('2. Migration back to A', async () => {
  if (!migratedToB) {
    // Run alone (as an IDE runs one test): test 1's steps first, quietly (their output is test 1's).
    await iotests.quietly(migrateToB);
  }

  iotests.log('Restart A with -incoming and second parent...');
  await vmA.shutdown();
  await vmA
    .addBlockdev('raw,file=drive0-file,node-name=drive0-raw')
    .addIncoming(`exec: cat '${fifoB}'`)
    .launch();
  await vmA.enableMigrationEvents('A');

  await snapshotOntoBacking(vmA);

  iotests.log('Starting migration back to A...');
  await migrate(vmB, vmA, fifoB);
  await logStates();

  await vmB.shutdown();
  await vmA.shutdown();
});
