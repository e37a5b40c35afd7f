// The seed's qemu_tool_popen / qemu_io_popen against the real tools: a background process the
// test writes to and reads from, and that never outlives the test file.
import { afterAll, beforeAll, expect, test } from '@jest/globals';

import { iotests } from '../../../src';
import { runFileCleanups } from '../../../src/iotests/cleanup';
import { liveChildren } from '../../../src/machine';
import { waitFor } from '../../faults/support/leftovers';
import type { ToolsRuntime } from './tools-runtime';
import { setUpToolsRuntime, tearDownToolsRuntime } from './tools-runtime';

let rt: ToolsRuntime | undefined;
let img: string;

beforeAll(async () => {
  rt = await setUpToolsRuntime({ IMGFMT: 'raw' });
  img = iotests.filePath('popen.img');
  await iotests.qemuImgCreate('-f', 'raw', img, '1M');
});

afterAll(async () => {
  await tearDownToolsRuntime(rt);
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('qemuIoPopen: commands written to stdin run, their output is read, quit ends it', async () => {
  const io = await iotests.qemuIoPopen(img);
  expect(io.command).toEqual([...iotests.qemuIoArgs, img]);
  io.stdin?.write('write -P 0x5a 0 4k\n');
  await waitFor(() => io.output().includes('wrote 4096/4096 bytes at offset 0'), 'the write');
  io.stdin?.write('quit\n');
  expect(await io.whenExited()).toEqual({ exitCode: 0, signal: null });
  expect(io.exited).toBe(true);
  const read = await iotests.qemuIo('-c', 'read -P 0x5a 0 4k', img);
  expect(read.stdout).toContain('read 4096/4096 bytes at offset 0');
});

test('qemuToolPopen runs any command line; stdout and stderr come as one stream', async () => {
  const info = await iotests.qemuToolPopen([...iotests.qemuImgArgs, 'info', img], {
    stdin: 'ignore',
  });
  expect(info.stdin).toBeNull();
  expect(await info.whenExited()).toEqual({ exitCode: 0, signal: null });
  await info.waitOutputClosed(10_000);
  expect(info.output()).toContain('file format: raw');

  const missing = await iotests.qemuToolPopen([
    ...iotests.qemuImgArgs,
    'info',
    iotests.filePath('missing.img'),
  ]);
  expect((await missing.whenExited()).exitCode).toBe(1);
  await missing.waitOutputClosed(10_000);
  expect(missing.output()).toContain('Could not open');
});

test('a background process still running after the test file is ended with it', async () => {
  const io = await iotests.qemuIoPopen(img);
  expect(liveChildren().map((child) => child.pid)).toContain(io.pid);
  expect(isAlive(io.pid)).toBe(true);
  // What the preset runs after every test file.
  expect(await runFileCleanups()).toEqual([]);
  expect(io.exitStatus).toEqual({ exitCode: null, signal: 'SIGKILL' });
  expect(isAlive(io.pid)).toBe(false);
  expect(liveChildren().map((child) => child.pid)).not.toContain(io.pid);
});

test('an empty command line is refused before anything starts', async () => {
  await expect(iotests.qemuToolPopen([])).rejects.toThrow('non-empty array of strings');
});
