// Matcher misuse against a real VM: the unit tests in __tests__/unit/matchers pin every message
// with canned replies; here the receivers and graphs are QEMU's own, and the VM still works after
// every mistake (nothing lost).
import { afterAll, beforeAll, expect, test } from '@jest/globals';

import { VM, shutdownAllVms } from '../../src/iotests/vm';
import { qemuImgCreate } from '../../src/iotests/tools';
import { filePath } from '../../src/iotests/files';
import type { ToolsRuntime } from '../integration/tools/tools-runtime';
import { setUpToolsRuntime, tearDownToolsRuntime } from '../integration/tools/tools-runtime';
import { asyncFailureOf, usageErrorOf } from '../unit/matchers/helpers';

let rt: ToolsRuntime | undefined;
let vm: VM;

beforeAll(async () => {
  rt = await setUpToolsRuntime({ IMGFMT: 'qcow2' });
  const image = filePath('t.qcow2');
  await qemuImgCreate('-f', 'qcow2', image, '1M');
  vm = new VM({ pathSuffix: '-matchers' });
  vm.addBlockdev(`driver=qcow2,node-name=disk,file.driver=file,file.filename=${image}`);
  await vm.launch();
});

afterAll(async () => {
  await shutdownAllVms();
  await tearDownToolsRuntime(rt);
});

test('a malformed QMP path names the path and the accepted syntax', async () => {
  const reply = await vm.qmp('query-named-block-nodes');
  for (const path of ['return[x]/node-name', 'return/', '/return', 'return[0][1]']) {
    const message = usageErrorOf(() => expect(reply).toMatchQmp(path, 'disk'));
    expect(message).toContain(`Matcher error: path is malformed`);
    expect(message).toContain(JSON.stringify(path));
    expect(message).toContain("Accepted: keys separated by '/'");
  }
  expect(usageErrorOf(() => expect(reply).not.toHaveQmpPath('return[0]/'))).toContain(
    'path is malformed',
  );
  // Refused before QEMU is asked anything.
  expect(usageErrorOf(() => expect(vm).toHaveBlockPath('disk', 'file' as '/file', null))).toContain(
    `path is malformed: path "file" does not start with '/'`,
  );
});

test('wrong receiver types are refused with what was received', async () => {
  expect(usageErrorOf(() => expect(vm).toMatchQmp('return', {}))).toContain(
    "Pass a reply instead: expect(await vm.qmp('query-block')).toMatchQmp(...)",
  );
  expect(usageErrorOf(() => expect('query-block').toHaveQmpPath('return'))).toContain(
    'Received has type:  string',
  );
  const reply = await vm.qmp('query-status');
  expect(() => expect(reply).toHaveBlockNode({ nodeName: 'disk' })).toThrow(
    'Unusable query-named-block-nodes result: an object, not a list',
  );
});

test('unknown block nodes: the failure lists the nodes QEMU has', async () => {
  const missing = await asyncFailureOf(() => expect(vm).toHaveBlockNode({ nodeName: 'no-such' }));
  expect(missing).toContain('no-such');
  expect(missing).toContain('disk');
  const noRoot = await asyncFailureOf(() => expect(vm).toHaveBlockPath('no-such', '/file', null));
  expect(noRoot).toContain('no-such');
});

test('after every mistake the VM still answers', async () => {
  expect(await vm.qmp('query-status')).toMatchQmp('return/status', 'running');
  await expect(vm).toHaveBlockNode({ nodeName: 'disk' });
  await expect(vm).not.toHaveBlockPath('disk', '/backing', 'disk');
});
