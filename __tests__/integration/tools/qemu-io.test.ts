// qemu-io wrappers and QemuIoInteractive against the real qemu-io (IMGFMT=qcow2).
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

import { liveChildren } from '../../../src/machine';
import { filters } from '../../../src/iotests/filters';
import { filePath } from '../../../src/iotests/files';
import { resetTranscript, transcript } from '../../../src/iotests/transcript';
import {
  QemuIoInteractive,
  QemuToolError,
  qemuImgCreate,
  qemuImgInfo,
  qemuIo,
  qemuIoLog,
  qemuIoSilent,
  qemuIoSilentCheck,
  qemuIoWrapArgs,
} from '../../../src/iotests/tools';
import type { ToolsRuntime } from './tools-runtime';
import { setUpToolsRuntime, tearDownToolsRuntime } from './tools-runtime';

let rt: ToolsRuntime | undefined;
let img = '';

beforeAll(async () => {
  rt = await setUpToolsRuntime({ IMGFMT: 'qcow2' });
  img = filePath('io.qcow2');
  await qemuImgCreate('-f', 'qcow2', img, '1M');
});

afterAll(async () => {
  await tearDownToolsRuntime(rt);
});

async function caught(promise: Promise<unknown>): Promise<QemuToolError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(QemuToolError);
  return error as QemuToolError;
}

describe('qemuIoWrapArgs', () => {
  test('QEMU_IO_OPTIONS carry -f IMGFMT unless the caller picks the format', () => {
    const withFmt = qemuIoWrapArgs(['-c', 'read 0 1', img]);
    expect(withFmt.slice(1)).toEqual([
      '--cache',
      'writeback',
      '--aio',
      'threads',
      '-f',
      'qcow2',
      '-c',
      'read 0 1',
      img,
    ]);
    expect(qemuIoWrapArgs(['-f', 'raw', img]).slice(1)).toEqual([
      '--cache',
      'writeback',
      '--aio',
      'threads',
      '-f',
      'raw',
      img,
    ]);
    expect(qemuIoWrapArgs(['--image-opts', 'driver=qcow2']).slice(1, 5)).toEqual([
      '--cache',
      'writeback',
      '--aio',
      'threads',
    ]);
  });
});

describe('qemuIo (7.2: raises on failure)', () => {
  test('write and read back a pattern; a wrong pattern fails the run', async () => {
    const wrote = await qemuIo('-c', 'write -P 0xab 0 4k', img);
    expect(wrote.stdout).toMatch(/^wrote 4096\/4096 bytes at offset 0\n/);
    const read = await qemuIo('-c', 'read -P 0xab 0 4k', img);
    expect(read.stdout).toMatch(/^read 4096\/4096 bytes at offset 0\n/);
    const error = await caught(qemuIo('-c', 'read -P 0xcd 0 4k', img));
    expect(error.exitCode).toBe(1);
    expect(error.stdout).toContain('Pattern verification failed at offset 0, 4096 bytes');
    const unchecked = await qemuIo('-c', 'read -P 0xcd 0 4k', img, { check: false });
    expect(unchecked.returncode).toBe(1);
  });

  test('qemuIoLog writes the filtered output (timings masked) to the transcript', async () => {
    resetTranscript();
    await qemuIoLog('-c', 'write -P 1 0 4096', img);
    expect(transcript()).toBe(
      'wrote 4096/4096 bytes at offset 0\n' +
        '4 KiB, X ops; XX:XX:XX.X (XXX YYY/sec and XXX ops/sec)\n\n',
    );
  });

  test('stdout and stderr arrive in the order qemu-io wrote them, every time', async () => {
    const small = filePath('order.raw');
    await qemuImgCreate('-f', 'raw', small, '64k');
    const commands = [
      'read 0 512',
      'read 1M 512',
      'write -P 1 0 512',
      'read -P 2 0 512',
      'read 2M 1',
      'read 0 512',
    ];
    const args = commands.flatMap((command) => ['-c', command]);
    const expected =
      'read 512/512 bytes at offset 0\n' +
      '512 bytes, X ops; XX:XX:XX.X (XXX YYY/sec and XXX ops/sec)\n' +
      'read failed: Input/output error\n' +
      'wrote 512/512 bytes at offset 0\n' +
      '512 bytes, X ops; XX:XX:XX.X (XXX YYY/sec and XXX ops/sec)\n' +
      'Pattern verification failed at offset 0, 512 bytes\n' +
      'read 512/512 bytes at offset 0\n' +
      '512 bytes, X ops; XX:XX:XX.X (XXX YYY/sec and XXX ops/sec)\n' +
      'read failed: Input/output error\n' +
      'read 512/512 bytes at offset 0\n' +
      '512 bytes, X ops; XX:XX:XX.X (XXX YYY/sec and XXX ops/sec)\n';
    for (let run = 0; run < 20; run++) {
      const result = await qemuIo('-f', 'raw', ...args, small, { check: false });
      expect(filters.qemuIo(result.stdout)).toBe(expected);
    }
  });
});

describe('a tool killed by a signal', () => {
  test('7.2 style: QemuToolError even with check: false', async () => {
    const scratch = filePath('abort.qcow2');
    await qemuImgCreate('-f', 'qcow2', scratch, '1M');
    const error = await caught(qemuIo('-c', 'abort', scratch, { check: false }));
    expect(error.signal).toBe('SIGABRT');
    expect(error.exitCode).toBeNull();
    expect(error.returncode).toBe(-6);
    expect(error.message).toMatch(
      /^Command '.*qemu-io .*abort.*' died with <Signals\.SIGABRT: 6>\./,
    );
  });

  test("seed style: the status is -N and stderr says '<tool> received signal N: <cmd>'", async () => {
    const scratch = filePath('abort2.qcow2');
    await qemuImgCreate('-f', 'qcow2', scratch, '1M');
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      writes.push(String(chunk));
      return true;
    });
    let status: number;
    try {
      status = await qemuIoSilent('-c', 'abort', scratch);
    } finally {
      spy.mockRestore();
    }
    expect(status).toBe(-6);
    const command = qemuIoWrapArgs(['-c', 'abort', scratch]).join(' ');
    expect(writes).toContain(`qemu-io received signal 6: ${command}\n`);
  });
});

describe("the seed's silent variants", () => {
  test('qemuIoSilent returns the status; qemuIoSilentCheck a boolean', async () => {
    expect(await qemuIoSilent('-c', 'write 0 512', img)).toBe(0);
    expect(await qemuIoSilentCheck('-c', 'read 0 512', img)).toBe(true);
    expect(await qemuIoSilentCheck('-c', 'read -P 0x77 0 512', img)).toBe(false);
  });
});

describe('file names reach the tools intact (no shell)', () => {
  test('spaces, quotes, $(), ; and non-ASCII', async () => {
    const name = `we ird 'sq' "dq" $(touch pwned) ; rm -rf x; \`id\` üñï 字.qcow2`;
    const odd = filePath(name);
    await qemuImgCreate('-f', 'qcow2', odd, '1M');
    expect(existsSync(odd)).toBe(true);
    await qemuIo('-c', 'write -P 0x42 0 512', odd);
    await qemuIo('-c', 'read -P 0x42 0 512', odd);
    const info = (await qemuImgInfo('-f', 'qcow2', odd)) as Record<string, unknown>;
    expect(info.filename).toBe(odd);
    const dir = path.dirname(odd);
    // Only the image itself: a shell would have run `touch pwned`.
    expect((await readdir(dir)).filter((entry) => entry.includes('pwned'))).toEqual([
      path.basename(odd),
    ]);
    expect(existsSync(path.join(process.cwd(), 'pwned'))).toBe(false);
  });
});

describe('QemuIoInteractive', () => {
  test('several commands, each answered up to the next prompt, then close', async () => {
    const qio = await QemuIoInteractive.start('-f', 'qcow2', img);
    try {
      expect(liveChildren().map((child) => child.pid)).toContain(qio.pid);
      const wrote = await qio.cmd('write -P 0x11 0 512');
      expect(filters.qemuIo(wrote)).toBe(
        'wrote 512/512 bytes at offset 0\n512 bytes, X ops; XX:XX:XX.X (XXX YYY/sec and XXX ops/sec)\n',
      );
      expect(await qio.cmd('  read -P 0x11 0 512  ')).toMatch(/^read 512\/512 bytes at offset 0\n/);
      expect(filters.qemuIo(await qio.cmd('read -P 0x22 0 512'))).toBe(
        'Pattern verification failed at offset 0, 512 bytes\n' +
          'read 512/512 bytes at offset 0\n' +
          '512 bytes, X ops; XX:XX:XX.X (XXX YYY/sec and XXX ops/sec)\n',
      );
      expect(await qio.cmd('help open')).toContain('open the file specified by path');
    } finally {
      await qio.close();
    }
    await qio.close(); // idempotent
    expect(liveChildren().map((child) => child.pid)).not.toContain(qio.pid);
    await expect(qio.cmd('read 0 1')).rejects.toThrow('this qemu-io was closed');
  });

  test('bad commands are refused before anything is sent', async () => {
    const qio = await QemuIoInteractive.start('-f', 'qcow2', img);
    try {
      await expect(qio.cmd('read 0 1\nread 0 2')).rejects.toThrow('without newlines');
      await expect(qio.cmd(' quit ')).rejects.toThrow('use close()');
      expect(await qio.cmd('read 0 512')).toMatch(/^read 512\/512/);
    } finally {
      await qio.close();
    }
  });

  test('a qemu-io that cannot start fails with its output', async () => {
    const error = await caught(QemuIoInteractive.start('-f', 'qcow2', filePath('missing.qcow2')));
    expect(error.message).toContain('qemu-io exited unexpectedly');
    expect(error.stdout).toContain("can't open device");
    expect(error.exitCode).toBe(1);
  });

  test('qemu-io dying mid-command fails with the output so far', async () => {
    const scratch = filePath('interactive-abort.qcow2');
    await qemuImgCreate('-f', 'qcow2', scratch, '1M');
    const qio = await QemuIoInteractive.start('-f', 'qcow2', scratch);
    expect(await qio.cmd('write 0 512')).toMatch(/^wrote 512\/512/);
    const error = await caught(qio.cmd('abort'));
    expect(error.message).toContain('qemu-io exited unexpectedly');
    expect(error.signal).toBe('SIGABRT');
    await qio.close();
  });
});
