/**
 * @qemu-vm none
 * @group rw
 */
// QEMU iotest 245: blockdev-reopen. Illegal and legal option changes, backing and file children
// replaced, filters inserted and removed, images swapped, graph cycles refused, reopen during
// stream / commit jobs, option reset semantics, and nodes in different iothreads.
//
// All 26 cases of the original are ported. The original logs (activate_logging) what run_job and
// qemu_io_log print; the cases that print something snapshot their transcript.
import { rmSync } from 'node:fs';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import {
  VM,
  iotests,
  unchecked,
  type JsonValue,
  type Qapi,
  type QmpObject,
  type QmpReply,
} from 'qemu-iotests';

/** The file's requirements (the original's main(supported_fmts=..., supported_protocols=...)). */
function requireFileSupport(): void {
  iotests.requires({ formats: ['qcow2'], protocols: ['file'] });
}

requireFileSupport();

const hdPath = (idx: number): string => path.join(iotests.testDir, `hd${idx}.img`);

/** A format node on hd<idx> with its file node, both named. */
function hdOpts(idx: number): QmpObject {
  return {
    driver: iotests.imgfmt,
    'node-name': `hd${idx}`,
    file: { driver: 'file', 'node-name': `hd${idx}-file`, filename: hdPath(idx) },
  };
}

/** The object under `key` of `opts` (which must be one). */
function sub(opts: QmpObject, key: string): QmpObject {
  const value = opts[key];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`options '${key}' is not an object: ${JSON.stringify(value)}`);
  }
  return value;
}

describe('TestBlockdevReopen', () => {
  let vm: VM;
  let totalIoCmds: number;

  beforeEach(async () => {
    totalIoCmds = 0;
    const fmt = iotests.imgfmt;
    await iotests.qemuImg('create', '-f', fmt, hdPath(0), '3M');
    await iotests.qemuImg('create', '-f', fmt, '-b', hdPath(0), '-F', fmt, hdPath(1));
    await iotests.qemuImg('create', '-f', fmt, hdPath(2), '3M');
    await iotests.qemuIo('-f', fmt, '-c', 'write -P 0xa0  0 1M', hdPath(0));
    await iotests.qemuIo('-f', fmt, '-c', 'write -P 0xa1 1M 1M', hdPath(1));
    await iotests.qemuIo('-f', fmt, '-c', 'write -P 0xa2 2M 1M', hdPath(2));
    vm = new VM();
    await vm.launch();
  });

  afterEach(async () => {
    await vm.shutdown();
    checkQemuIoErrors();
    for (let i = 0; i < 3; i++) {
      rmSync(hdPath(i));
    }
  });

  /**
   * Run a qemu-io command through HMP. Its output goes to QEMU's log, not to the reply; count
   * the commands so that tearDown can find every one's output there.
   */
  async function runQemuIo(img: string, cmd: string): Promise<void> {
    expect(await vm.hmpQemuIo(img, cmd)).toMatchQmp('return', '');
    totalIoCmds += 1;
  }

  /** Once the VM is down: no pattern failed, and every qemu-io command printed its result. */
  function checkQemuIoErrors(): void {
    expect(vm.running).toBe(false);
    const log = vm.getLog();
    if (log === undefined) {
      throw new Error("QEMU's output was not captured (PRINT_QEMU?): cannot check qemu-io's");
    }
    let found = 0;
    for (const line of log.split('\n')) {
      if (line.startsWith('Pattern verification failed')) {
        throw new Error(`${line} (command #${found})`);
      }
      if (/^(read|wrote) .*\/.* bytes at offset/.test(line)) {
        found += 1;
      }
    }
    // Otherwise: expected the output of totalIoCmds qemu-io commands, found `found`.
    expect(found).toBe(totalIoCmds);
  }

  // The options are JSON objects the test copies, changes and breaks on purpose, as the original
  // does with dicts: they go to QEMU unchecked.
  async function blockdevAdd(opts: QmpObject): Promise<void> {
    expect(await vm.qmp('blockdev-add', unchecked(opts), { convKeys: false })).toMatchQmp(
      'return',
      {},
    );
  }

  async function blockdevDel(nodeName: string): Promise<QmpReply<'blockdev-del'>> {
    return vm.qmp('blockdev-del', { node_name: nodeName });
  }

  async function expectBusy(nodeName: string, desc: string): Promise<void> {
    const result = await blockdevDel(nodeName);
    expect(result).toMatchQmp('error/class', 'GenericError');
    expect(result).toMatchQmp('error/desc', desc);
  }

  /** blockdev-reopen of several nodes at once; errmsg: the error it must fail with. */
  async function reopenMultiple(opts: JsonValue[], errmsg?: string): Promise<void> {
    const result = await vm.qmp(
      unchecked('blockdev-reopen'),
      { options: opts },
      { convKeys: false },
    );
    if (errmsg !== undefined) {
      expect(result).toMatchQmp('error/class', 'GenericError');
      expect(result).toMatchQmp('error/desc', errmsg);
    } else {
      expect(result).toMatchQmp('return', {});
    }
  }

  /**
   * blockdev-reopen of one node with `opts` (left unchanged) and `newopts` applied on top. A key
   * 'foo.bar' sets opts.foo.bar. Like the original, every step of a dotted key is looked up from
   * the top level: 'backing.file.node-name' sets opts.file['node-name'].
   */
  async function reopen(opts: QmpObject, newopts: QmpObject = {}, errmsg?: string): Promise<void> {
    const copy = structuredClone(opts);
    for (const [dottedKey, value] of Object.entries(newopts)) {
      let target = copy;
      let key = dottedKey;
      while (key.includes('.')) {
        const dot = key.indexOf('.');
        const prefix = key.slice(0, dot);
        key = key.slice(dot + 1);
        target = sub(copy, prefix);
      }
      target[key] = value;
    }
    await reopenMultiple([copy], errmsg);
  }

  async function getNode(nodeName: string): Promise<Qapi.BlockDeviceInfo | null> {
    const nodes = await vm.cmd('query-named-block-nodes');
    return nodes.find((node) => node['node-name'] === nodeName) ?? null;
  }

  async function expectNode(nodeName: string, qmpPath: string, value: JsonValue): Promise<void> {
    expect(await getNode(nodeName)).toMatchQmp(qmpPath, value);
  }

  /** query-named-block-nodes returns exactly `graph` (an earlier reply). */
  async function checkNodeGraph(graph: QmpReply<'query-named-block-nodes'>): Promise<void> {
    expect(await vm.qmp('query-named-block-nodes')).toEqual(graph);
  }

  // One image without backing files, reopened with illegal / incorrect options.
  test('test_incorrect_parameters_single_file', async () => {
    const opts = hdOpts(0);
    await blockdevAdd(opts);
    const originalGraph = await vm.qmp('query-named-block-nodes');

    // The same options work...
    await reopen(opts);
    // ...and so does a reference to the child in 'file'.
    await reopen(opts, { file: 'hd0-file' });

    // None of these can change.
    const illegal: ReadonlyArray<readonly [QmpObject, string]> = [
      [{ 'node-name': 'not-found' }, "Failed to find node with node-name='not-found'"],
      [{ 'node-name': '' }, "Failed to find node with node-name=''"],
      [
        { 'node-name': null },
        "Invalid parameter type for 'options[0].node-name', expected: string",
      ],
      [{ driver: 'raw' }, "Cannot change the option 'driver'"],
      [{ driver: '' }, "Parameter 'driver' does not accept value ''"],
      [{ driver: null }, "Invalid parameter type for 'options[0].driver', expected: string"],
      [{ file: 'not-found' }, "Cannot find device='' nor node-name='not-found'"],
      [{ file: '' }, "Cannot find device='' nor node-name=''"],
      [{ file: null }, "Invalid parameter type for 'file', expected: BlockdevRef"],
      [{ 'file.node-name': 'newname' }, "Cannot change the option 'node-name'"],
      [{ 'file.driver': 'host_device' }, "Cannot change the option 'driver'"],
      [{ 'file.filename': hdPath(1) }, "Cannot change the option 'filename'"],
      [{ 'file.aio': 'native' }, "Cannot change the option 'aio'"],
      [{ 'file.locking': 'off' }, "Cannot change the option 'locking'"],
      [
        { 'file.filename': null },
        "Invalid parameter type for 'options[0].file.filename', expected: string",
      ],
    ];
    for (const [newopts, errmsg] of illegal) {
      await reopen(opts, newopts, errmsg);
    }

    // node-name is optional in BlockdevOptions, but blockdev-reopen needs it.
    delete opts['node-name'];
    await reopen(opts, {}, 'node-name not specified');

    // Nothing changed.
    await checkNodeGraph(originalGraph);

    expect(await blockdevDel('hd0')).toMatchQmp('return', {});
  });

  // An image with a backing file, reopened with illegal / incorrect options.
  test('test_incorrect_parameters_backing_file', async () => {
    // hd1 without backing options: hd0 is opened with the defaults.
    const opts = hdOpts(1);
    await blockdevAdd(opts);
    const originalGraph = await vm.qmp('query-named-block-nodes');

    // The same options do not work: 'backing' is mandatory.
    await reopen(opts, {}, "backing is missing for 'hd1'");

    // Naming the existing backing node works.
    let backingNodeName: JsonValue | undefined;
    for (const node of iotests.qmpPath(originalGraph, 'return')) {
      if (node.drv === iotests.imgfmt && node.file === hdPath(0)) {
        backingNodeName = node['node-name'];
      }
    }
    expect(typeof backingNodeName).toBe('string');
    await reopen(opts, { backing: backingNodeName ?? null });

    // Neither a missing nor an empty (non-null) node can be the backing image.
    await reopen(opts, { backing: 'not-found' }, "Cannot find device='' nor node-name='not-found'");
    await reopen(opts, { backing: '' }, "Cannot find device='' nor node-name=''");

    // The backing options themselves work too.
    opts.backing = { driver: iotests.imgfmt, file: { driver: 'file', filename: hdPath(0) } };
    await reopen(opts);

    // None of these can change.
    await reopen(opts, { 'backing.node-name': 'newname' }, "Cannot change the option 'node-name'");
    await reopen(opts, { 'backing.driver': 'raw' }, "Cannot change the option 'driver'");
    await reopen(
      opts,
      { 'backing.file.node-name': 'newname' },
      "Cannot change the option 'node-name'",
    );
    await reopen(
      opts,
      { 'backing.file.driver': 'host_device' },
      "Cannot change the option 'driver'",
    );

    // Nothing changed since the beginning.
    await checkNodeGraph(originalGraph);

    expect(await blockdevDel('hd1')).toMatchQmp('return', {});
  });

  // Reopen an image several times, changing some of its options.
  test('test_reopen', async () => {
    let supportsDirect = true;
    const probe = await iotests.qemuIo('-f', 'raw', '-t', 'none', '-c', 'quit', hdPath(0), {
      check: false,
    });
    if (probe.returncode !== 0) {
      if (!probe.stdout.includes('O_DIRECT')) {
        throw new Error(`qemu-io -t none failed: ${probe.stdout}`);
      }
      supportsDirect = false;
    }

    // hd1 with all backing options.
    const opts = hdOpts(1);
    opts.backing = hdOpts(0);
    await blockdevAdd(opts);
    const originalGraph = await vm.qmp('query-named-block-nodes');

    // The same options work.
    await reopen(opts);

    // Read-only and back.
    await expectNode('hd1', 'ro', false);
    await reopen(opts, { 'read-only': true });
    await expectNode('hd1', 'ro', true);
    await reopen(opts);
    await expectNode('hd1', 'ro', false);

    // Cache options.
    await expectNode('hd1', 'cache/writeback', true);
    await expectNode('hd1', 'cache/direct', false);
    await expectNode('hd1', 'cache/no-flush', false);
    await reopen(opts, { cache: { direct: supportsDirect, 'no-flush': true } });
    await expectNode('hd1', 'cache/writeback', true);
    await expectNode('hd1', 'cache/direct', supportsDirect);
    await expectNode('hd1', 'cache/no-flush', true);

    // The original options again.
    await reopen(opts);
    await expectNode('hd1', 'cache/writeback', true);
    await expectNode('hd1', 'cache/direct', false);
    await expectNode('hd1', 'cache/no-flush', false);

    // detect-zeroes and discard.
    await expectNode('hd1', 'detect_zeroes', 'off');
    await reopen(opts, { 'detect-zeroes': 'on' });
    await expectNode('hd1', 'detect_zeroes', 'on');
    await reopen(
      opts,
      { 'detect-zeroes': 'unmap' },
      'setting detect-zeroes to unmap is not allowed ' +
        'without setting discard operation to unmap',
    );
    await expectNode('hd1', 'detect_zeroes', 'on');
    await reopen(opts, { 'detect-zeroes': 'unmap', discard: 'unmap' });
    await expectNode('hd1', 'detect_zeroes', 'unmap');
    await reopen(opts);
    await expectNode('hd1', 'detect_zeroes', 'off');

    // force-share cannot change (for now).
    await reopen(opts, { 'force-share': true }, "Cannot change the option 'force-share'");

    // qcow2 options; only the reply tells whether they were taken.
    if (iotests.imgfmt === 'qcow2') {
      await reopen(
        opts,
        { 'l2-cache-entry-size': 128 * 1024 },
        'L2 cache entry size must be a power of two ' + 'between 512 and the cluster size (65536)',
      );
      await reopen(
        opts,
        { 'l2-cache-size': 1024 * 1024, 'cache-size': 512 * 1024 },
        'l2-cache-size may not exceed cache-size',
      );
      await reopen(opts, {
        'l2-cache-size': 4 * 1024 * 1024,
        'refcount-cache-size': 4 * 1024 * 1024,
        'l2-cache-entry-size': 32 * 1024,
      });
      await reopen(opts, { 'pass-discard-request': true });
    }

    // Nothing changed since the beginning (as far as it shows).
    await checkNodeGraph(originalGraph);

    // The node names below the top are optional.
    delete sub(opts, 'file')['node-name'];
    delete sub(opts, 'backing')['node-name'];
    delete sub(sub(opts, 'backing'), 'file')['node-name'];
    await reopen(opts);
    await checkNodeGraph(originalGraph);

    // backing = null drops the backing image from the chain.
    await reopen(opts, { backing: null });
    expect(await getNode('hd1')).not.toHaveQmpPath('image/backing-image');

    // Open hd0 and make it hd1's backing image.
    await blockdevAdd(hdOpts(0));
    await reopen(opts, { backing: 'hd0' });
    await expectNode('hd1', 'image/backing-image/filename', hdPath(0));

    // Nothing changed since the beginning.
    await reopen(hdOpts(0), { 'read-only': true });
    await checkNodeGraph(originalGraph);

    // hd0 is a reference now: backing.* cannot change any more.
    await reopen(opts, {}, "Cannot change the option 'backing.driver'");

    // hd0 cannot go while it backs hd1...
    await expectBusy('hd0', "Node 'hd0' is busy: node is used as backing hd of 'hd1'");

    // ...but both can go in the right order.
    expect(await blockdevDel('hd1')).toMatchQmp('return', {});
    expect(await blockdevDel('hd0')).toMatchQmp('return', {});
  });

  // A raw image, and what changing its 'offset' does.
  test('test_reopen_raw', async () => {
    const opts: QmpObject = {
      driver: 'raw',
      'node-name': 'hd0',
      file: { driver: 'file', filename: hdPath(0), 'node-name': 'hd0-file' },
    };

    // A 2MB raw file, each half with its own pattern.
    await iotests.qemuImg('create', '-f', 'raw', hdPath(0), '2M');
    await iotests.qemuIo('-f', 'raw', '-c', 'write -P 0xa0  0 1M', hdPath(0));
    await iotests.qemuIo('-f', 'raw', '-c', 'write -P 0xa1 1M 1M', hdPath(0));

    await blockdevAdd(opts);

    await runQemuIo('hd0', 'read -P 0xa0  0 1M');

    // With a 1MB offset, the second half.
    await reopen(opts, { offset: 1024 * 1024 });
    await runQemuIo('hd0', 'read -P 0xa1  0 1M');

    // The original options again: the first half.
    await reopen(opts);
    await runQemuIo('hd0', 'read -P 0xa0  0 1M');

    expect(await blockdevDel('hd0')).toMatchQmp('return', {});
  });

  // Leaving an option out resets it to its default, unless the option cannot change at all.
  test('test_reset_default_values', async () => {
    const opts: QmpObject = {
      driver: 'qcow2',
      'node-name': 'hd0',
      file: {
        driver: 'file',
        filename: hdPath(0),
        'x-check-cache-dropped': true, // can change
        locking: 'off', // cannot change
        'node-name': 'hd0-file',
      },
    };
    await blockdevAdd(opts);

    // file.x-check-cache-dropped can change...
    await reopen(opts, { 'file.x-check-cache-dropped': false });
    // ...and go (back to its default).
    delete sub(opts, 'file')['x-check-cache-dropped'];
    await reopen(opts);

    // file.locking can neither change nor go back to its default...
    await reopen(opts, { 'file.locking': 'on' }, "Cannot change the option 'locking'");
    delete sub(opts, 'file').locking;
    await reopen(opts, {}, "Option 'locking' cannot be reset to its default value");
    // ...but keeping its value works.
    await reopen(opts, { 'file.locking': 'off' });

    expect(await blockdevDel('hd0')).toMatchQmp('return', {});
  });

  // Change the graph a few times through 'backing' and check what the guest reads each time.
  test('test_io_with_graph_changes', async () => {
    const opts: QmpObject[] = [];

    // hd0, hd1 and hd2 without backing images.
    for (let i = 0; i < 3; i++) {
      opts.push({ ...hdOpts(i), backing: null });
      await blockdevAdd(opts[i]);
    }

    // hd0
    await runQemuIo('hd0', 'read -P 0xa0  0 1M');
    await runQemuIo('hd0', 'read -P 0    1M 1M');
    await runQemuIo('hd0', 'read -P 0    2M 1M');

    // hd1 <- hd0
    await reopen(opts[0], { backing: 'hd1' });
    await runQemuIo('hd0', 'read -P 0xa0  0 1M');
    await runQemuIo('hd0', 'read -P 0xa1 1M 1M');
    await runQemuIo('hd0', 'read -P 0    2M 1M');

    // hd1 <- hd0 , hd1 <- hd2
    await reopen(opts[2], { backing: 'hd1' });
    await runQemuIo('hd2', 'read -P 0     0 1M');
    await runQemuIo('hd2', 'read -P 0xa1 1M 1M');
    await runQemuIo('hd2', 'read -P 0xa2 2M 1M');

    // hd1 <- hd2 <- hd0
    await reopen(opts[0], { backing: 'hd2' });
    await runQemuIo('hd0', 'read -P 0xa0  0 1M');
    await runQemuIo('hd0', 'read -P 0xa1 1M 1M');
    await runQemuIo('hd0', 'read -P 0xa2 2M 1M');

    // hd2 <- hd0
    await reopen(opts[2], { backing: null });
    await runQemuIo('hd0', 'read -P 0xa0  0 1M');
    await runQemuIo('hd0', 'read -P 0    1M 1M');
    await runQemuIo('hd0', 'read -P 0xa2 2M 1M');

    // hd2 <- hd1 <- hd0
    await reopen(opts[1], { backing: 'hd2' });
    await reopen(opts[0], { backing: 'hd1' });
    await runQemuIo('hd0', 'read -P 0xa0  0 1M');
    await runQemuIo('hd0', 'read -P 0xa1 1M 1M');
    await runQemuIo('hd0', 'read -P 0xa2 2M 1M');

    // Illegal: hd2 is a child of hd1.
    await reopen(
      opts[2],
      { backing: 'hd1' },
      "Making 'hd1' a backing child of 'hd2' would create a cycle",
    );

    // hd2 <- hd0, hd2 <- hd1
    await reopen(opts[0], { backing: 'hd2' });
    await runQemuIo('hd1', 'read -P 0     0 1M');
    await runQemuIo('hd1', 'read -P 0xa1 1M 1M');
    await runQemuIo('hd1', 'read -P 0xa2 2M 1M');

    // More illegal operations.
    await reopen(
      opts[2],
      { backing: 'hd1' },
      "Making 'hd1' a backing child of 'hd2' would create a cycle",
    );
    await reopen(
      opts[2],
      { file: 'hd0-file' },
      "Permission conflict on node 'hd0-file': permissions 'write, resize' are both required " +
        "by node 'hd0' (uses node 'hd0-file' as 'file' child) and unshared by node 'hd2' " +
        "(uses node 'hd0-file' as 'file' child).",
    );

    await expectBusy('hd2', "Node 'hd2' is busy: node is used as backing hd of 'hd0'");

    // hd1 has no backing image now.
    await reopen(opts[1], { backing: null });
    await runQemuIo('hd1', 'read -P 0     0 1M');
    await runQemuIo('hd1', 'read -P 0xa1 1M 1M');
    await runQemuIo('hd1', 'read -P 0    2M 1M');

    // 'backing' cannot be left out while the image names a backing file in its header.
    delete opts[1].backing;
    await reopen(opts[1], {}, "backing is missing for 'hd1'");

    await runQemuIo('hd1', 'read -P 0     0 1M');
    await runQemuIo('hd1', 'read -P 0xa1 1M 1M');
    await runQemuIo('hd1', 'read -P 0    2M 1M');
  });

  // Children cannot change in a way that would make the graph cyclic.
  test('test_graph_cycles', async () => {
    iotests.requires({ requiredFormats: ['blkverify'] });
    const opts: QmpObject[] = [];

    // All three images without backing images.
    for (let i = 0; i < 3; i++) {
      opts.push({ ...hdOpts(i), backing: null });
      await blockdevAdd(opts[i]);
    }

    // hd1 <- hd0, hd1 <- hd2
    await reopen(opts[0], { backing: 'hd1' });
    await reopen(opts[2], { backing: 'hd1' });

    // Illegal: hd2 is backed by hd1.
    await reopen(
      opts[1],
      { backing: 'hd2' },
      "Making 'hd2' a backing child of 'hd1' would create a cycle",
    );

    // hd1 <- hd0 <- hd2
    await reopen(opts[2], { backing: 'hd0' });

    // Illegal: hd2 is backed by hd0, which is backed by hd1.
    await reopen(
      opts[1],
      { backing: 'hd2' },
      "Making 'hd2' a backing child of 'hd1' would create a cycle",
    );

    // Illegal: hd1 cannot back itself.
    await reopen(
      opts[1],
      { backing: 'hd1' },
      "Making 'hd1' a backing child of 'hd1' would create a cycle",
    );

    // No backing images any more.
    await reopen(opts[0]);
    await reopen(opts[2]);

    // A blkverify node over hd0 and hd1.
    const bvopts: QmpObject = { driver: 'blkverify', 'node-name': 'bv', test: 'hd0', raw: 'hd1' };
    await blockdevAdd(bvopts);

    // blkverify cannot be reopened (not implemented).
    await reopen(
      bvopts,
      {},
      "Block format 'blkverify' used by node 'bv' does not support reopening files",
    );

    // Illegal: hd0 is a child of the blkverify node.
    await reopen(
      opts[0],
      { backing: 'bv' },
      "Making 'bv' a backing child of 'hd0' would create a cycle",
    );

    expect(await blockdevDel('bv')).toMatchQmp('return', {});
  });

  // Replace the protocol layer ('file') of an image.
  test('test_replace_file', async () => {
    // Two small raw images.
    await iotests.qemuImg('create', '-f', 'raw', hdPath(0), '10k');
    await iotests.qemuImg('create', '-f', 'raw', hdPath(1), '10k');

    await blockdevAdd({ driver: 'file', 'node-name': 'hd0-file', filename: hdPath(0) });
    await blockdevAdd({ driver: 'file', 'node-name': 'hd1-file', filename: hdPath(1) });

    // A raw format node over hd0-file.
    const opts: QmpObject = { driver: 'raw', 'node-name': 'hd', file: 'hd0-file' };
    await blockdevAdd(opts);

    // Fill it.
    await runQemuIo('hd', 'read  -P 0 0 10k');
    await runQemuIo('hd', 'write -P 0xa0 0 10k');

    // hd1-file instead of hd0-file, with other data.
    await reopen(opts, { file: 'hd1-file' });
    await runQemuIo('hd', 'read  -P 0 0 10k');
    await runQemuIo('hd', 'write -P 0xa1 0 10k');

    // Back to hd0-file: its data is still there.
    await reopen(opts, { file: 'hd0-file' });
    await runQemuIo('hd', 'read  -P 0xa0 0 10k');

    // And hd1-file's.
    await reopen(opts, { file: 'hd1-file' });
    await runQemuIo('hd', 'read  -P 0xa1 0 10k');
  });

  // Insert (and remove) a throttle filter.
  test('test_insert_throttle_filter', async () => {
    const hd0Opts = hdOpts(0);
    await blockdevAdd(hd0Opts);

    const group: Qapi.ObjectOptions = {
      'qom-type': 'throttle-group',
      id: 'group0',
      limits: { 'iops-total': 1000 },
    };
    expect(await vm.qmp('object-add', group, { convKeys: false })).toMatchQmp('return', {});

    // A throttle filter of that group, not used by anyone yet.
    await blockdevAdd({
      driver: 'throttle',
      'node-name': 'throttle0',
      'throttle-group': 'group0',
      file: 'hd0-file',
    });

    // Between hd0 and hd0-file...
    await reopen(hd0Opts, { file: 'throttle0' });
    // ...and out again.
    await reopen(hd0Opts, { file: 'hd0-file' });
  });

  // Insert (and remove) a compress filter.
  // QEMU 10.0's version: QEMU came to honour write-zeroes' unmap flag (qemu-io `write -z -u`)
  // only on nodes opened with discard=unmap, so without it the clusters stay allocated and the
  // compressed write fails (EIO); the test opens hd with discard=unmap, requires the compress
  // driver, and no longer logs its last qemu-io check.
  test('test_insert_compress_filter', async () => {
    const since10 = iotests.releaseAtLeast('10.0');
    if (since10) iotests.requires({ requiredFormats: ['compress'] });
    // hd (raw) -> hd0 (qcow2) -> hd0-file (file)
    const opts: QmpObject = {
      driver: 'raw',
      'node-name': 'hd',
      file: hdOpts(0),
      ...(since10 ? { discard: 'unmap' } : {}),
    };
    await blockdevAdd(opts);

    await blockdevAdd({ driver: 'compress', 'node-name': 'compress0', file: 'hd0' });

    // Unmap the beginning (compressed data cannot go to an allocated cluster).
    await runQemuIo('hd', 'write -z -u 0 128k');

    // The first cluster.
    await runQemuIo('hd', 'write -P 0xa0 0 64k');

    // With the filter (hd -> compress0 -> hd0 -> hd0-file), the second cluster.
    await reopen(opts, { file: 'compress0' });
    await runQemuIo('hd', 'write -P 0xa1 64k 64k');

    // Without it again (hd -> hd0 -> hd0-file), the third.
    await reopen(opts, { file: 'hd0' });
    await runQemuIo('hd', 'write -P 0xa2 128k 64k');

    // The data.
    await runQemuIo('hd', 'read -P 0xa0    0 64k');
    await runQemuIo('hd', 'read -P 0xa1  64k 64k');
    await runQemuIo('hd', 'read -P 0xa2 128k 64k');

    await vm.shutdown();

    // The first byte of the first three L2 entries: only the second is compressed (0x40), the
    // others are not (0x80).
    await (since10 ? iotests.qemuIo : iotests.qemuIoLog)(
      '-f',
      'raw',
      '-c',
      'read -P 0x80 0x40000 1',
      '-c',
      'read -P 0x40 0x40008 1',
      '-c',
      'read -P 0x80 0x40010 1',
      hdPath(0),
    );
    expect(iotests.transcript()).toMatchSnapshot();
  });

  // Swap the images of two active nodes.
  test('test_swap_files', async () => {
    // hd0 and hd2, no backing images.
    const opts0 = hdOpts(0);
    await blockdevAdd(opts0);
    const opts2 = hdOpts(2);
    await blockdevAdd(opts2);

    // Different data on each.
    await runQemuIo('hd0', 'write -P 0xa0 0 1k');
    await runQemuIo('hd2', 'write -P 0xa2 0 1k');

    // Read back.
    await runQemuIo('hd0', 'read  -P 0xa0 0 1k');
    await runQemuIo('hd2', 'read  -P 0xa2 0 1k');

    // One node cannot take the image the other one uses...
    await reopen(
      opts0,
      { file: 'hd2-file' },
      "Permission conflict on node 'hd2-file': permissions " +
        "'write, resize' are both required by node 'hd2' (uses " +
        "node 'hd2-file' as 'file' child) and unshared by node " +
        "'hd0' (uses node 'hd2-file' as 'file' child).",
    );
    await reopen(
      opts2,
      { file: 'hd0-file' },
      "Permission conflict on node 'hd0-file': permissions " +
        "'write, resize' are both required by node 'hd0' (uses " +
        "node 'hd0-file' as 'file' child) and unshared by node " +
        "'hd2' (uses node 'hd0-file' as 'file' child).",
    );

    // ...but both can swap in one reopen.
    opts0.file = 'hd2-file';
    opts2.file = 'hd0-file';
    await reopenMultiple([opts0, opts2]);
    await runQemuIo('hd0', 'read  -P 0xa2 0 1k');
    await runQemuIo('hd2', 'read  -P 0xa0 0 1k');

    // And back.
    opts0.file = 'hd0-file';
    opts2.file = 'hd2-file';
    await reopenMultiple([opts0, opts2]);
    await runQemuIo('hd0', 'read  -P 0xa0 0 1k');
    await runQemuIo('hd2', 'read  -P 0xa2 0 1k');
  });

  // Reopen with other block drivers.
  test('test_misc_drivers', async () => {
    iotests.requires({ requiredFormats: ['quorum', 'throttle'] });

    // ---- quorum ----
    for (let i = 0; i < 3; i++) {
      // All three images without backing images.
      await blockdevAdd({ ...hdOpts(i), backing: null });
    }

    let opts: QmpObject = {
      driver: 'quorum',
      'node-name': 'quorum0',
      children: ['hd0', 'hd1', 'hd2'],
      'vote-threshold': 2,
    };
    await blockdevAdd(opts);

    // quorum cannot be reopened (not implemented).
    await reopen(
      opts,
      {},
      "Block format 'quorum' used by node 'quorum0' does not support reopening files",
    );

    // quorum0 cannot back hd0: hd0 is a child of quorum0.
    await reopen(
      hdOpts(0),
      { backing: 'quorum0' },
      "Making 'quorum0' a backing child of 'hd0' would create a cycle",
    );

    expect(await blockdevDel('quorum0')).toMatchQmp('return', {});
    for (let i = 0; i < 3; i++) {
      expect(await blockdevDel(`hd${i}`)).toMatchQmp('return', {});
    }

    // ---- blkdebug ----
    opts = { driver: 'blkdebug', 'node-name': 'bd', config: '/dev/null', image: hdOpts(0) };
    await blockdevAdd(opts);

    // The same options work...
    await reopen(opts);

    // ...changes do not (for now).
    await reopen(opts, { image: 'hd1' }, "Cannot change the option 'image'");
    await reopen(opts, { align: 33554432 }, "Cannot change the option 'align'");
    await reopen(opts, { config: '/non/existent' }, "Cannot change the option 'config'");
    delete opts.config;
    await reopen(opts, {}, "Option 'config' cannot be reset to its default value");

    expect(await blockdevDel('bd')).toMatchQmp('return', {});

    // ---- null ----
    opts = { driver: 'null-co', 'node-name': 'root', size: 1024 };
    await blockdevAdd(opts);

    // 1 << 30 is the default, but it cannot be set explicitly...
    await reopen(opts, { size: 1 << 30 }, "Cannot change the option 'size'");

    // ...nor reset to it.
    delete opts.size;
    await reopen(opts, {}, "Option 'size' cannot be reset to its default value");

    expect(await blockdevDel('root')).toMatchQmp('return', {});

    // ---- file ----
    opts = hdOpts(0);
    sub(opts, 'file').locking = 'on';
    await blockdevAdd(opts);

    // 'locking' cannot change.
    delete sub(opts, 'file').locking;
    await reopen(opts, { 'file.locking': 'on' });
    await reopen(opts, { 'file.locking': 'off' }, "Cannot change the option 'locking'");
    await reopen(opts, {}, "Option 'locking' cannot be reset to its default value");

    // Reopening the file node itself makes no difference.
    opts = sub(opts, 'file');
    await reopen(opts, { locking: 'on' });
    await reopen(opts, { locking: 'off' }, "Cannot change the option 'locking'");
    await reopen(opts, {}, "Option 'locking' cannot be reset to its default value");

    expect(await blockdevDel('hd0')).toMatchQmp('return', {});

    // ---- throttle ----
    for (const [id, iops] of [
      ['group0', 1000],
      ['group1', 2000],
    ] as const) {
      const group: Qapi.ObjectOptions = {
        'qom-type': 'throttle-group',
        id,
        limits: { 'iops-total': iops },
      };
      expect(await vm.qmp('object-add', group, { convKeys: false })).toMatchQmp('return', {});
    }

    // A throttle filter in group0.
    opts = {
      driver: 'throttle',
      'node-name': 'throttle0',
      'throttle-group': 'group0',
      file: hdOpts(0),
    };
    await blockdevAdd(opts);

    // The same options work...
    await reopen(opts);
    // ...and so does a reference to the child in 'file'.
    await reopen(opts, { file: 'hd0' });

    // Illegal.
    await reopen(
      opts,
      { 'throttle-group': 'notfound' },
      "Throttle group 'notfound' does not exist",
    );

    // group1 works.
    await reopen(opts, { 'throttle-group': 'group1' });

    // group1 is in use now: it cannot be deleted.
    let result = await vm.qmp('object-del', { id: 'group1' });
    expect(result).toMatchQmp('error/class', 'GenericError');
    expect(result).toMatchQmp('error/desc', "object 'group1' is in use, can not be deleted");

    // The original options: back to group0.
    await reopen(opts);

    // So group0 cannot be deleted...
    result = await vm.qmp('object-del', { id: 'group0' });
    expect(result).toMatchQmp('error/class', 'GenericError');
    expect(result).toMatchQmp('error/desc', "object 'group0' is in use, can not be deleted");

    // ...but group1 can.
    expect(await vm.qmp('object-del', { id: 'group1' })).toMatchQmp('return', {});

    // Delete the filter...
    expect(await blockdevDel('throttle0')).toMatchQmp('return', {});

    // ...and at last group0.
    expect(await vm.qmp('object-del', { id: 'group0' })).toMatchQmp('return', {});
  });

  // With a backing image attached, reopen must be given 'backing': omitting it has no clear
  // meaning, so it is refused.
  test('test_missing_backing_options_1', async () => {
    // hd2
    await blockdevAdd(hdOpts(2));

    // hd0
    const opts = hdOpts(0);
    await blockdevAdd(opts);

    // hd0 has no backing image: 'backing' may be left out.
    await reopen(opts);

    // hd2 <- hd0
    await reopen(opts, { backing: 'hd2' });

    // hd0 has a backing image: 'backing' must be given.
    await reopen(opts, {}, "backing is missing for 'hd0'");

    // hd2 cannot go while it backs hd0.
    await expectBusy('hd2', "Node 'hd2' is busy: node is used as backing hd of 'hd0'");

    // Detach hd2 from hd0.
    await reopen(opts, { backing: null });

    // No backing image: 'backing' may be left out again.
    await reopen(opts);

    expect(await blockdevDel('hd0')).toMatchQmp('return', {});
    expect(await blockdevDel('hd2')).toMatchQmp('return', {});
  });

  // An image whose header names a default backing file must always be given 'backing' on
  // reopen, since what leaving it out would mean is unclear.
  test('test_missing_backing_options_2', async () => {
    // hd0 <- hd1 (hd0 is hd1's default backing file)
    const opts = hdOpts(1);
    await blockdevAdd(opts);

    // hd1 has a backing image: 'backing' cannot be left out.
    await reopen(opts, {}, "backing is missing for 'hd1'");

    // Detach it.
    await reopen(opts, { backing: null });

    // No backing image attached now, but 'backing' still cannot be left out.
    await reopen(opts, {}, "backing is missing for 'hd1'");

    expect(await blockdevDel('hd1')).toMatchQmp('return', {});
  });

  // A reference to the existing backing child keeps that child's options.
  test('test_backing_reference', async () => {
    // hd2 <- hd1 <- hd0, detect-zeroes on all three.
    const opts = hdOpts(0);
    const hd1 = hdOpts(1);
    const hd2 = hdOpts(2);
    opts.backing = hd1;
    hd1.backing = hd2;
    opts['detect-zeroes'] = 'on';
    hd1['detect-zeroes'] = 'on';
    hd2['detect-zeroes'] = 'on';
    await blockdevAdd(opts);

    // The least options possible; 'backing' as a reference to hd1 (not a dict) keeps hd1's
    // current options.
    await reopen({ driver: iotests.imgfmt, 'node-name': 'hd0', file: 'hd0-file', backing: 'hd1' });

    // That reset detect-zeroes on hd0, not on hd1 and hd2.
    await expectNode('hd0', 'detect_zeroes', 'off');
    await expectNode('hd1', 'detect_zeroes', 'on');
    await expectNode('hd2', 'detect_zeroes', 'on');
  });

  // The graph changes through other operations, such as block-stream.
  test('test_block_stream_1', async () => {
    // hd1 <- hd0
    const opts = hdOpts(0);
    opts.backing = { ...hdOpts(1), backing: null };
    await blockdevAdd(opts);

    // Stream hd1 into hd0 and wait until it is done.
    const result = await vm.qmp('block-stream', { job_id: 'stream0', device: 'hd0' });
    expect(result).toMatchQmp('return', {});
    await vm.waitUntilCompleted({ drive: 'stream0' });

    // Only hd0 is left.
    expect(await getNode('hd1')).toBeNull();

    // backing.* options, but no backing image any more.
    await reopen(opts, {}, "Cannot change the option 'backing.driver'");

    // Without 'backing', hd0 reopens fine...
    delete opts.backing;
    await reopen(opts);

    // ...and with 'backing' null too.
    await reopen(opts, { backing: null });

    expect(await blockdevDel('hd0')).toMatchQmp('return', {});
  });

  // block-stream, again.
  test('test_block_stream_2', async () => {
    // hd2 <- hd1 <- hd0
    const opts = hdOpts(0);
    opts.backing = { ...hdOpts(1), backing: hdOpts(2) };
    await blockdevAdd(opts);

    // Stream hd1 into hd0 and wait until it is done.
    const result = await vm.qmp('block-stream', {
      job_id: 'stream0',
      device: 'hd0',
      base_node: 'hd2',
    });
    expect(result).toMatchQmp('return', {});
    await vm.waitUntilCompleted({ drive: 'stream0' });

    // hd2 <- hd0 now; hd1 is gone.
    expect(await getNode('hd1')).toBeNull();

    // The backing options were hd1's; they do not fit hd2 (hd1 had a backing image, hd2 has
    // not).
    await reopen(opts, {}, "Cannot change the option 'backing.driver'");

    // Without hd1's options it works.
    opts.backing = sub(opts, 'backing').backing;
    await reopen(opts);

    // A reference to the backing image works too.
    await reopen(opts, { backing: 'hd2' });

    // Leaving the option out does not.
    delete opts.backing;
    await reopen(opts, {}, "backing is missing for 'hd0'");

    // hd0 (and with it hd2) can go now.
    expect(await blockdevDel('hd0')).toMatchQmp('return', {});
    expect(await getNode('hd2')).toBeNull();
  });

  // Reopen the chain during a block-stream job (from hd1 into hd0).
  test('test_block_stream_3', async () => {
    // hd2 <- hd1 <- hd0
    const opts = hdOpts(0);
    opts.backing = { ...hdOpts(1), backing: hdOpts(2) };
    await blockdevAdd(opts);

    // hd2 <- hd0
    const result = await vm.qmp('block-stream', {
      job_id: 'stream0',
      device: 'hd0',
      base_node: 'hd2',
      auto_finalize: false,
    });
    expect(result).toMatchQmp('return', {});

    // hd2 can go while the stream job runs...
    sub(opts, 'backing').backing = null;
    await reopen(opts, {});

    // ...hd1 cannot.
    opts.backing = null;
    await reopen(opts, {}, "Cannot change frozen 'backing' link from 'hd0' to 'hd1'");

    await vm.runJob('stream0', { autoFinalize: false, autoDismiss: true });
    expect(iotests.transcript()).toMatchSnapshot();
  });

  // Reopen the chain during a block-stream job (from hd2 into hd1).
  test('test_block_stream_4', async () => {
    // hd2 <- hd1 <- hd0
    const opts = hdOpts(0);
    opts.backing = { ...hdOpts(1), backing: hdOpts(2) };
    await blockdevAdd(opts);

    // hd1 <- hd0
    const result = await vm.qmp('block-stream', {
      job_id: 'stream0',
      device: 'hd1',
      filter_node_name: 'cor',
      auto_finalize: false,
    });
    expect(result).toMatchQmp('return', {});

    // The original options no longer fit: the job put a filter above hd1.
    await reopen(opts, {}, "Cannot change the option 'backing.backing.file.node-name'");

    // hd1 cannot become read-only: block-stream needs it read-write.
    await reopen(
      sub(opts, 'backing'),
      { 'read-only': true },
      "Read-only block node 'hd1' cannot support read-write users",
    );

    // hd2 cannot go while the stream job runs.
    sub(opts, 'backing').backing = null;
    await reopen(
      sub(opts, 'backing'),
      { 'read-only': false },
      "Cannot change frozen 'backing' link from 'hd1' to 'hd2'",
    );

    // hd1 can leave hd0: that does not concern the stream job.
    opts.backing = null;
    await reopen(opts);

    await vm.runJob('stream0', { autoFinalize: false, autoDismiss: true });
    expect(iotests.transcript()).toMatchSnapshot();
  });

  // Reopen the chain during a block-commit job (from hd0 into hd2).
  test('test_block_commit_1', async () => {
    // hd2 <- hd1 <- hd0
    const opts = hdOpts(0);
    opts.backing = { ...hdOpts(1), backing: hdOpts(2) };
    await blockdevAdd(opts);

    const result = await vm.qmp('block-commit', { job_id: 'commit0', device: 'hd0' });
    expect(result).toMatchQmp('return', {});

    // hd2 cannot go while the commit job runs...
    sub(opts, 'backing').backing = null;
    await reopen(opts, {}, "Cannot change frozen 'backing' link from 'hd1' to 'hd2'");

    // ...nor can hd1.
    opts.backing = null;
    await reopen(opts, {}, "Cannot change frozen 'backing' link from 'hd0' to 'hd1'");

    const event = await vm.eventWait('BLOCK_JOB_READY');
    expect(event).toMatchQmp('data/device', 'commit0');
    expect(event).toMatchQmp('data/type', 'commit');
    expect(event).not.toHaveQmpPath('data/error');

    expect(await vm.qmp('block-job-complete', { device: 'commit0' })).toMatchQmp('return', {});

    await vm.waitUntilCompleted({ drive: 'commit0' });
  });

  // Reopen the chain during a block-commit job (from hd1 into hd2).
  test('test_block_commit_2', async () => {
    // hd2 <- hd1 <- hd0
    const opts = hdOpts(0);
    opts.backing = { ...hdOpts(1), backing: hdOpts(2) };
    await blockdevAdd(opts);

    const result = await vm.qmp('block-commit', {
      job_id: 'commit0',
      device: 'hd0',
      top_node: 'hd1',
      auto_finalize: false,
    });
    expect(result).toMatchQmp('return', {});

    // hd2 cannot go while the commit job runs...
    sub(opts, 'backing').backing = null;
    await reopen(opts, {}, "Cannot change the option 'backing.driver'");

    // ...nor can hd1.
    opts.backing = null;
    await reopen(opts, {}, 'Cannot replace implicit backing child of hd0');

    // hd2 <- hd0
    await vm.runJob('commit0', { autoFinalize: false, autoDismiss: true });

    await expectNode('hd0', 'ro', false);
    expect(await getNode('hd1')).toBeNull();
    await expectNode('hd2', 'ro', true);
    expect(iotests.transcript()).toMatchSnapshot();
  });

  /**
   * hd0 (or `optsA`) and hd2 (or `optsB`) on scsi-hd devices of virtio-scsi controllers in
   * `iothreadA` / `iothreadB` ('' = none); attaching hd2 as hd0's backing image may fail with
   * `errmsg`, detaching it must always work.
   */
  async function runTestIothreads(
    iothreadA: string,
    iothreadB: string,
    errmsg?: string,
    optsA?: QmpObject,
    optsB?: QmpObject,
  ): Promise<void> {
    const opts = optsA ?? hdOpts(0);
    await blockdevAdd(opts);
    await blockdevAdd(optsB ?? hdOpts(2));

    for (const id of ['iothread0', 'iothread1']) {
      expect(await vm.qmp('object-add', { qom_type: 'iothread', id })).toMatchQmp('return', {});
    }

    for (const [id, iothread] of [
      ['scsi0', iothreadA],
      ['scsi1', iothreadB],
    ]) {
      const result = await vm.qmp('device_add', { driver: 'virtio-scsi', id, iothread });
      expect(result).toMatchQmp('return', {});
    }

    for (const [drive, iothread, bus] of [
      ['hd0', iothreadA, 'scsi0.0'],
      ['hd2', iothreadB, 'scsi1.0'],
    ]) {
      if (iothread !== '') {
        const result = await vm.qmp('device_add', {
          driver: 'scsi-hd',
          drive,
          share_rw: true,
          bus,
        });
        expect(result).toMatchQmp('return', {});
      }
    }

    // Attaching the backing image may or may not work...
    await reopen(opts, { backing: 'hd2' }, errmsg);

    // ...detaching it must.
    await reopen(opts, { backing: null });

    await vm.shutdown();
  }

  // No backing image in another AioContext unless one of the two can move to the other's.
  test('test_iothreads_error', async () => {
    await runTestIothreads(
      'iothread0',
      'iothread1',
      'Cannot change iothread of active block backend',
    );
  });

  test('test_iothreads_compatible_users', async () => {
    await runTestIothreads('iothread0', 'iothread0');
  });

  test('test_iothreads_switch_backing', async () => {
    await runTestIothreads('iothread0', '');
  });

  test('test_iothreads_switch_overlay', async () => {
    await runTestIothreads('', 'iothread0');
  });

  test('test_iothreads_with_throttling', async () => {
    const group: Qapi.ObjectOptions = {
      'qom-type': 'throttle-group',
      id: 'group0',
      limits: { 'iops-total': 1000 },
    };
    expect(await vm.qmp('object-add', group, { convKeys: false })).toMatchQmp('return', {});

    // A throttle filter between format and protocol.
    const [optsA, optsB] = [0, 2].map((idx): QmpObject => ({
      driver: iotests.imgfmt,
      'node-name': `hd${idx}`,
      file: {
        'node-name': `hd${idx}-throttle`,
        driver: 'throttle',
        'throttle-group': 'group0',
        file: { driver: 'file', 'node-name': `hd${idx}-file`, filename: hdPath(idx) },
      },
    }));

    await runTestIothreads('iothread0', 'iothread0', undefined, optsA, optsB);
  });
});
