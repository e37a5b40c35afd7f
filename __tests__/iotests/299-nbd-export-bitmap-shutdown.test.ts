/**
 * @qemu-vm none
 * @group auto quick
 */
// QEMU iotest 299: QEMU must shut down cleanly while an NBD client is still connected to an
// export that publishes a dirty bitmap.
import { expect, test } from '@jest/globals';
import { QemuIoInteractive, VM, filters, iotests } from 'qemu-iotests';

// The test does not depend on the image format; like the original, run it for qcow2 only.
iotests.requires({ formats: ['qcow2'] });

test('shutdown with a client connected to an NBD export with a bitmap', async () => {
  const nbdSock = iotests.filePath('nbd.sock', { baseDir: iotests.sockDir });
  const nbdUri = `nbd+unix:///disk?socket=${nbdSock}`;

  const vm = new VM();
  await vm.launch();

  await vm.qmpLog('blockdev-add', { 'node-name': 'disk', driver: 'null-co', size: 1024 * 1024 });
  await vm.qmpLog('block-dirty-bitmap-add', { node: 'disk', name: 'bitmap0' });
  await vm.qmpLog(
    'nbd-server-start',
    { addr: { type: 'unix', data: { path: nbdSock } } },
    { filters: [filters.qmpTestfiles] },
  );
  await vm.qmpLog('nbd-server-add', { device: 'disk', writable: true, bitmap: 'bitmap0' });

  const client = await QemuIoInteractive.start('-f', 'raw', nbdUri);
  try {
    // The first read proves the client is connected.
    iotests.log((await client.cmd('read 0 512')).trimEnd(), { filters: [filters.qemuIo] });

    // Shutting down must not fail (or crash QEMU) with the client still connected.
    await vm.shutdown();
  } finally {
    await client.close();
  }
  expect(iotests.transcript()).toMatchSnapshot();
});
