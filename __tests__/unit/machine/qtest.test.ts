// The qtest line protocol against a fake QEMU side (a socket pair over a UNIX socket).

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { QemuMachineError, QtestClient } from '../../../src/machine';

let dir: string;
let server: Server;
let qemuSide: Socket;
let client: QtestClient;
const received: string[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qt-'));
  received.length = 0;
  server = createServer();
  const path = join(dir, 'q.sock');
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const ourSide = connect(path);
  qemuSide = await accepted;
  qemuSide.setEncoding('utf8');
  qemuSide.on('data', (chunk: string) => received.push(chunk));
  client = new QtestClient(ourSide, 1_000, () => 'fake QEMU hung up');
});

afterEach(async () => {
  client.close();
  qemuSide.destroy();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves once the fake QEMU has received `count` lines. */
async function linesReceived(count: number): Promise<string[]> {
  for (let i = 0; i < 200; i++) {
    const lines = received.join('').split('\n').filter(Boolean);
    if (lines.length >= count) {
      return lines;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`only got ${JSON.stringify(received)}`);
}

describe('QtestClient', () => {
  test('matches replies to commands in order and skips IRQ lines', async () => {
    const first = client.command('readl 0x0');
    const second = client.command('outb 0x3f8 0x41');
    expect(await linesReceived(2)).toEqual(['readl 0x0', 'outb 0x3f8 0x41']);
    // IRQ notifications may come before, between and inside reply chunks.
    qemuSide.write('IRQ raise 0\nOK 0x00000000000000');
    qemuSide.write('2a\nIRQ lower 0\nIRQ raise 4\n');
    qemuSide.write('FAIL Unknown command\n');
    await expect(first).resolves.toBe('OK 0x000000000000002a');
    await expect(second).resolves.toBe('FAIL Unknown command');
  });

  test('a timeout fails the call and the connection (replies could no longer be matched)', async () => {
    const call = client.command('readl 0x0', 50);
    await expect(call).rejects.toThrow(/no reply to qtest command 'readl 0x0' within 50 ms/);
    await expect(client.command('readl 0x4')).rejects.toThrow(QemuMachineError);
  });

  test('a hang-up fails pending and later calls with the reason', async () => {
    const call = client.command('readl 0x0');
    await linesReceived(1);
    qemuSide.destroy();
    await expect(call).rejects.toThrow("qtest command 'readl 0x0' failed: fake QEMU hung up");
    await expect(client.command('readl 0x4')).rejects.toThrow(/fake QEMU hung up/);
  });

  test('a command must be one line', async () => {
    await expect(client.command('readl 0x0\nreadl 0x4')).rejects.toThrow(
      'qtest command must be a single line, got "readl 0x0\\nreadl 0x4"',
    );
  });
});
