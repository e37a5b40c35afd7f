/**
 * @qemu-vm none
 * @group auto quick
 * @transcript snapshot
 */
// QEMU iotest 283: blockdev-backup must be refused (not crash QEMU) when a side parent of the
// source subtree holds write permission that the copy-before-write filter needs to unshare; and
// the copy-before-write filter node of a backup job must be gone after job-finalize.
//
//   target <--target-- copy-before-write --backing--> source --file--> base <--write-- other
import { expect, test } from '@jest/globals';
import { VM, iotests } from 'qemu-iotests';

// The test does not depend on the image format; like the original, run it for qcow2 only.
iotests.requires({ formats: ['qcow2'] });

const size = 1024 * 1024;

test('1. blockdev-backup refused on a permission conflict below the source', async () => {
  const vm = new VM();
  await vm.launch();

  await vm.qmpLog('blockdev-add', { 'node-name': 'target', driver: 'null-co', size });
  await vm.qmpLog('blockdev-add', {
    'node-name': 'source',
    driver: 'blkdebug',
    image: { 'node-name': 'base', driver: 'null-co', size },
  });
  await vm.qmpLog('blockdev-add', {
    'node-name': 'other',
    driver: 'blkdebug',
    image: 'base',
    'take-child-perms': ['write'],
  });
  const reply = await vm.qmpLog('blockdev-backup', {
    sync: 'full',
    device: 'source',
    target: 'target',
    job_id: 'backup0',
  });
  expect(reply).toHaveQmpPath('error');

  await vm.shutdown();
});

test('2. copy-before-write filter gone after job-finalize', async () => {
  iotests.log('\n=== copy-before-write filter should be gone after job-finalize ===\n');

  const vm = new VM();
  await vm.launch();

  await vm.qmpLog('blockdev-add', { 'node-name': 'source', driver: 'null-co' });
  await vm.qmpLog('blockdev-add', { 'node-name': 'target', driver: 'null-co' });
  await vm.qmpLog('blockdev-backup', {
    job_id: 'backup',
    device: 'source',
    target: 'target',
    sync: 'full',
    filter_node_name: 'backup-filter',
    auto_finalize: false,
    auto_dismiss: false,
  });

  await vm.eventWait('BLOCK_JOB_PENDING');

  // Before finalization the filter is still in the graph.
  expect(await vm.nodeInfo('backup-filter')).not.toBeNull();

  await vm.qmpLog('job-finalize', { id: 'backup' });
  await vm.eventWait('BLOCK_JOB_COMPLETED');

  // Writing through a filter that is still there (but detached) would likely crash QEMU; the
  // expected reply is that no such node exists.
  await vm.qmpLog('human-monitor-command', {
    command_line: 'qemu-io backup-filter "write 0 1M"',
  });
  expect(await vm.nodeInfo('backup-filter')).toBeNull();

  await vm.qmpLog('job-dismiss', { id: 'backup' });
  await vm.eventWait('JOB_STATUS_CHANGE', { match: { data: { status: 'null' } } });

  await vm.shutdown();
});
