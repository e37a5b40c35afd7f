// The process registry with ordinary processes (sleep) standing in for QEMU.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, jest, test } from '@jest/globals';
import {
  killChildrenOwnedBy,
  liveChildren,
  registerChild,
  registryDirectory,
  sweepOrphans,
} from '../../../src/machine';
import { hostProcess, sharedMachineState } from '../../../src/machine/host-process';
import { registerSpawnedChild } from '../../../src/machine/registry';
import type * as registryModule from '../../../src/machine/registry';
import { waitFor } from '../../faults/support/leftovers';

const children: ChildProcess[] = [];

function startSleeper(): ChildProcess & { pid: number } {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  return child as ChildProcess & { pid: number };
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.signalCode);
  }
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
}

/** The pid of a process that has certainly exited. */
function deadPid(): number {
  const result = spawnSync('sh', ['-c', 'echo $$']);
  return Number(result.stdout.toString().trim());
}

function startTimeOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

/** Writes a registry entry as a dead owner would have left it. */
function plantOrphanEntry(
  pid: number,
  startTime: number,
  ownerPid = deadPid(),
  cleanupPaths: string[] = [],
): string {
  const path = join(registryDirectory(), `${pid}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      pid,
      description: 'planted orphan',
      startTime,
      cmdline: readFileSync(`/proc/${pid}/cmdline`, 'latin1'),
      ownerPid,
      ownerStartTime: 1,
      cleanupPaths,
    }),
  );
  return path;
}

afterEach(() => {
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
  }
});

describe('registerChild', () => {
  test('records the child on disk and in memory until unregistered', () => {
    const sleeper = startSleeper();
    const unregister = registerChild(sleeper.pid, 'a sleeper');
    const entryPath = join(registryDirectory(), `${sleeper.pid}.json`);
    expect(statSync(registryDirectory()).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(entryPath, 'utf8'))).toMatchObject({
      pid: sleeper.pid,
      description: 'a sleeper',
      ownerPid: process.pid,
      startTime: startTimeOf(sleeper.pid),
      cmdline: 'sleep\u000030\u0000',
    });
    expect(liveChildren()).toContainEqual({ pid: sleeper.pid, description: 'a sleeper' });
    unregister();
    unregister();
    expect(existsSync(entryPath)).toBe(false);
    expect(liveChildren().map((child) => child.pid)).not.toContain(sleeper.pid);
  });

  test('refuses a pid that is not a positive integer', () => {
    expect(() => registerChild(0, 'x')).toThrow('pid must be a positive integer, got 0');
    expect(() => registerChild(1.5, 'x')).toThrow(TypeError);
  });
});

describe('registerSpawnedChild', () => {
  /** Resolves once `check` holds, polling; the file is removed in the background. */
  test('is in memory at once, on disk once persisted, and gone after unregister', async () => {
    const sleeper = startSleeper();
    const argv = ['sleep', '30'];
    const registration = registerSpawnedChild(sleeper.pid, argv, 'a spawned sleeper', {
      cleanupPaths: ['/nonexistent/private-dir'],
    });
    // Covered by the exit hooks before any I/O completes.
    expect(liveChildren()).toContainEqual({ pid: sleeper.pid, description: 'a spawned sleeper' });
    await registration.persisted;
    const entryPath = join(registryDirectory(), `${sleeper.pid}.json`);
    // No /proc read: the argv identifies the process, and no start time is recorded.
    expect(JSON.parse(readFileSync(entryPath, 'utf8'))).toMatchObject({
      pid: sleeper.pid,
      description: 'a spawned sleeper',
      startTime: null,
      cmdline: 'sleep\u000030\u0000',
      ownerPid: process.pid,
      cleanupPaths: ['/nonexistent/private-dir'],
    });
    registration.unregister();
    registration.unregister();
    expect(liveChildren().map((child) => child.pid)).not.toContain(sleeper.pid);
    await waitFor(() => !existsSync(entryPath), 'the registry file to go');
  });

  test('unregistered before its file is written, it leaves no file behind', async () => {
    const sleeper = startSleeper();
    const registration = registerSpawnedChild(sleeper.pid, ['sleep', '30'], 'quickly gone');
    registration.unregister(); // the write is still in flight
    await registration.persisted;
    await waitFor(
      () => !existsSync(join(registryDirectory(), `${sleeper.pid}.json`)),
      'the registry file to go',
    );
  });

  test('a child registered this way is killed by killChildrenOwnedBy like any other', async () => {
    const sleeper = startSleeper();
    const registration = registerSpawnedChild(sleeper.pid, ['sleep', '30'], 'to be killed');
    await registration.persisted;
    const killed = killChildrenOwnedBy(process.pid);
    expect(killed).toContainEqual({ pid: sleeper.pid, description: 'to be killed' });
    expect(await exited(sleeper)).toBe('SIGKILL');
    registration.unregister();
  });

  test('refuses a pid that is not a positive integer', () => {
    expect(() => registerSpawnedChild(-1, ['x'], 'x')).toThrow(
      'registerSpawnedChild: pid must be a positive integer, got -1',
    );
  });
});

describe('sweepOrphans', () => {
  test('kills a child whose owner is dead and removes its entry and directories', async () => {
    const orphan = startSleeper();
    const leftover = mkdtempSync(join(tmpdir(), 'orphan-dir-'));
    writeFileSync(join(leftover, 'qmp.sock'), '');
    const entry = plantOrphanEntry(orphan.pid, startTimeOf(orphan.pid), deadPid(), [leftover]);
    const { killed } = await sweepOrphans();
    expect(killed).toContainEqual({ pid: orphan.pid, description: 'planted orphan' });
    expect(await exited(orphan)).toBe('SIGKILL');
    expect(existsSync(entry)).toBe(false);
    expect(existsSync(leftover)).toBe(false);
  });

  test('never kills a process that reused the pid (different start time)', async () => {
    const bystander = startSleeper();
    const entry = plantOrphanEntry(bystander.pid, startTimeOf(bystander.pid) - 1);
    const { killed } = await sweepOrphans();
    expect(killed.map((k) => k.pid)).not.toContain(bystander.pid);
    expect(bystander.exitCode).toBeNull();
    expect(bystander.signalCode).toBeNull();
    expect(existsSync(entry)).toBe(false); // stale entry cleaned up
  });

  test('leaves the children of a live owner alone', async () => {
    const mine = startSleeper();
    const unregister = registerChild(mine.pid, 'still owned');
    try {
      const { killed } = await sweepOrphans();
      expect(killed.map((k) => k.pid)).not.toContain(mine.pid);
      expect(existsSync(join(registryDirectory(), `${mine.pid}.json`))).toBe(true);
    } finally {
      unregister();
    }
  });

  test('drops unreadable entries', async () => {
    const junk = join(registryDirectory(), '999999999.json');
    writeFileSync(junk, 'not json');
    await sweepOrphans();
    expect(existsSync(junk)).toBe(false);
  });
});

describe('killChildrenOwnedBy', () => {
  test('kills the live children of this process at once', async () => {
    const sleeper = startSleeper();
    registerChild(sleeper.pid, 'left behind');
    const killed = killChildrenOwnedBy(process.pid);
    expect(killed).toContainEqual({ pid: sleeper.pid, description: 'left behind' });
    expect(await exited(sleeper)).toBe('SIGKILL');
    expect(liveChildren().map((child) => child.pid)).not.toContain(sleeper.pid);
    expect(existsSync(join(registryDirectory(), `${sleeper.pid}.json`))).toBe(false);
  });

  test("kills another owner's registered children, and only that owner's", async () => {
    const owner = deadPid();
    const theirs = startSleeper();
    const bystander = startSleeper();
    plantOrphanEntry(theirs.pid, startTimeOf(theirs.pid), owner);
    const otherEntry = plantOrphanEntry(bystander.pid, startTimeOf(bystander.pid), owner + 1);
    const killed = killChildrenOwnedBy(owner);
    expect(killed).toEqual([{ pid: theirs.pid, description: 'planted orphan' }]);
    expect(await exited(theirs)).toBe('SIGKILL');
    expect(bystander.signalCode).toBeNull();
    expect(existsSync(otherEntry)).toBe(true);
    rmSync(otherEntry);
  });
});

describe('exit and signal hooks', () => {
  test('are installed once on the real process, however many copies of the module register', () => {
    const sleeper = startSleeper();
    registerChild(sleeper.pid, 'first copy')();
    // Inside Jest, `process` is a sandbox copy that never sees the real 'exit' or signals.
    expect(hostProcess).not.toBe(process);
    expect(sharedMachineState().hooksInstalled).toBe(true);
    const before = hostProcess.listenerCount('SIGTERM');
    expect(before).toBeGreaterThan(0);
    let otherRegister: typeof registerChild | undefined;
    jest.isolateModules(() => {
      otherRegister = jest.requireActual<typeof registryModule>(
        '../../../src/machine/registry',
      ).registerChild;
    });
    expect(otherRegister).not.toBe(registerChild);
    const unregister = (otherRegister as typeof registerChild)(sleeper.pid, 'second copy');
    expect(hostProcess.listenerCount('SIGTERM')).toBe(before);
    // Both copies share one list of children.
    expect(liveChildren()).toContainEqual({ pid: sleeper.pid, description: 'second copy' });
    unregister();
    expect(liveChildren().map((child) => child.pid)).not.toContain(sleeper.pid);
  });
});
