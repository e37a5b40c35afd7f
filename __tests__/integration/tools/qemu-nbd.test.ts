// qemu-nbd wrappers against the real qemu-nbd: a scoped server read back through qemu-io, a server
// that fails to start, one whose scope throws, export listing, and --fork daemons tracked by their
// pid files (the test's own, or one the wrapper adds).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';

import { runFileCleanups } from '../../../src/iotests/cleanup';
import { fileContext } from '../../../src/iotests/context';
import { filePath } from '../../../src/iotests/files';
import { runtime, setRuntime } from '../../../src/iotests/runtime';
import { resetTranscript, transcript } from '../../../src/iotests/transcript';
import {
  QemuToolError,
  pidFileArgument,
  qemuImgCreate,
  qemuIo,
  qemuNbd,
  qemuNbdEarlyPipe,
  qemuNbdListLog,
  setToolOutputSink,
  withQemuNbd,
} from '../../../src/iotests/tools';
import { readPidFile } from '../../../src/iotests/tools/pidfile';
import { liveChildren } from '../../../src/machine';
import { isRunning } from '../../faults/support/leftovers';
import type { ToolsRuntime } from './tools-runtime';
import { setUpToolsRuntime, tearDownToolsRuntime } from './tools-runtime';

let rt: ToolsRuntime | undefined;
let img = '';

beforeAll(async () => {
  rt = await setUpToolsRuntime({ IMGFMT: 'qcow2' });
  img = filePath('nbd.qcow2');
  await qemuImgCreate('-f', 'qcow2', img, '1M');
  await qemuIo('-c', 'write -P 0x5a 0 64k', img);
});

afterAll(async () => {
  setToolOutputSink(undefined);
  await tearDownToolsRuntime(rt);
});

function socketPath(name: string): string {
  return filePath(name, { baseDir: fileContext().sockDir });
}

function nbdServerPids(): number[] {
  return liveChildren()
    .filter((child) => child.description.startsWith('qemu-nbd'))
    .map((child) => child.pid);
}

describe('withQemuNbd', () => {
  test('serves the image for the scope, logs start and kill, then the server is gone', async () => {
    const sock = socketPath('scoped.sock');
    resetTranscript();
    let serverPids: number[] = [];
    const read = await withQemuNbd(['-k', sock, '-f', 'qcow2', img], async () => {
      serverPids = nbdServerPids();
      const viaUri = await qemuIo(
        '-f',
        'raw',
        '-c',
        'read -P 0x5a 0 64k',
        `nbd+unix:///?socket=${sock}`,
      );
      const viaOpts = await qemuIo(
        '--image-opts',
        '-c',
        'read -P 0x5a 0 4k',
        `driver=nbd,server.type=unix,server.path=${sock}`,
      );
      return [viaUri.stdout, viaOpts.stdout];
    });
    expect(read[0]).toMatch(/^read 65536\/65536 bytes at offset 0\n/);
    expect(read[1]).toMatch(/^read 4096\/4096 bytes at offset 0\n/);
    expect(transcript()).toBe('Start NBD server\nKill NBD server\n');
    expect(serverPids).toHaveLength(1);
    expect(isRunning(serverPids[0])).toBe(false);
    expect(nbdServerPids()).toEqual([]);
    expect(existsSync(filePath('qemu_nbd_popen-nbd-pid-file'))).toBe(false);
  });

  test('the server is killed when the scope throws, and the error comes through', async () => {
    const sock = socketPath('throws.sock');
    resetTranscript();
    let serverPid = 0;
    await expect(
      withQemuNbd(['-k', sock, '-f', 'qcow2', img], () => {
        serverPid = nbdServerPids()[0] ?? 0;
        throw new Error('scope failed');
      }),
    ).rejects.toThrow('scope failed');
    expect(serverPid).toBeGreaterThan(0);
    expect(isRunning(serverPid)).toBe(false);
    expect(transcript()).toBe('Start NBD server\nKill NBD server\n');
  });

  test('a server that dies before writing its pid file fails fast with code, command, output', async () => {
    const sock = socketPath('bad.sock');
    const missing = filePath('missing.qcow2');
    resetTranscript();
    const started = Date.now();
    const error = await withQemuNbd(['-k', sock, '-f', 'qcow2', missing], () => 'unreached').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(QemuToolError);
    const toolError = error as QemuToolError;
    expect(toolError.message).toMatch(
      /^qemu-nbd terminated with exit code 1: .*qemu-nbd .*--persistent/,
    );
    expect(toolError.message).toContain(missing);
    expect(toolError.stdout).toContain('Could not open');
    expect(toolError.exitCode).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(transcript()).toBe('Start NBD server\nKill NBD server\n');
  });

  test('a server that never writes its pid file is killed after the start timeout', async () => {
    // A stand-in "qemu-nbd" that just waits: it never writes the pid file.
    const hang = filePath('hanging-qemu-nbd.sh');
    await writeFile(hang, '#!/bin/sh\nexec sleep 600\n', { mode: 0o700 });
    const saved = runtime();
    setRuntime({
      config: { ...saved.config, binaries: { ...saved.config.binaries, qemuNbd: hang } },
      capabilities: saved.capabilities,
    });
    let error: unknown;
    try {
      error = await withQemuNbd(['-k', socketPath('slow.sock')], () => 'unreached', {
        startTimeoutMs: 300,
      }).catch((e: unknown) => e);
    } finally {
      setRuntime(saved);
    }
    expect(error).toBeInstanceOf(QemuToolError);
    expect((error as QemuToolError).timedOut).toBe(true);
    expect((error as QemuToolError).message).toMatch(
      /^qemu-nbd did not write its pid file .* within 300 ms \(killed\): .*hanging-qemu-nbd\.sh/,
    );
    expect(nbdServerPids()).toEqual([]);
  });
});

describe('qemuNbdListLog', () => {
  test('lists the exports with block sizes masked', async () => {
    const sock = socketPath('list.sock');
    resetTranscript();
    await withQemuNbd(['-k', sock, '-x', 'exp', '-f', 'qcow2', img], async () => {
      const output = await qemuNbdListLog('-k', sock);
      expect(output).toContain("export: 'exp'");
    });
    const lines = transcript().split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'Start NBD server',
      'exports available: 1',
      " export: 'exp'",
      '  size:  1048576',
    ]);
    expect(lines).toEqual(
      expect.arrayContaining(['  min block: XXX', '  opt block: XXX', '  max block: XXX']),
    );
    expect(lines.slice(-3)).toEqual(['', 'Kill NBD server', '']);
  });
});

describe("the seed's --fork wrappers", () => {
  test('qemuNbdEarlyPipe: a failure returns its status, stderr goes to the tool-output sink', async () => {
    const passed: string[] = [];
    setToolOutputSink((text) => passed.push(text));
    try {
      const [status, output] = await qemuNbdEarlyPipe(
        '-k',
        socketPath('early.sock'),
        '-f',
        'qcow2',
        filePath('early-missing.qcow2'),
      );
      expect(status).toBe(1);
      expect(output).toBe('');
      expect(passed.join('')).toContain('Could not open');
    } finally {
      setToolOutputSink(undefined);
    }
  });

  test('pidFileArgument finds both spellings', () => {
    expect(pidFileArgument(['-k', 's', '--pid-file', '/p/a'])).toBe('/p/a');
    expect(pidFileArgument(['--pid-file=/p/b', '-f', 'raw'])).toBe('/p/b');
    expect(pidFileArgument(['-k', 's'])).toBeUndefined();
  });

  // Runs the file's cleanups: keep it last in this file.
  test('qemuNbd daemonizes; the daemon is tracked and killed at file cleanup, pid file or not', async () => {
    // Without --pid-file of the test's own, the wrapper adds one in the file's socket dir.
    const bare = socketPath('fork-bare.sock');
    const bareImg = filePath('nbd-bare.qcow2');
    await qemuImgCreate('-f', 'qcow2', bareImg, '1M');
    expect(await qemuNbd('-k', bare, '-f', 'qcow2', bareImg)).toBe(0);
    const added = liveChildren().filter((child) =>
      child.description.includes(`pid file ${fileContext().sockDir}/`),
    );
    expect(added.map((child) => child.description)).toEqual([
      expect.stringMatching(/^qemu-nbd --fork daemon \(pid file .*qemu-nbd-fork-\d+\.pid\)$/),
    ]);
    const bareDaemon = added[0].pid;
    expect(isRunning(bareDaemon)).toBe(true);

    const sock = socketPath('fork.sock');
    const pidfile = filePath('fork.pid');
    expect(await qemuNbd('-k', sock, '--pid-file', pidfile, '-f', 'qcow2', img)).toBe(0);
    const pid = await readPidFile(pidfile);
    expect(pid).toBeDefined();
    const daemon = pid as number;
    expect(isRunning(daemon)).toBe(true);
    expect(liveChildren().map((child) => child.pid)).toContain(daemon);
    const read = await qemuIo(
      '-f',
      'raw',
      '-c',
      'read -P 0x5a 0 4k',
      `nbd+unix:///?socket=${sock}`,
    );
    expect(read.stdout).toMatch(/^read 4096\/4096/);
    expect(await runFileCleanups()).toEqual([]);
    for (const pid of [daemon, bareDaemon]) {
      expect(isRunning(pid)).toBe(false);
      expect(liveChildren().map((child) => child.pid)).not.toContain(pid);
    }
  });
});
