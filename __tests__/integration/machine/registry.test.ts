// No QEMU outlives its owner: exit/signal hooks in the owner, and sweepOrphans() for owners that
// died too hard to run any hook (SIGKILL). Each owner is a separate Node process.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { sweepOrphans } from '../../../src/machine';
import { isRunning } from '../../faults/support/leftovers';
import { QEMU_BINARY, sleep } from './helpers';

const sockDir = mkdtempSync(join(tmpdir(), 'mr-'));
const ownerScript = join(__dirname, 'fixtures', 'machine-owner.js');
const qemuPids: number[] = [];

afterAll(() => {
  // Whatever happens above, no QEMU of ours survives this file.
  for (const pid of qemuPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
  }
  rmSync(sockDir, { recursive: true, force: true });
});

async function waitUntilDead(pid: number, limitMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) {
      return false;
    }
    await sleep(10);
  }
  return true;
}

/** Starts an owner process; resolves once its QEMU runs. */
async function startOwner(mode: 'wait' | 'exit') {
  const owner = spawn(process.execPath, [ownerScript, QEMU_BINARY, sockDir, mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  owner.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    owner.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const qemuPid = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`owner did not report: ${stderr}`)), 30_000);
    owner.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line !== undefined) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { qemuPid: number }).qemuPid);
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`owner exited (${code}) before reporting: ${stderr}`));
    });
  });
  qemuPids.push(qemuPid);
  return { owner, qemuPid, exited };
}

describe('process registry', () => {
  test('sweepOrphans kills the QEMU of an owner that was SIGKILLed, and only then', async () => {
    const { owner, qemuPid, exited } = await startOwner('wait');
    expect(isRunning(qemuPid)).toBe(true);

    // The owner lives: its QEMU is not an orphan.
    const early = await sweepOrphans();
    expect(early.killed.map((entry) => entry.pid)).not.toContain(qemuPid);
    expect(isRunning(qemuPid)).toBe(true);

    owner.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    // No hook could run: QEMU is orphaned and still runs.
    await sleep(100);
    expect(isRunning(qemuPid)).toBe(true);

    const swept = await sweepOrphans();
    expect(swept.killed).toContainEqual({
      pid: qemuPid,
      description: expect.stringContaining('qemu-system-x86_64') as unknown as string,
    });
    expect(await waitUntilDead(qemuPid)).toBe(true);
    expect(readdirSync(sockDir)).toEqual([]); // its private socket dir went too
    // The entry is gone: a second sweep finds nothing of it.
    const again = await sweepOrphans();
    expect(again.killed.map((entry) => entry.pid)).not.toContain(qemuPid);
  });

  test("the owner's exit hook kills its QEMU when it exits without shutting down", async () => {
    const { qemuPid, exited } = await startOwner('exit');
    expect((await exited).code).toBe(0);
    expect(await waitUntilDead(qemuPid)).toBe(true);
    expect(readdirSync(sockDir)).toEqual([]);
  });

  test("the owner's SIGTERM hook kills its QEMU and the owner still dies of SIGTERM", async () => {
    const { owner, qemuPid, exited } = await startOwner('wait');
    owner.kill('SIGTERM');
    expect((await exited).signal).toBe('SIGTERM');
    expect(await waitUntilDead(qemuPid)).toBe(true);
    expect(readdirSync(sockDir)).toEqual([]);
  });
});
