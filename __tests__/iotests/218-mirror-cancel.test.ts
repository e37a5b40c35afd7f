/**
 * @qemu-vm none
 * @group rw quick
 * @transcript snapshot
 */
// QEMU iotest 218: cancel a mirror job with block-job-cancel (force false/true) before and after
// it converged, and quit QEMU while a mirror job reads from a heavily throttled node (QEMU must
// still exit promptly). Every case runs in a VM of its own.
import { expect, test } from '@jest/globals';
import { VM, filters, iotests, type QmpArguments } from 'qemu-iotests';

iotests.requires({ formats: ['qcow2', 'raw'] });

/**
 * Launch `vm`, add two 1 MiB null-co nodes ('source', 'target') and mirror source to target as
 * job 'mirror'. A speed (with a buffer of the same size) keeps the job from converging.
 */
async function startMirror(vm: VM, throttle?: { speed: number; bufSize: number }): Promise<void> {
  await vm.launch();
  for (const nodeName of ['source', 'target']) {
    expect(
      await vm.qmp('blockdev-add', { node_name: nodeName, driver: 'null-co', size: 1048576 }),
    ).toEqual({ return: {} });
  }
  const mirror: QmpArguments<'blockdev-mirror'> = {
    job_id: 'mirror',
    device: 'source',
    target: 'target',
    sync: 'full',
  };
  const args =
    throttle === undefined
      ? mirror
      : { ...mirror, speed: throttle.speed, buf_size: throttle.bufSize };
  expect(await vm.qmp('blockdev-mirror', args)).toEqual({ return: {} });
}

/** Log `event` as the seed logs events: with its timestamp filtered. */
function logEvent(event: object): void {
  iotests.log(event, { filters: [filters.qmpEvent] });
}

/** Cancel job 'mirror' (logged) with the given force. */
async function cancelMirror(vm: VM, force: boolean): Promise<void> {
  iotests.log('Cancelling job');
  const reply = await vm.qmp('block-job-cancel', { device: 'mirror', force });
  iotests.log(reply);
  expect(reply).toEqual({ return: {} });
}

test('1. Cancel mirror job before convergence, force=false', async () => {
  iotests.log('');
  iotests.log('=== Cancel mirror job before convergence ===');
  iotests.log('');
  iotests.log('--- force=false ---');
  iotests.log('');

  const vm = new VM();
  await startMirror(vm, { speed: 65536, bufSize: 65536 });
  await cancelMirror(vm, false);
  // Not ready yet: even a non-forced cancel really cancels.
  logEvent(await vm.eventWait('BLOCK_JOB_CANCELLED'));
  await vm.shutdown();
});

test('2. Cancel mirror job before convergence, force=true', async () => {
  iotests.log('');
  iotests.log('--- force=true ---');
  iotests.log('');

  const vm = new VM();
  await startMirror(vm, { speed: 65536, bufSize: 65536 });
  await cancelMirror(vm, true);
  logEvent(await vm.eventWait('BLOCK_JOB_CANCELLED'));
  await vm.shutdown();
});

test('3. Cancel mirror job after convergence, force=false', async () => {
  iotests.log('');
  iotests.log('=== Cancel mirror job after convergence ===');
  iotests.log('');
  iotests.log('--- force=false ---');
  iotests.log('');

  const vm = new VM();
  await startMirror(vm);
  logEvent(await vm.eventWait('BLOCK_JOB_READY'));
  await cancelMirror(vm, false);
  // A ready mirror cancelled without force completes (the target stays consistent).
  logEvent(await vm.eventWait('BLOCK_JOB_COMPLETED'));
  await vm.shutdown();
});

test('4. Cancel mirror job after convergence, force=true', async () => {
  iotests.log('');
  iotests.log('--- force=true ---');
  iotests.log('');

  const vm = new VM();
  await startMirror(vm);
  logEvent(await vm.eventWait('BLOCK_JOB_READY'));
  await cancelMirror(vm, true);
  logEvent(await vm.eventWait('BLOCK_JOB_CANCELLED'));
  await vm.shutdown();
});

test('5. Cancel mirror job from throttled node by quitting', async () => {
  iotests.log('');
  iotests.log('=== Cancel mirror job from throttled node by quitting ===');
  iotests.log('');

  const srcImgPath = iotests.filePath('src.img');
  await iotests.qemuImg('create', '-f', iotests.imgfmt, srcImgPath, '64M');
  await iotests.qemuIo('-f', iotests.imgfmt, srcImgPath, '-c', 'write -P 42 0M 64M');

  const vm = new VM();
  await vm.launch();
  const ok = { return: {} };
  expect(
    await vm.qmp('object-add', {
      qom_type: 'throttle-group',
      id: 'tg',
      limits: { 'bps-read': 4096 },
    }),
  ).toEqual(ok);
  expect(
    await vm.qmp('blockdev-add', {
      node_name: 'source',
      driver: iotests.imgfmt,
      file: { driver: 'file', filename: srcImgPath },
    }),
  ).toEqual(ok);
  expect(
    await vm.qmp('blockdev-add', {
      node_name: 'throttled-source',
      driver: 'throttle',
      throttle_group: 'tg',
      file: 'source',
    }),
  ).toEqual(ok);
  expect(
    await vm.qmp('blockdev-add', { node_name: 'target', driver: 'null-co', size: 64 * 1048576 }),
  ).toEqual(ok);
  expect(
    await vm.qmp('blockdev-mirror', {
      job_id: 'mirror',
      device: 'throttled-source',
      target: 'target',
      sync: 'full',
    }),
  ).toEqual(ok);

  iotests.log(await vm.qmp('quit'));
  // The throttled read in flight must not keep QEMU from exiting.
  await iotests.withTimeout(5000, 'Timeout waiting for VM to quit', () => vm.shutdown());
  expect(vm.exitCode).toBe(0);
});
