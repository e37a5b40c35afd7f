// RegisteredChild.killAndWait, the registry's way to end a process that is not a child of ours
// (a `qemu-nbd --fork` daemon), with ordinary processes (sleep, sh) standing in for it. They are
// spawned detached and treated as foreign: nothing here waits for their 'exit' event, only /proc.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, jest, test } from '@jest/globals';
import { liveChildren, registerChild, registryDirectory } from '../../../src/machine';
import { hostProcess, sharedMachineState } from '../../../src/machine/host-process';
import { readProcCmdline } from '../../../src/machine/proc-info';
import { isRunning, waitFor } from '../../faults/support/leftovers';

const children: ChildProcess[] = [];

function start(command: string, args: string[]): ChildProcess & { pid: number } {
  const child = spawn(command, args, { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  children.push(child);
  if (child.pid === undefined) {
    throw new Error(`could not spawn ${command}`);
  }
  return child as ChildProcess & { pid: number };
}

function isRegistered(pid: number): boolean {
  return liveChildren().some((child) => child.pid === pid);
}

function entryPath(pid: number): string {
  return join(registryDirectory(), `${pid}.json`);
}

/** Records every signal the registry sends to `pid` (and still sends it). */
function spyOnKills(pid: number): Array<string | number | undefined> {
  const sent: Array<string | number | undefined> = [];
  const realKill = hostProcess.kill.bind(hostProcess);
  jest.spyOn(hostProcess, 'kill').mockImplementation((target, signal) => {
    if (target === pid) sent.push(signal);
    return realKill(target, signal);
  });
  return sent;
}

afterEach(() => {
  jest.restoreAllMocks();
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
  }
});

describe('RegisteredChild.killAndWait', () => {
  test('SIGKILLs a registered process that is still the same one, waits until gone, unregisters', async () => {
    const sleeper = start('sleep', ['60']);
    const registration = registerChild(sleeper.pid, 'a foreign sleeper');
    expect(isRegistered(sleeper.pid)).toBe(true);
    expect(existsSync(entryPath(sleeper.pid))).toBe(true);
    const sent = spyOnKills(sleeper.pid);

    await expect(registration.killAndWait()).resolves.toBe(true);

    expect(sent).toEqual(['SIGKILL']);
    // Checked as soon as it resolves: it waited until the process was gone (or a zombie).
    expect(isRunning(sleeper.pid)).toBe(false);
    expect(isRegistered(sleeper.pid)).toBe(false);
    expect(existsSync(entryPath(sleeper.pid))).toBe(false);
    // Unregistering again (the callable itself) stays harmless.
    registration();
    await expect(registration.killAndWait()).resolves.toBe(false);
  });

  test('a process that has already exited is not signalled, and the call returns promptly', async () => {
    const sleeper = start('sleep', ['60']);
    const registration = registerChild(sleeper.pid, 'exits first');
    sleeper.kill('SIGKILL');
    await waitFor(() => !isRunning(sleeper.pid), 'the sleeper is gone');
    const sent = spyOnKills(sleeper.pid);

    const began = Date.now();
    await expect(registration.killAndWait()).resolves.toBe(false);
    // Promptly, not after the 5 s default wait (the bound only has to tell the two apart).
    expect(Date.now() - began).toBeLessThan(4_000);

    expect(sent).toEqual([]);
    expect(isRegistered(sleeper.pid)).toBe(false);
    expect(existsSync(entryPath(sleeper.pid))).toBe(false);
  });

  test('a pid now running another command line (same pid, same start time) is left alone', async () => {
    // Registered while it is `sh`; then it execs `sleep`, which the registry must not take for it.
    const shell = start('sh', ['-c', 'read line; exec sleep 60']);
    const registration = registerChild(shell.pid, 'becomes something else');
    shell.stdin?.write('go\n');
    await waitFor(
      () => readProcCmdline(shell.pid) === 'sleep\u000060\u0000',
      'the shell has exec-ed sleep',
    );
    const sent = spyOnKills(shell.pid);

    const began = Date.now();
    await expect(registration.killAndWait()).resolves.toBe(false);
    expect(Date.now() - began).toBeLessThan(4_000);

    expect(sent).toEqual([]);
    expect(isRunning(shell.pid)).toBe(true);
    expect(isRegistered(shell.pid)).toBe(false);
    expect(existsSync(entryPath(shell.pid))).toBe(false);
  });

  test('a pid whose start time differs from the recorded one (pid reuse) is left alone', async () => {
    const sleeper = start('sleep', ['60']);
    const stale = registerChild(sleeper.pid, 'an earlier process with this pid');
    // What registering a process that has since exited and had its pid reused would leave.
    const entry = sharedMachineState().children.get(sleeper.pid);
    expect(entry?.startTime).toEqual(expect.any(Number));
    if (entry?.startTime !== undefined) entry.startTime -= 1;
    // The process that now holds the pid is registered too, by someone else.
    const current = registerChild(sleeper.pid, 'the current process');
    const sent = spyOnKills(sleeper.pid);

    await expect(stale.killAndWait()).resolves.toBe(false);
    expect(sent).toEqual([]);
    expect(isRunning(sleeper.pid)).toBe(true);
    // Bound to its own registration: the current one stays registered, on disk too.
    expect(liveChildren()).toContainEqual({
      pid: sleeper.pid,
      description: 'the current process',
    });
    expect(existsSync(entryPath(sleeper.pid))).toBe(true);

    await expect(current.killAndWait()).resolves.toBe(true);
    expect(sent).toEqual(['SIGKILL']);
    expect(isRunning(sleeper.pid)).toBe(false);
    expect(isRegistered(sleeper.pid)).toBe(false);
  });

  test('a process still there after the wait is an error naming it, the pid and the wait', async () => {
    const sleeper = start('sleep', ['60']);
    const registration = registerChild(sleeper.pid, 'a stubborn sleeper');
    // Stands in for a process that SIGKILL does not end in time: the signal is swallowed.
    const realKill = hostProcess.kill.bind(hostProcess);
    const swallowed: Array<string | number | undefined> = [];
    jest.spyOn(hostProcess, 'kill').mockImplementation((target, signal) => {
      if (target !== sleeper.pid) return realKill(target, signal);
      swallowed.push(signal);
      return true;
    });

    const began = Date.now();
    await expect(registration.killAndWait({ waitMs: 100 })).rejects.toThrow(
      `a stubborn sleeper (pid ${sleeper.pid}) still exists 100 ms after SIGKILL`,
    );
    const elapsed = Date.now() - began;
    expect(elapsed).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeLessThan(2_000);
    expect(swallowed).toEqual(['SIGKILL']);
    expect(isRunning(sleeper.pid)).toBe(true);
    // Unregistered all the same.
    expect(isRegistered(sleeper.pid)).toBe(false);
    expect(existsSync(entryPath(sleeper.pid))).toBe(false);
  });
});
