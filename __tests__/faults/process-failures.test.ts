// QEMU processes that fail to start or die under a test, the cases not already proven elsewhere
// (see README.md): a VM whose image is missing, a storage daemon that never writes its pid file,
// a storage daemon and a qemu-nbd server that die while in use. Each fails fast with a clear
// error and leaves no process behind.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';

import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';

import { fileContext } from '../../src/iotests/context';
import { filePath } from '../../src/iotests/files';
import { runtime, setRuntime } from '../../src/iotests/runtime';
import {
  QemuStorageDaemon,
  QemuToolError,
  qemuImgCreate,
  setToolOutputSink,
  withQemuNbd,
} from '../../src/iotests/tools';
import { VM, shutdownAllVms } from '../../src/iotests/vm';
import { QemuLaunchError, liveChildren } from '../../src/machine';
import { QmpConnectionLostError } from '../../src/qmp';
import type { ToolsRuntime } from '../integration/tools/tools-runtime';
import { setUpToolsRuntime, tearDownToolsRuntime } from '../integration/tools/tools-runtime';

let rt: ToolsRuntime | undefined;

beforeAll(async () => {
  rt = await setUpToolsRuntime({ IMGFMT: 'qcow2' });
  setToolOutputSink(() => undefined); // the daemons' output is asserted on, not printed
});

afterEach(async () => {
  const errors = await shutdownAllVms();
  expect(errors.map((e) => e.message)).toEqual([]);
  expect(liveChildren()).toEqual([]);
});

afterAll(async () => {
  setToolOutputSink(undefined);
  await tearDownToolsRuntime(rt);
});

/** How long `promise` took to settle, and its rejection (it must reject). */
async function rejection(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - started };
}

/** Runs `fn` with a stand-in program as one of the configured binaries. */
async function withBinary<T>(
  key: 'qsd' | 'qemuNbd',
  program: string,
  fn: () => Promise<T>,
): Promise<T> {
  const saved = runtime();
  setRuntime({
    config: { ...saved.config, binaries: { ...saved.config.binaries, [key]: program } },
    capabilities: saved.capabilities,
  });
  try {
    return await fn();
  } finally {
    setRuntime(saved);
  }
}

describe('QEMU fails to launch', () => {
  test("a missing image: QEMU's own message, at once", async () => {
    const missing = filePath('no-such-image.qcow2');
    const vm = new VM({ pathSuffix: '-missing' });
    vm.addDrive(missing);
    const { error, ms } = await rejection(vm.launch());
    expect(ms).toBeLessThan(5_000); // a hang guard, not a benchmark
    expect(error).toBeInstanceOf(QemuLaunchError);
    const launch = error as QemuLaunchError;
    expect(launch.exitCode).toBe(1);
    expect(launch.output).toContain(`Could not open '${missing}': No such file or directory`);
    expect(launch.message).toContain(`Could not open '${missing}': No such file or directory`);
    expect(launch.message).toContain('QEMU exited with code 1');
    expect(vm.running).toBe(false);
    expect(readdirSync(fileContext().sockDir)).toEqual([]);
  });
});

describe('qemu-storage-daemon', () => {
  test('one that never writes its pid file is killed after the start timeout', async () => {
    const hang = filePath('hanging-qsd.sh');
    writeFileSync(hang, '#!/bin/sh\nexec sleep 600\n', { mode: 0o700 });
    const { error, ms } = await rejection(
      withBinary('qsd', hang, () => QemuStorageDaemon.start([], { startTimeoutMs: 300 })),
    );
    expect(ms).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(QemuToolError);
    expect((error as QemuToolError).timedOut).toBe(true);
    expect((error as QemuToolError).message).toMatch(
      /^qemu-storage-daemon did not write its pid file .*qsd-a-pid within 300 ms \(killed\): .*hanging-qsd\.sh/,
    );
  });

  test('one that dies under a QMP command: the command fails at once, stop() reports the death', async () => {
    const image = filePath('qsd.qcow2');
    await qemuImgCreate('-f', 'qcow2', image, '1M');
    const qsd = await QemuStorageDaemon.start(
      ['--blockdev', `driver=file,node-name=f,filename=${image}`],
      { qmp: true },
    );
    process.kill(qsd.pid, 'SIGSTOP'); // the command is surely pending when the SIGKILL lands
    const pending = rejection(qsd.qmp('query-named-block-nodes'));
    process.kill(qsd.pid, 'SIGKILL');
    const { error, ms } = await pending;
    expect(ms).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(QmpConnectionLostError);
    const stopped = await rejection(qsd.stop());
    expect(stopped.error).toBeInstanceOf(QemuToolError);
    expect((stopped.error as QemuToolError).message).toMatch(
      /^qemu-storage-daemon had already exited before stop\(\)/,
    );
    expect((stopped.error as QemuToolError).signal).toBe('SIGKILL');
    expect(existsSync(qsd.pidfile)).toBe(false);
  });
});

describe('qemu-nbd', () => {
  test('a server that dies while in use: the client sees it, the scope still ends cleanly', async () => {
    const image = filePath('nbd.qcow2');
    await qemuImgCreate('-f', 'qcow2', image, '1M');
    const socket = filePath('nbd.sock', { baseDir: fileContext().sockDir });
    const result = await withQemuNbd(['-k', socket, '-f', 'qcow2', image], () => {
      const server = liveChildren().find((child) => child.description === 'qemu-nbd server');
      process.kill(server?.pid ?? 0, 'SIGKILL');
      // A client of the dead server gets a clear refusal instead of a hang.
      return spawnSync(
        runtime().config.binaries.qemuIo,
        ['-f', 'raw', '-c', 'read 0 4k', `nbd+unix:///?socket=${socket}`],
        { encoding: 'utf8', timeout: 10_000 },
      );
    });
    expect(result.signal).toBeNull(); // not killed by the timeout: it did not hang
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /Failed to connect to '.*nbd\.sock': (Connection refused|No such file)/,
    );
  });
});
