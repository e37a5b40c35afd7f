/**
 * @group rw quick
 * @transcript snapshot
 */
// QEMU iotest 228: what QEMU reports as a node's filename, backing filename and backing node's
// filename when the image header's backing filename and the real backing node agree or not
// (implicit backing file, change-backing-file, overridden backing options).
import { beforeAll, expect, test } from '@jest/globals';
import { filters, iotests, type Qapi } from 'qemu-iotests';

// Needs backing files and change-backing-file.
iotests.requires({ formats: ['qcow2', 'qed'], platforms: ['linux'] });

const basePath = iotests.filePath('base.img');
const topPath = iotests.filePath('top.img');
const addFilters = [filters.qmpTestfiles, filters.qmpImgfmt];
const textFilters = [filters.testfiles, filters.imgfmt];

/** node0's `image` entry of query-named-block-nodes. */
async function node0Image(): Promise<Qapi.ImageInfo> {
  return iotests.qmpPath(await vm.nodeInfo('node0'), 'image');
}

/** Log node0's filename, header backing filename and backing node filename (as the seed does). */
async function logNode0Info(): Promise<Qapi.ImageInfo> {
  const image = await node0Image();
  iotests.log('');
  iotests.log(`bs->filename: ${image.filename}`, { filters: textFilters });
  iotests.log(`bs->backing_file: ${iotests.qmpPath(image, 'full-backing-filename')}`, {
    filters: textFilters,
  });
  const backing = image['backing-image'];
  if (backing === undefined) {
    iotests.log('bs->backing: (none)');
  } else {
    iotests.log(`bs->backing->bs->filename: ${backing.filename}`, { filters: textFilters });
  }
  iotests.log('');
  return image;
}

/** blockdev-add of the top image as node0, with `extra` options (e.g. an overridden backing). */
async function addNode0(extra: Record<string, string | null> = {}): Promise<void> {
  const reply = await vm.qmpLog(
    'blockdev-add',
    {
      node_name: 'node0',
      driver: iotests.imgfmt,
      file: { driver: 'file', filename: topPath },
      ...extra,
    },
    { filters: addFilters },
  );
  expect(reply).toEqual({ return: {} });
}

/** change-backing-file of node0's header to `backingFile`. */
async function changeBackingFile(backingFile: string): Promise<void> {
  const reply = await vm.qmpLog(
    'change-backing-file',
    { image_node_name: 'node0', device: 'node0', backing_file: backingFile },
    { filters: [filters.qmpTestfiles] },
  );
  expect(reply).toEqual({ return: {} });
}

// The images every case uses, created once before the cases as in the seed (case 3 makes the top
// image anew).
beforeAll(async () => {
  const fmt = iotests.imgfmt;
  await iotests.qemuImg('create', '-f', fmt, basePath, '64M');
  // An unusual way of naming the backing file: with a protocol prefix.
  await iotests.qemuImg('create', '-f', fmt, '-b', `file:${basePath}`, '-F', fmt, topPath);
});

test('1. Implicit backing file', async () => {
  iotests.log('--- Implicit backing file ---');
  iotests.log('');

  await addNode0();
  // A plain filename, and the backing node's filename without the "file:" prefix.
  const image = await logNode0Info();
  expect(image.filename).toBe(topPath);
  expect(image['backing-image']?.filename).toBe(basePath);

  await vm.qmpLog('blockdev-del', { node_name: 'node0' });
});

test('2. change-backing-file', async () => {
  iotests.log('');
  iotests.log('--- change-backing-file ---');
  iotests.log('');

  await addNode0();
  // A backing filename as QEMU reports it should be recognised as naming the implicit backing
  // node, so that no json:{} filename is needed.
  const backingFilename = (await node0Image())['backing-image']?.filename;
  expect(backingFilename).toBe(basePath);
  const reported = backingFilename ?? basePath;

  // The header now says null-co://, but the backing node still is base: a json:{} filename.
  await changeBackingFile('null-co://');
  expect((await logNode0Info()).filename).toMatch(/^json:/);

  // Header and backing node in sync again: the original, plain result.
  await changeBackingFile(reported);
  expect((await logNode0Info()).filename).toBe(topPath);

  // "file:" is what the header had at first, but QEMU does not reopen the backing file here, so
  // it cannot tell that this names the backing node, and considers them different.
  await changeBackingFile(`file:${reported}`);
  expect((await logNode0Info()).filename).toMatch(/^json:/);

  // Opened anew, the header's backing filename is resolved again (as in case 1).
  await vm.qmpLog('blockdev-del', { node_name: 'node0' });
  await addNode0();
  expect((await logNode0Info()).filename).toBe(topPath);

  await vm.qmpLog('blockdev-del', { node_name: 'node0' });
});

test('3. Override backing file', async () => {
  iotests.log('');
  iotests.log('--- Override backing file ---');
  iotests.log('');

  // QEMU can only resolve the header's backing filename when it opens the backing file with the
  // overlay, so the header needs the plain filename for this part.
  const fmt = iotests.imgfmt;
  await iotests.qemuImg('create', '-f', fmt, '-b', basePath, '-F', fmt, topPath);

  // Only a node reference reliably overrides the backing options.
  await vm.qmpLog('blockdev-add', { node_name: 'null', driver: 'null-co' });
  await addNode0({ backing: 'null' });
  // json:{} filename; bs->backing_file is still the header's (only change-backing-file changes it).
  let image = await logNode0Info();
  expect(image.filename).toMatch(/^json:/);
  expect(image['backing-image']?.filename).toBe('null-co://');

  // Reopen the whole thing without any backing node.
  await vm.qmpLog('blockdev-del', { node_name: 'node0' });
  await vm.qmpLog('blockdev-del', { node_name: 'null' });
  await addNode0({ backing: null });
  // json:{} filename, since the backing file was overridden to be absent.
  image = await logNode0Info();
  expect(image.filename).toMatch(/^json:/);
  expect(image['backing-image']).toBeUndefined();

  // Attach the original backing file to its overlay: the plain result again.
  await vm.qmpLog(
    'blockdev-add',
    {
      node_name: 'original-backing',
      driver: fmt,
      file: { driver: 'file', filename: basePath },
    },
    { filters: addFilters },
  );
  await vm.qmpLog('blockdev-snapshot', { node: 'original-backing', overlay: 'node0' });
  image = await logNode0Info();
  expect(image.filename).toBe(topPath);

  await vm.qmpLog('blockdev-del', { node_name: 'node0' });
  await vm.qmpLog('blockdev-del', { node_name: 'original-backing' });
  await vm.shutdown();
});
