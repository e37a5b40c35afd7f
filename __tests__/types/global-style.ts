// Type test: the matchers on the global expect of @types/jest (the `jest` namespace
// augmentation). Compiled, never run; each @ts-expect-error must stay an error.
import { qmpMatchers, registerMatchers } from '../../matchers';
import { exactly, type VmLike } from './type-assertions';

declare const vm: VmLike;
declare const reply: { return?: unknown; error?: unknown };
declare const graph: { nodes: { id: number; name: string; type: string }[]; edges: [] };
declare const anything: unknown;

export async function globalStyle(): Promise<void> {
  exactly<void>()(expect(reply).toMatchQmp('return[0]/node-name', 'd0'));
  expect(reply).toMatchQmp('return/status', ['ready', 'concluded']);
  expect(reply).not.toMatchQmp('return', []);
  exactly<void>()(expect(reply).toHaveQmpPath('return/io-status'));
  expect(reply).not.toHaveQmpPath('return/error');

  await exactly<Promise<void>>()(expect(vm).toHaveBlockPath('drive0', '/root/file', null));
  await expect(vm).not.toHaveBlockPath('drive0', '/root', 'node1');
  await exactly<Promise<void>>()(
    expect(vm).toHaveBlockNode({ nodeName: 'node0', fileName: '/tmp/t.qcow2' }),
  );
  await exactly<Promise<void>>()(expect(vm).toHaveNoActiveBlockJobs());
  exactly<void>()(expect(graph).toHaveBlockPath('drive0', '/root', 'node0'));
  await exactly<void | Promise<void>>()(expect(anything).toHaveNoActiveBlockJobs());
  await exactly<Promise<void>>()(expect(Promise.resolve(reply)).resolves.toHaveQmpPath('return'));

  expect('json:{"driver": "raw"}').toEqualJsonFilename({ driver: 'raw' });

  // @ts-expect-error the path is a string
  expect(reply).toMatchQmp(0, 'd0');
  // @ts-expect-error the path is required
  expect(reply).toHaveQmpPath();
  // @ts-expect-error a block path starts with '/'
  await expect(vm).toHaveBlockPath('drive0', 'file', null);
  // @ts-expect-error the node is a name or null
  await expect(vm).toHaveBlockPath('drive0', '/file', 1);
  // @ts-expect-error at least one of nodeName and fileName
  await expect(vm).toHaveBlockNode({});
  // @ts-expect-error takes no arguments
  await expect(vm).toHaveNoActiveBlockJobs('job0');
  // @ts-expect-error the reference is an object, not a json: string
  expect('json:{}').toEqualJsonFilename('json:{}');

  // Both ways of registering accept this expect.
  registerMatchers(expect);
  expect.extend(qmpMatchers);
  // @ts-expect-error registerMatchers wants something with extend()
  registerMatchers({});
}
