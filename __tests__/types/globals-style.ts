// Type test: the matchers on the expect imported from @jest/globals (the 'expect' module
// augmentation). Compiled, never run; each @ts-expect-error must stay an error.
import { qmpMatchers, registerMatchers } from '../../matchers';
import { expect } from '@jest/globals';
import { exactly, type VmLike } from './type-assertions';

declare const vm: VmLike;
declare const reply: { return?: unknown; error?: unknown };
declare const graph: { nodes: { id: number; name: string; type: string }[]; edges: [] };
declare const anything: unknown;
declare const childIndex: number;

export async function globalsStyle(): Promise<void> {
  // Path matchers are synchronous.
  exactly<void>()(expect(reply).toMatchQmp('return[0]/node-name', 'd0'));
  expect(reply).toMatchQmp('return/status', ['ready', 'concluded']);
  expect(reply).toMatchQmp('return/size', expect.any(Number));
  expect(reply).not.toMatchQmp('return', []);
  exactly<void>()(expect(reply).toHaveQmpPath('return/io-status'));
  expect(reply).not.toHaveQmpPath('return/error');

  // On a VM the querying matchers return a promise; on fetched data they do not.
  await exactly<Promise<void>>()(expect(vm).toHaveBlockPath('drive0', '/root/file', null));
  await expect(vm).not.toHaveBlockPath('drive0', `/children.${childIndex}`, 'node1');
  await exactly<Promise<void>>()(expect(vm).toHaveBlockNode({ nodeName: 'node0' }));
  await expect(vm).toHaveBlockNode({ fileName: '/tmp/t.qcow2' });
  await expect(vm).toHaveBlockNode({ nodeName: 'node0', fileName: '/tmp/t.qcow2' });
  await exactly<Promise<void>>()(expect(vm).not.toHaveNoActiveBlockJobs());
  exactly<void>()(expect(graph).toHaveBlockPath('drive0', '/root', 'node0'));
  exactly<void>()(expect(reply).toHaveBlockNode({ nodeName: 'node0' }));
  exactly<void>()(expect(reply).toHaveNoActiveBlockJobs());
  // An unknown receiver might be a VM: awaiting is allowed, not forced by the type.
  await exactly<void | Promise<void>>()(expect(anything).toHaveBlockNode({ nodeName: 'node0' }));
  // Through .resolves everything is a promise.
  await exactly<Promise<void>>()(expect(Promise.resolve(reply)).resolves.toMatchQmp('return', {}));

  expect('json:{"driver": "raw"}').toEqualJsonFilename({ driver: 'raw' });
  expect('/tmp/t.img').not.toEqualJsonFilename({ driver: 'file' });

  // Wrong calls do not compile.
  // @ts-expect-error the path is a string
  expect(reply).toMatchQmp(0, 'd0');
  // @ts-expect-error the expected value is required
  expect(reply).toMatchQmp('return');
  // @ts-expect-error the path is required
  expect(reply).toHaveQmpPath();
  // @ts-expect-error a block path starts with '/'
  await expect(vm).toHaveBlockPath('drive0', 'file', null);
  // @ts-expect-error no node is spelt null, not undefined
  await expect(vm).toHaveBlockPath('drive0', '/file', undefined);
  // @ts-expect-error the node is a name
  await expect(vm).toHaveBlockPath('drive0', '/file', 1);
  // @ts-expect-error at least one of nodeName and fileName
  await expect(vm).toHaveBlockNode({});
  // @ts-expect-error criteria are an object, not a bare name
  await expect(vm).toHaveBlockNode('node0');
  // @ts-expect-error nodeName is a string
  await expect(vm).toHaveBlockNode({ nodeName: 0 });
  // @ts-expect-error takes no arguments
  await expect(vm).toHaveNoActiveBlockJobs('job0');
  // @ts-expect-error the reference is an object, not a json: string
  expect('json:{}').toEqualJsonFilename('json:{}');
  // @ts-expect-error the reference is required
  expect('json:{}').toEqualJsonFilename();

  // Both ways of registering accept this expect.
  registerMatchers(expect);
  expect.extend(qmpMatchers);
  // @ts-expect-error registerMatchers wants something with extend()
  registerMatchers({});
}
