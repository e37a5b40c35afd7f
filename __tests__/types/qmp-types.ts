// Type tests of the generated QMP types (compiled by `npm run typecheck`, never run): a typed
// facade like the one the API will get, exercised with right and wrong commands, members and types.
import type {
  Qapi,
  QmpArgsParameter,
  QmpCommandName,
  QmpCommandReturn,
  QmpEventData,
  QmpEventName,
  QmpKeywordArgs,
  QmpCommandArgs,
} from 'qemu-iotests';
import { exactly } from './type-assertions';

declare function qmp<C extends QmpCommandName>(
  command: C,
  ...args: QmpArgsParameter<C>
): Promise<QmpCommandReturn<C>>;
declare function eventWait<E extends QmpEventName>(event: E): Promise<QmpEventData<E>>;
declare function keywordQmp<C extends QmpCommandName>(
  command: C,
  args: QmpKeywordArgs<QmpCommandArgs<C>>,
): Promise<QmpCommandReturn<C>>;

export async function commands(): Promise<void> {
  await qmp('blockdev-add', { driver: 'file', filename: '/tmp/x', 'node-name': 'proto' });
  await qmp('blockdev-add', { driver: 'qcow2', 'node-name': 'fmt', file: 'proto' });
  await qmp('blockdev-add', { driver: 'null-co', size: 2n ** 63n });
  await qmp('query-named-block-nodes');
  // Python-style access to a reply, no cast: query-block returns BlockInfo[].
  const blocks = await qmp('query-block');
  exactly<string | undefined>()(blocks[0]?.inserted?.image.filename);
  exactly<number | bigint | undefined>()(blocks[0]?.inserted?.image['virtual-size']);
  const options: Qapi.BlockdevOptions = { driver: 'raw', file: 'proto' };
  await qmp('blockdev-add', options);

  // @ts-expect-error a misspelled command name
  await qmp('blokdev-add', { driver: 'file', filename: '/tmp/x' });
  // @ts-expect-error a misspelled member (nodeName for node-name)
  await qmp('blockdev-add', { driver: 'file', filename: '/tmp/x', nodeName: 'proto' });
  // @ts-expect-error a wrong member type
  await qmp('blockdev-add', { driver: 'file', filename: 42 });
  // @ts-expect-error a driver that does not exist
  await qmp('blockdev-add', { driver: 'qcow3', file: 'proto' });
  // @ts-expect-error a missing required member (the file driver's filename)
  await qmp('blockdev-add', { driver: 'file', 'node-name': 'proto' });
  // @ts-expect-error arguments are required when a member is
  await qmp('block-job-cancel');
}

export async function keywordStyle(): Promise<void> {
  await keywordQmp('blockdev-add', { driver: 'file', filename: '/tmp/x', node_name: 'proto' });
  await keywordQmp('block-job-cancel', { device: 'job0', force: true });
  // Mixed spellings pass too (each key exists in one of the two spellings); the VM converts them.
  await keywordQmp('blockdev-add', {
    driver: 'file',
    filename: '/x',
    node_name: 'a',
    'read-only': true,
  });
  // @ts-expect-error a misspelled keyword
  await keywordQmp('blockdev-add', { driver: 'file', filename: '/tmp/x', nodename: 'proto' });
  // @ts-expect-error a keyword with the wrong type
  await keywordQmp('block-job-cancel', { device: 'job0', force: 'yes' });
}

export async function events(): Promise<void> {
  const done = await eventWait('BLOCK_JOB_COMPLETED');
  exactly<Qapi.JobType>()(done.type);
  exactly<number | bigint>()(done.offset);
  // @ts-expect-error a misspelled event name
  await eventWait('BLOCK_JOB_COMPLETE');
  // @ts-expect-error a member the event does not have
  void done.job;
}
