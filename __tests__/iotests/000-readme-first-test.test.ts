import { expect, test } from '@jest/globals';
import { filters, iotests } from 'qemu-iotests';

iotests.requires({ formats: ['qcow2', 'raw'], protocols: ['file'] }); // unmet: file skipped, reason shown

test('create a file node and add it', async () => {
  const disk = iotests.filePath('t.img'); // TEST_DIR/<pid>-t.img, removed after the file
  // `vm`: this file's VM, booted before the first test; the environment ends whatever the file started.
  expect(await vm.blockdevCreate({ driver: 'file', filename: disk, size: 0 })).toBeNull();
  await vm.qmpLog(
    'blockdev-add',
    { driver: 'file', filename: disk, 'node-name': 'imgfile' },
    { filters: [filters.qmpTestfiles] },
  );
  expect(await vm.qmp('query-named-block-nodes')).toMatchQmp('return[0]/node-name', 'imgfile');
  await expect(vm).toHaveBlockPath('imgfile', '/file', null);
  expect(iotests.transcript()).toMatchSnapshot(); // the reference output
});
