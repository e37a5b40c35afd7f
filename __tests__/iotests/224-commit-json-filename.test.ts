/**
 * @qemu-vm none
 * @group rw quick
 * @transcript snapshot
 */
// QEMU iotest 224: a block-commit job's commit_top filter node shows up in the top node's
// json:{} filename exactly when the job was given a filter-node-name, and the committed (mid)
// image stays right below it.
import { expect, test } from '@jest/globals';
import type { QmpArguments } from 'qemu-iotests';
import { VM, filters, iotests } from 'qemu-iotests';

// Backing files of arbitrary formats need a format with backing file support.
iotests.requires({ formats: ['qcow2', 'qcow', 'qed'], platforms: ['linux'] });

const logFilters = [filters.qmpTestfiles, filters.qmpImgfmt];

/** The image filename query-named-block-nodes reports for `nodeName`. */
async function imageFilename(vm: VM, nodeName: string): Promise<string> {
  const info = await vm.nodeInfo(nodeName);
  expect(info).toMatchQmp('image/filename', expect.any(String));
  return info?.image.filename ?? '';
}

/** JSON object parsed from a json:{} filename. */
function jsonFilenameOptions(filename: string): unknown {
  expect(filename.startsWith('json:')).toBe(true);
  const options: unknown = JSON.parse(filename.slice('json:'.length));
  return options;
}

for (const [index, filterNodeName] of [false, true].entries()) {
  const pyBool = filterNodeName ? 'True' : 'False';

  test(`${index + 1}. filter_node_name: ${pyBool}`, async () => {
    // Without a filter node name, commit_top must not appear anywhere; with one, it must.
    iotests.log('');
    iotests.log(`--- filter_node_name: ${pyBool} ---`);
    iotests.log('');

    const basePath = iotests.filePath('base.img');
    const midPath = iotests.filePath('mid.img');
    const topPath = iotests.filePath('top.img');
    const fmt = iotests.imgfmt;
    await iotests.qemuImg('create', '-f', fmt, basePath, '64M');
    await iotests.qemuImg('create', '-f', fmt, '-b', basePath, '-F', fmt, midPath);
    await iotests.qemuImg('create', '-f', fmt, '-b', midPath, '-F', fmt, topPath);
    // Data for the job to commit.
    await iotests.qemuIo(midPath, '-c', 'write -P 1 0 1M');

    const vm = new VM();
    await vm.launch();

    // null-co:// below the bottom image gives every node a json:{} filename.
    await vm.qmpLog(
      'blockdev-add',
      {
        node_name: 'top',
        driver: fmt,
        file: { driver: 'file', filename: topPath },
        backing: {
          'node-name': 'mid',
          driver: fmt,
          file: { driver: 'file', filename: midPath },
          backing: {
            'node-name': 'base',
            driver: fmt,
            file: { driver: 'file', filename: basePath },
            backing: { driver: 'null-co' },
          },
        },
      },
      { filters: logFilters },
    );

    // block-commit takes filenames, not node names, for top and base.
    const midName = await imageFilename(vm, 'mid');
    const baseName = await imageFilename(vm, 'base');
    expect(midName.startsWith('json:')).toBe(true);
    expect(baseName.startsWith('json:')).toBe(true);

    const commitArgs: QmpArguments<'block-commit'> = {
      job_id: 'commit',
      device: 'top',
      top: midName,
      base: baseName,
      speed: 1,
      ...(filterNodeName ? { filter_node_name: 'filter_node' } : {}),
    };
    expect(await vm.qmpLog('block-commit', commitArgs, { filters: logFilters })).toEqual({
      return: {},
    });
    await vm.qmpLog('job-pause', { id: 'commit' });

    const topName = await imageFilename(vm, 'top');
    await vm.shutdown();

    const topOptions = jsonFilenameOptions(topName);
    let midOptions: unknown;
    if (filterNodeName) {
      expect(topOptions).toMatchQmp('backing/driver', 'commit_top');
      // The mid image is commit_top's backing image.
      midOptions = iotests.qmpPath(topOptions, 'backing/backing');
    } else {
      // The mid image is top's immediate backing node.
      midOptions = iotests.qmpPath(topOptions, 'backing');
    }
    expect(midOptions).toMatchQmp('driver', fmt);
    expect(midOptions).toMatchQmp('file/filename', midPath);
  });
}
