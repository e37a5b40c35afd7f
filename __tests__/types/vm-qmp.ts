// Type tests of the typed QMP API (compiled by `npm run typecheck`, never run): the VM's QMP
// methods, events and their patterns, replies, qmpPath, the job helpers and the storage daemon,
// with right and wrong commands, members and types, and `unchecked` for what is wrong on purpose.
import {
  iotests,
  unchecked,
  type AnyQmpEvent,
  type ImageFormat,
  type JsonValue,
  type Qapi,
  type QemuStorageDaemon,
  type QmpCallParameters,
  type QmpCommand,
  type QmpErrorBody,
  type QmpObject,
  type QmpResponse,
  type VM,
} from 'qemu-iotests';
import { exactly } from './type-assertions';

declare const vm: VM;
declare const qsd: QemuStorageDaemon;
declare const imgfmt: ImageFormat;

export async function commands(): Promise<void> {
  await vm.qmp('blockdev-add', { driver: 'file', filename: '/x', 'node-name': 'proto' });
  // iotests.py's keyword spelling, alone or mixed with QEMU's.
  await vm.qmp('blockdev-add', { driver: 'file', filename: '/x', node_name: 'proto' });
  await vm.qmp('blockdev-del', { node_name: 'proto' });
  await vm.qmp('blockdev-del', { 'node-name': 'proto' });
  // The run's image format is one of check's formats: a format node of it type-checks.
  await vm.qmp('blockdev-add', { driver: imgfmt, node_name: 'fmt', file: 'proto' });
  await vm.qmp('query-block', {}, { convKeys: false });
  await vm.qmpLog('block-job-cancel', { device: 'job0', force: true }, { indent: 2 });
  // device_add passes its other members on to the device.
  await vm.qmp('device_add', { driver: 'virtio-blk', drive: 'drive0', id: 'dev0' });

  // @ts-expect-error a misspelled command
  await vm.qmp('blokdev-add', { driver: 'file', filename: '/x' });
  // @ts-expect-error a misspelled member
  await vm.qmp('blockdev-add', { driver: 'file', filename: '/x', nodeName: 'proto' });
  // @ts-expect-error a wrong member type
  await vm.cmd('blockdev-add', { driver: 'file', filename: 42 });
  // @ts-expect-error a missing required member
  await vm.qmpLog('blockdev-del', {});
  // @ts-expect-error arguments are required when a member is
  await vm.cmd('block-job-cancel');
  // @ts-expect-error a misspelled keyword
  await vm.qmp('blockdev-del', { nodename: 'proto' });

  // Deliberately wrong input for QEMU to refuse: visible, and nothing after it is checked.
  await vm.qmp(unchecked('blokdev-add'), { anything: [1, 'two'] });
  await vm.qmp('blockdev-add', unchecked({ driver: 'qcow3' }));
  exactly<QmpResponse>()(await vm.qmpLog(unchecked('no-such-command')));
  exactly<JsonValue>()(await vm.cmd(unchecked('no-such-command')));
}

export async function replies(): Promise<void> {
  // A reply is `{ return }` typed, or `{ error }`: narrowed as any union.
  const reply = await vm.qmp('query-block');
  if ('return' in reply) {
    exactly<string | undefined>()(reply.return[0]?.inserted?.image.filename);
  } else {
    exactly<QmpErrorBody>()(reply.error);
  }
  // cmd resolves with the return value.
  exactly<Qapi.BlockJobInfo[]>()(await vm.cmd('query-block-jobs'));
  const stopped: Record<string, never> = await vm.cmd('stop');
  // A typed reply still goes where a test's own helper takes untyped JSON.
  const untyped: QmpResponse = reply;
  const json: JsonValue = await vm.cmd('query-named-block-nodes');
  const object: QmpObject = await vm.cmd('query-status');
  void [stopped, untyped, json, object];
}

export async function paths(): Promise<void> {
  const reply = await vm.qmp('query-block');
  exactly<string>()(iotests.qmpPath(reply, 'return[0]/inserted/image/filename'));
  exactly<Qapi.BlockInfo[]>()(iotests.qmpPath(reply, 'return'));
  exactly<string>()(iotests.qmpPath(reply, 'error/desc'));
  // @ts-expect-error a path the reply does not have
  iotests.qmpPath(reply, 'return[0]/inserted/imag');
  // From untyped values and run-time paths: untyped.
  exactly<unknown>()(iotests.qmpPath(JSON.parse('{}') as unknown, 'a/b'));
  const runtimePath: string = 'return[0]';
  exactly<unknown>()(iotests.qmpPath(reply, runtimePath));
}

export async function events(): Promise<void> {
  const completed = await vm.eventWait('BLOCK_JOB_COMPLETED', {
    match: { data: { device: 'drive0', type: 'mirror' } },
  });
  exactly<number | bigint>()(completed.data.offset);
  exactly<string | undefined>()(completed.data.error);
  // Patterns are checked against the event: members, and their types.
  // @ts-expect-error a member the event's data does not have
  await vm.eventWait('BLOCK_JOB_COMPLETED', { match: { data: { job: 'x' } } });
  // @ts-expect-error a wrong type in a pattern
  await vm.eventWait('BLOCK_JOB_COMPLETED', { match: { data: { offset: 'zero' } } });
  // @ts-expect-error a misspelled event
  await vm.eventWait('BLOCK_JOB_COMPLETE');
  // null matches anything, at any depth.
  await vm.eventWait('JOB_STATUS_CHANGE', { match: { data: { id: 'job0', status: null } } });

  const first = await vm.eventsWait([
    ['BLOCK_JOB_COMPLETED', { data: { device: 'drive0' } }],
    ['BLOCK_JOB_CANCELLED'],
  ]);
  exactly<'BLOCK_JOB_COMPLETED' | 'BLOCK_JOB_CANCELLED'>()(first.event);

  // The buffered events: a union told apart by `event`.
  for (const event of await vm.getQmpEvents()) {
    exactly<AnyQmpEvent>()(event);
    if (event.event === 'JOB_STATUS_CHANGE') {
      exactly<Qapi.JobStatus>()(event.data.status);
    }
  }
  // An event the types do not know.
  const other = await vm.eventWait(unchecked('X_FUTURE_EVENT'));
  exactly<QmpObject | undefined>()(other.data);
}

export async function helpers(): Promise<void> {
  await vm.blockdevCreate({ driver: 'file', filename: '/x', size: 0 });
  await vm.blockdevCreate({ driver: 'qcow2', file: 'proto', size: 1n << 30n });
  // @ts-expect-error qcow2 needs a size
  await vm.blockdevCreate({ driver: 'qcow2', file: 'proto' });
  await vm.blockdevCreate(unchecked({ driver: 'qcow2', file: 'proto', version: 'v1' }));
  exactly<Qapi.BlockDeviceInfo | null>()(await vm.nodeInfo('node0'));
  exactly<Qapi.BlockJobInfo>()(await vm.pauseWait());
  exactly<'BLOCK_JOB_COMPLETED' | 'BLOCK_JOB_CANCELLED'>()((await vm.cancelAndWait()).event);
  await vm.checkBitmapStatus('node0', 'bitmap0', { count: 0, recording: true });
  // @ts-expect-error a member bitmaps do not have
  await vm.checkBitmapStatus('node0', 'bitmap0', { counts: 0 });

  // A test's own helper that forwards a command and its arguments.
  async function doTestStop<C extends QmpCommand>(
    cmd: C,
    ...args: QmpCallParameters<C>
  ): Promise<void> {
    await vm.qmp(cmd, ...args);
  }
  await doTestStop('block-commit', { device: 'drive0', top_node: 'source' });
  // @ts-expect-error the forwarded arguments are checked too
  await doTestStop('block-commit', { device: 'drive0', topnode: 'source' });
  // A variable command takes the arguments of either.
  const backup: 'drive-backup' | 'blockdev-backup' = 'blockdev-backup';
  await vm.qmp(backup, { device: 'drive0', target: 'drive1', sync: 'full' });
}

export async function storageDaemon(): Promise<void> {
  // The daemon sends names as given: QEMU's spelling only.
  await qsd.qmp('blockdev-add', { driver: 'file', filename: '/x', 'node-name': 'proto' });
  // @ts-expect-error no keyword spelling: the daemon does not convert names
  await qsd.qmp('blockdev-add', { driver: 'file', filename: '/x', node_name: 'proto' });
  exactly<Qapi.BlockDeviceInfo[]>()(await qsd.cmd('query-named-block-nodes'));
}
