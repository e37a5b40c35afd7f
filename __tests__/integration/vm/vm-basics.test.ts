// The iotests VM against a real QEMU: launch/shutdown, drives, qmpLog / blockdevCreate transcripts
// byte-compared with QEMU 7.2's reference output 206.out, HMP qemu-io, block nodes and bitmaps.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import execa from 'execa';
import { filters } from '../../../src/iotests/filters';
import { describeVmsForFailure } from '../../../src/jest/failure-info';
import { log, resetTranscript, transcript } from '../../../src/iotests/transcript';
import { VM } from '../../../src/iotests/vm';
import { unchecked } from '../../../src/qapi/calls';
import { qemuImg, setUpVmRuntime, type VmTestRuntime } from './vm-runtime';

// tests/qemu-iotests/206.out (QEMU 7.2), lines 1-25: the first case of 206, "Successful image
// creation (defaults)", including its img_info_log block.
const REFERENCE_206_FIRST_CASE = `=== Successful image creation (defaults) ===

{"execute": "blockdev-create", "arguments": {"job-id": "job0", "options": {"driver": "file", "filename": "TEST_DIR/PID-t.qcow2", "size": 0}}}
{"return": {}}
{"execute": "job-dismiss", "arguments": {"id": "job0"}}
{"return": {}}

{"execute": "blockdev-add", "arguments": {"driver": "file", "filename": "TEST_DIR/PID-t.qcow2", "node-name": "imgfile"}}
{"return": {}}
{"execute": "blockdev-create", "arguments": {"job-id": "job0", "options": {"driver": "qcow2", "file": "imgfile", "size": 134217728}}}
{"return": {}}
{"execute": "job-dismiss", "arguments": {"id": "job0"}}
{"return": {}}

image: TEST_IMG
file format: IMGFMT
virtual size: 128 MiB (134217728 bytes)
cluster_size: 65536
Format specific information:
    compat: 1.1
    compression type: COMPRESSION_TYPE
    lazy refcounts: false
    refcount bits: 16
    corrupt: false
    extended l2: false

`;

// 206.out lines 154-160: a job that fails ("Invalid BlockdevRef").
const REFERENCE_206_INVALID_BLOCKDEVREF = `=== Invalid BlockdevRef ===

{"execute": "blockdev-create", "arguments": {"job-id": "job0", "options": {"driver": "qcow2", "file": "this doesn't exist", "size": 33554432}}}
{"return": {}}
Job failed: Cannot find device='this doesn't exist' nor node-name='this doesn't exist'
{"execute": "job-dismiss", "arguments": {"id": "job0"}}
{"return": {}}

`;

let rt: VmTestRuntime;

beforeAll(async () => {
  rt = await setUpVmRuntime();
});

afterAll(async () => {
  const errors = await rt.tearDown();
  expect(errors).toEqual([]);
});

beforeEach(() => {
  resetTranscript();
});

describe('launch and shutdown', () => {
  test('a VM starts with the probed accelerator and QEMU_OPTIONS, answers QMP, and quits cleanly', async () => {
    const vm = new VM();
    const argv = vm.commandLine();
    expect(argv[0]).toBe(rt.config.binaries.qemu);
    expect(argv.join(' ')).toContain(`-accel ${rt.capabilities.accelerator}`);
    expect(argv.join(' ')).toContain('-display none -vga none -nodefaults -display none');
    expect(vm.name).toBe(`qemu-${process.pid}`);

    await vm.launch();
    expect(vm.running).toBe(true);
    expect(vm.pid).toEqual(expect.any(Number));
    const status = await vm.qmp('query-status');
    // Python's library returns replies without our routing id.
    expect(status).toEqual({
      return: expect.objectContaining({ running: true, status: 'running' }),
    });
    expect(await vm.cmd('query-name')).toEqual({});
    await vm.shutdown();
    expect(vm.running).toBe(false);
    expect(vm.exitCode).toBe(0);
    expect(vm.getLog()).toBe('');
  });

  test("a failure report still shows a shut-down VM's last QMP exchanges", async () => {
    const vm = new VM({ pathSuffix: '-report' });
    await vm.launch();
    await vm.qmp('query-name');
    await vm.shutdown();
    expect(() => vm.qmpClient).toThrow(/not launched/);
    const report = describeVmsForFailure([vm]);
    expect(report).toContain(`── QEMU #1 ${vm.name} (exited with code 0) ──`);
    expect(report).toMatch(/-> \{"execute": ?"query-name"/);
    expect(report).toMatch(/-> \{"execute": ?"quit"/);
  });

  test('a VM can be relaunched after shutdown', async () => {
    const vm = new VM({ pathSuffix: '-again' });
    expect(vm.name).toBe(`qemu-again-${process.pid}`);
    await vm.launch();
    await vm.shutdown();
    await vm.launch();
    expect(await vm.qmp('query-status')).toHaveProperty('return.running', true);
    await vm.shutdown();
    expect(vm.exitCode).toBe(0);
  });

  test('qmp converts top-level "_" to "-" in argument names (unless convKeys: false)', async () => {
    const vm = new VM();
    await vm.launch();
    try {
      const added = await vm.qmp('blockdev-add', {
        driver: 'null-co',
        node_name: 'null0',
        read_zeroes: true,
      });
      expect(added).toEqual({ return: {} });
      expect(await vm.nodeInfo('null0')).toHaveProperty('drv', 'null-co');
      const refused = await vm.qmp(
        'blockdev-add',
        { driver: 'null-co', node_name: 'null1' },
        { convKeys: false },
      );
      expect(refused).toEqual({
        error: { class: 'GenericError', desc: "Parameter 'node_name' is unexpected" },
      });
    } finally {
      await vm.shutdown();
    }
  });
});

describe('a VM that starts stopped, and single events', () => {
  test("new VM({ paused: true }) adds -S: QEMU waits in 'prelaunch' until cont", async () => {
    const vm = new VM({ pathSuffix: '-paused', paused: true });
    expect(vm.commandLine()).toContain('-S');
    expect(new VM({ pathSuffix: '-unpaused' }).commandLine()).not.toContain('-S');
    await vm.launch();
    expect(await vm.qmp('query-status')).toEqual({
      return: expect.objectContaining({ running: false, status: 'prelaunch' }),
    });
    expect(await vm.getQmpEvent()).toBeNull();
    expect(await vm.qmp('cont')).toEqual({ return: {} });
    // cont sends RESUME; getQmpEvent takes one event at a time, oldest first.
    expect(await vm.getQmpEvent({ wait: true })).toMatchObject({ event: 'RESUME' });
    await vm.qmp('stop');
    await vm.qmp('cont');
    expect(await vm.getQmpEvent({ wait: true })).toMatchObject({ event: 'STOP' });
    expect(await vm.getQmpEvent({ wait: true })).toMatchObject({ event: 'RESUME' });
    expect(await vm.getQmpEvent()).toBeNull();
    expect(await vm.qmp('query-status')).toHaveProperty('return.status', 'running');
    await vm.shutdown();
  });
});

describe('firmware', () => {
  test('without qtest no guest code runs: the halting firmware reads no disk, SeaBIOS does', async () => {
    const [haltImage, biosImage] = [rt.filePath('halt.raw'), rt.filePath('bios.raw')];
    await qemuImg(rt, 'create', '-f', 'raw', haltImage, '1M');
    await qemuImg(rt, 'create', '-f', 'raw', biosImage, '1M');
    const reads = async (vm: VM): Promise<number> => {
      const reply = await vm.cmd('query-blockstats');
      return (reply as Array<{ stats: { rd_operations: number } }>)[0].stats.rd_operations;
    };
    const halting = new VM({ pathSuffix: '-halt' }).addDrive(haltImage, { imgFormat: 'raw' });
    const seabios = new VM({ pathSuffix: '-bios', firmware: 'default' }).addDrive(biosImage, {
      imgFormat: 'raw',
    });
    expect(halting.commandLine()).toContain('-bios');
    expect(seabios.commandLine()).not.toContain('-bios');
    await Promise.all([halting.launch(), seabios.launch()]);
    try {
      // SeaBIOS reads the boot sector within about a second under tcg: poll for it (bounded), then
      // the halting VM, which had the same time, must have read nothing and still be running.
      const deadline = Date.now() + 20_000;
      while ((await reads(seabios)) === 0) {
        if (Date.now() > deadline) throw new Error('SeaBIOS never read the disk');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await reads(halting)).toBe(0);
      expect(await halting.qmp('query-status')).toMatchObject({
        return: { running: true, status: 'running' },
      });
    } finally {
      await Promise.all([halting.shutdown(), seabios.shutdown()]);
    }
  });
});

describe('drives', () => {
  test('addDrive attaches a qcow2 image made by qemu-img with the seed option string', async () => {
    const image = rt.filePath('drive.qcow2');
    await qemuImg(rt, 'create', '-f', 'qcow2', image, '1M');
    const vm = new VM().addDrive(image).addDrive(null, { interface: 'none' });
    const argv = vm.commandLine();
    expect(argv).toContain(
      `if=virtio,id=drive0,file=${image},format=qcow2,cache=writeback,aio=threads`,
    );
    expect(argv).toContain('if=none,id=drive1');
    await vm.launch();
    try {
      const reply = await vm.qmp('query-block');
      expect(reply).toMatchObject({
        return: [
          {
            device: 'drive0',
            inserted: { drv: 'qcow2', file: image, image: { 'virtual-size': 1048576 } },
          },
          { device: 'drive1' },
        ],
      });
      expect(reply).not.toHaveProperty('return.1.inserted');
    } finally {
      await vm.shutdown();
    }
  });

  test('addBlockdev, addDevice and addObject (option text and typed JSON) build a working graph', async () => {
    const vm = new VM()
      .addObject({ 'qom-type': 'throttle-group', id: 'tg0', 'x-bps-total': 1048576 })
      .addBlockdev({ driver: 'null-co', 'node-name': 'null0', size: 1048576 })
      .addBlockdev('driver=throttle,node-name=thr0,throttle-group=tg0,file=null0')
      .addDevice('virtio-blk,drive=thr0,id=disk0');
    await vm.launch();
    try {
      expect(await vm.nodeInfo('thr0')).toMatchObject({
        drv: 'throttle',
        file: expect.any(String),
      });
      expect(await vm.nodeInfo('no-such-node')).toBeNull();
      const blocks = await vm.cmd('query-block');
      expect(blocks).toEqual([expect.objectContaining({ qdev: expect.stringContaining('disk0') })]);
    } finally {
      await vm.shutdown();
    }
  });
});

describe('transcripts match the reference output', () => {
  test('qmpLog prints the command and reply lines of 206.out', async () => {
    const disk = rt.filePath('t.qcow2');
    await qemuImg(rt, 'create', '-f', 'raw', disk, '0');
    const vm = new VM();
    await vm.launch();
    try {
      const reply = await vm.qmpLog(
        'blockdev-add',
        { driver: 'file', filename: disk, node_name: 'imgfile' },
        { filters: [filters.qmpTestfiles] },
      );
      expect(reply).toEqual({ return: {} });
      // 206.out lines 8-9
      expect(transcript()).toBe(
        '{"execute": "blockdev-add", "arguments": {"driver": "file", "filename": "TEST_DIR/PID-t.qcow2", "node-name": "imgfile"}}\n' +
          '{"return": {}}\n',
      );
      resetTranscript();
      await vm.qmpLog('query-name', {}, { indent: 2 });
      expect(transcript()).toBe(
        '{\n  "execute": "query-name",\n  "arguments": {}\n}\n{\n  "return": {}\n}\n',
      );
    } finally {
      await vm.shutdown();
    }
  });

  test('blockdevCreate of a file and a qcow2 node writes the first case of 206.out', async () => {
    const disk = rt.filePath('t.qcow2');
    const vm = new VM();
    vm.addObject('secret,id=keysec0,data=foo');
    log('=== Successful image creation (defaults) ===');
    log('');
    await vm.launch();
    expect(await vm.blockdevCreate({ driver: 'file', filename: disk, size: 0 })).toBeNull();
    await vm.qmpLog(
      'blockdev-add',
      { driver: 'file', filename: disk, node_name: 'imgfile' },
      { filters: [filters.qmpTestfiles] },
    );
    expect(
      await vm.blockdevCreate({ driver: 'qcow2', file: 'imgfile', size: 128 * 1024 * 1024 }),
    ).toBeNull();
    await vm.shutdown();
    // iotests.img_info_log(disk_path), as QEMU 7.2 does it
    const info = await execa(rt.config.binaries.qemuImg, ['info', '-f', 'qcow2', disk], {
      stripFinalNewline: false,
    });
    log(filters.imgInfo(info.stdout, disk));
    expect(transcript()).toBe(REFERENCE_206_FIRST_CASE);
  });

  test('a failing blockdev-create job logs "Job failed" and resolves with the error (206.out)', async () => {
    const vm = new VM();
    await vm.launch();
    try {
      log('=== Invalid BlockdevRef ===');
      log('');
      const error = await vm.blockdevCreate({
        driver: 'qcow2',
        file: "this doesn't exist",
        size: 32 * 1024 * 1024,
      });
      expect(error).toBe(
        "Cannot find device='this doesn't exist' nor node-name='this doesn't exist'",
      );
      expect(transcript()).toBe(REFERENCE_206_INVALID_BLOCKDEVREF);
    } finally {
      await vm.shutdown();
    }
  });

  test("a refused blockdev-create resolves with QEMU's error object", async () => {
    const vm = new VM();
    await vm.launch();
    try {
      const error = await vm.blockdevCreate(unchecked({ driver: 'no-such-driver', size: 0 }), {
        jobId: 'j1',
      });
      expect(error).toEqual({
        class: 'GenericError',
        desc: expect.stringContaining('no-such-driver'),
      });
      const lines = transcript().split('\n');
      expect(lines[0]).toBe(
        '{"execute": "blockdev-create", "arguments": {"job-id": "j1", "options": {"driver": "no-such-driver", "size": 0}}}',
      );
      expect(JSON.parse(lines[1] ?? '')).toEqual({ error: error });
      expect(lines.slice(2)).toEqual(['', '']);
    } finally {
      await vm.shutdown();
    }
  });
});

describe('HMP, block nodes and bitmaps', () => {
  test('bitmaps: block-dirty-bitmap-add, then queryBitmaps / getBitmap / checkBitmapStatus', async () => {
    const image = rt.filePath('bitmaps.qcow2');
    await qemuImg(rt, 'create', '-f', 'qcow2', image, '1M');
    const vm = new VM().addDrive(image, { opts: 'node-name=disk0' });
    await vm.launch();
    try {
      expect(await vm.getQmpEventsFiltered({ wait: false })).toEqual([]);
      expect(await vm.queryBitmaps()).toEqual({});
      await vm.cmd('block-dirty-bitmap-add', {
        node: 'disk0',
        name: 'bitmap0',
        granularity: 65536,
      });
      const bitmaps = await vm.queryBitmaps();
      expect(bitmaps).toEqual({
        disk0: [
          {
            name: 'bitmap0',
            recording: true,
            busy: false,
            persistent: false,
            granularity: 65536,
            count: 0,
          },
        ],
      });
      expect(await vm.getBitmap('disk0', 'bitmap0')).toEqual(bitmaps.disk0?.[0]);
      expect(await vm.getBitmap('disk0', 'bitmap0', { recording: false })).toBeNull();
      expect(await vm.getBitmap('disk0', 'other', { bitmaps })).toBeNull();
      await expect(vm.getBitmap('nowhere', 'bitmap0')).rejects.toThrow(
        'getBitmap: node "nowhere" has no dirty-bitmaps entry; nodes with bitmaps: disk0',
      );

      // Dirty one 64 KiB cluster through HMP's qemu-io, logged like the seed's use_log=True.
      const reply = await vm.hmpQemuIo('drive0', 'write -P 0x5a 0 64k', { useLog: true });
      expect(reply).toEqual({ return: '' });
      expect(transcript()).toBe(
        '{"execute": "human-monitor-command", "arguments": {"command-line": "qemu-io drive0 \\"write -P 0x5a 0 64k\\""}}\n' +
          '{"return": ""}\n',
      );
      expect(
        await vm.checkBitmapStatus('disk0', 'bitmap0', { count: 65536, recording: true }),
      ).toBe(true);
      expect(await vm.checkBitmapStatus('disk0', 'bitmap0', { count: 0 })).toBe(false);
      expect(
        await vm.checkBitmapStatus('disk0', 'bitmap0', unchecked({ 'no-such-field': 0 })),
      ).toBe(false);
      await vm.cmd('block-dirty-bitmap-disable', { node: 'disk0', name: 'bitmap0' });
      expect(await vm.getBitmap('disk0', 'bitmap0', { recording: false })).toMatchObject({
        name: 'bitmap0',
        count: 65536,
      });
    } finally {
      await vm.shutdown();
    }
  });
});
