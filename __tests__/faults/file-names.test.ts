// File names with spaces, quotes, `$()`, `;` and non-ASCII reach every QEMU program intact: no
// shell anywhere would leave them alone, and a shell would run the `$(touch ...)` inside. qemu-io
// alone is covered in __tests__/integration/tools/qemu-io.test.ts; here the same name goes through
// qemu-img, a VM (-drive and blockdev-add), qemu-nbd (image and socket) and qemu-storage-daemon.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, expect, test } from '@jest/globals';

import { fileContext } from '../../src/iotests/context';
import {
  QemuStorageDaemon,
  qemuImgCreate,
  qemuImgInfo,
  qemuIo,
  setToolOutputSink,
  withQemuNbd,
} from '../../src/iotests/tools';
import { VM, shutdownAllVms } from '../../src/iotests/vm';
import { liveChildren } from '../../src/machine';
import type { ToolsRuntime } from '../integration/tools/tools-runtime';
import { setUpToolsRuntime, tearDownToolsRuntime } from '../integration/tools/tools-runtime';

/** Everything a shell would act on. (Commas are QEMU's own option syntax, not a shell's.) */
const HOSTILE = `sp ace 'single' "double" $(touch PWNED) \`touch PWNED\` semi;colon ümlaut 日本 😀`;

let rt: ToolsRuntime | undefined;
let image = '';

beforeAll(async () => {
  rt = await setUpToolsRuntime({ IMGFMT: 'qcow2' });
  setToolOutputSink(() => undefined);
  image = path.join(fileContext().testDir, `${HOSTILE}.qcow2`);
});

afterAll(async () => {
  setToolOutputSink(undefined);
  await shutdownAllVms();
  await tearDownToolsRuntime(rt);
});

test('qemu-img creates and describes the file under exactly that name', async () => {
  await qemuImgCreate('-f', 'qcow2', image, '1M');
  expect(readdirSync(fileContext().testDir)).toContain(`${HOSTILE}.qcow2`);
  const info = (await qemuImgInfo(image)) as { filename?: string; format?: string };
  expect(info).toMatchObject({ filename: image, format: 'qcow2' });
  await qemuIo('-c', 'write -P 0x5a 0 64k', image);
});

test('a VM opens it with -drive and with blockdev-add', async () => {
  const vm = new VM({ pathSuffix: '-names' });
  vm.addDrive(image, { opts: 'node-name=drive-node,read-only=on' });
  await vm.launch();
  await vm.cmd('blockdev-add', {
    driver: 'qcow2',
    'node-name': 'qmp-node',
    'read-only': true,
    file: { driver: 'file', filename: image },
  });
  const nodes = (await vm.cmd('query-named-block-nodes')) as Array<{
    'node-name': string;
    file: string;
  }>;
  const files = Object.fromEntries(nodes.map((node) => [node['node-name'], node.file]));
  expect(files['drive-node']).toBe(image);
  expect(files['qmp-node']).toBe(image);
  await vm.shutdown();
});

test('qemu-nbd serves it on a socket with the same kind of name; qemu-io reads it back', async () => {
  const socket = path.join(fileContext().sockDir, `${HOSTILE.slice(0, 30)}.sock`);
  const read = await withQemuNbd(['-k', socket, '-f', 'qcow2', '-r', image], () =>
    qemuIo(
      '-r',
      '-f',
      'raw',
      '-c',
      'read -P 0x5a 0 64k',
      `nbd+unix:///?socket=${encodeURIComponent(socket)}`,
    ),
  );
  expect(read.stdout).toMatch(/^read 65536\/65536 bytes at offset 0$/m);
});

test('qemu-storage-daemon opens it', async () => {
  const qsd = await QemuStorageDaemon.start(
    ['--blockdev', `driver=file,node-name=f,filename=${image},read-only=on`],
    { qmp: true },
  );
  try {
    const reply = await qsd.qmp('query-named-block-nodes');
    expect(reply).toMatchObject({ return: [{ 'node-name': 'f', file: image }] });
  } finally {
    await qsd.stop();
  }
});

test('no shell ran anything: no file named PWNED appeared, no process is left', () => {
  expect(existsSync(path.join(fileContext().testDir, 'PWNED'))).toBe(false);
  expect(existsSync(path.join(process.cwd(), 'PWNED'))).toBe(false);
  expect(existsSync(path.join(fileContext().sockDir, 'PWNED'))).toBe(false);
  expect(liveChildren()).toEqual([]);
});
