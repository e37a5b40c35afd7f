// QemuStorageDaemon against the real qemu-storage-daemon: start + QMP + NBD export + stop, and a
// daemon with a bad argument failing fast with its message.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';

import { fileContext } from '../../../src/iotests/context';
import { filePath } from '../../../src/iotests/files';
import {
  QemuStorageDaemon,
  QemuToolError,
  qemuImgCreate,
  qemuIo,
  setToolOutputSink,
} from '../../../src/iotests/tools';
import { liveChildren } from '../../../src/machine';
import { unchecked } from '../../../src/qapi/calls';
import type { ToolsRuntime } from './tools-runtime';
import { setUpToolsRuntime, tearDownToolsRuntime } from './tools-runtime';

let rt: ToolsRuntime | undefined;
let img = '';

beforeAll(async () => {
  rt = await setUpToolsRuntime({ IMGFMT: 'qcow2' });
  img = filePath('qsd.qcow2');
  await qemuImgCreate('-f', 'qcow2', img, '1M');
  await qemuIo('-c', 'write -P 0x33 0 64k', img);
});

afterAll(async () => {
  setToolOutputSink(undefined);
  await tearDownToolsRuntime(rt);
});

function registered(pid: number): boolean {
  return liveChildren().some((child) => child.pid === pid);
}

describe('QemuStorageDaemon', () => {
  test('start with QMP, query it, export over NBD, stop (idempotently)', async () => {
    const sock = filePath('qsd-nbd.sock', { baseDir: fileContext().sockDir });
    const qsd = await QemuStorageDaemon.start(
      [
        '--blockdev',
        `file,node-name=file0,filename=${img}`,
        '--blockdev',
        'qcow2,node-name=fmt0,file=file0',
        '--nbd-server',
        `addr.type=unix,addr.path=${sock}`,
        '--export',
        'nbd,id=exp0,node-name=fmt0,name=exp0',
      ],
      { qmp: true, instanceId: 'b' },
    );
    try {
      expect(existsSync(qsd.pidfile)).toBe(true);
      expect(qsd.pidfile.endsWith('qsd-b-pid')).toBe(true);
      expect(registered(qsd.pid)).toBe(true);
      const nodes = await qsd.qmp('query-named-block-nodes');
      expect('return' in nodes).toBe(true);
      const names = (nodes as { return: Array<{ 'node-name': string }> }).return.map(
        (node) => node['node-name'],
      );
      expect(names).toEqual(expect.arrayContaining(['file0', 'fmt0']));
      const bad = await qsd.qmp(unchecked('no-such-command'));
      expect(bad).toMatchObject({ error: { class: 'CommandNotFound' } });
      // The export is read-only (no writable=on): open it read-only.
      const read = await qemuIo(
        '-r',
        '-f',
        'raw',
        '-c',
        'read -P 0x33 0 64k',
        `nbd+unix:///exp0?socket=${sock}`,
      );
      expect(read.stdout).toMatch(/^read 65536\/65536 bytes at offset 0\n/);
    } finally {
      await qsd.stop();
    }
    await qsd.stop();
    expect(registered(qsd.pid)).toBe(false);
    expect(existsSync(qsd.pidfile)).toBe(false);
    expect(qsd.qmpSocket !== undefined && existsSync(qsd.qmpSocket)).toBe(false);
    await expect(qsd.qmp('query-version')).rejects.toThrow('the daemon was stopped');
  });

  test('without qmp: true, qmp() explains how to get it', async () => {
    const qsd = await QemuStorageDaemon.start([
      '--blockdev',
      `file,node-name=file0,filename=${img},read-only=on`,
    ]);
    try {
      await expect(qsd.qmp('query-version')).rejects.toThrow('start the daemon with { qmp: true }');
    } finally {
      await qsd.stop('SIGKILL');
    }
    expect(registered(qsd.pid)).toBe(false);
  });

  test('a bad argument fails fast with the exit code, the command and its message', async () => {
    const started = Date.now();
    const error = await QemuStorageDaemon.start(['--blockdev', 'no-such-driver,node-name=x']).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(QemuToolError);
    const toolError = error as QemuToolError;
    expect(toolError.message).toMatch(
      /^qemu-storage-daemon terminated with exit code 1: .*qemu-storage-daemon --blockdev no-such-driver,node-name=x --pidfile /,
    );
    const message = "Parameter 'driver' does not accept value 'no-such-driver'";
    expect(toolError.stdout).toContain(message);
    expect(toolError.message).toContain(message);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(liveChildren().filter((child) => child.description.startsWith('qemu-storage'))).toEqual(
      [],
    );
  });

  test('argument mistakes are refused before anything starts', async () => {
    await expect(QemuStorageDaemon.start(['--pidfile', '/x'])).rejects.toThrow(
      'do not pass --pidfile',
    );
    await expect(QemuStorageDaemon.start([], { instanceId: 'a/b' })).rejects.toThrow(
      'instanceId must match',
    );
  });
});
