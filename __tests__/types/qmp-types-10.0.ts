// Type tests of the shipped QEMU 10.0 module (compiled by `npm run typecheck`, never run): the
// same facade over 10.0's map knows 10.0's commands and no longer the ones 10.0 removed.
import type { QmpCommands } from '../../src/qapi/generated/qemu-10.0';

declare function qmp<C extends keyof QmpCommands>(
  command: C,
  args: QmpCommands[C]['args'],
): Promise<QmpCommands[C]['returns']>;

export async function release100(): Promise<void> {
  await qmp('blockdev-set-active', { 'node-name': 'fmt', active: false });
  await qmp('blockdev-add', { driver: 'file', filename: '/tmp/x', 'node-name': 'proto' });
  // @ts-expect-error x-query-rdma is gone in 10.0
  await qmp('x-query-rdma', {});
  // @ts-expect-error a wrong member type
  await qmp('blockdev-set-active', { active: 'no' });
}
