// Shared bits of the machine integration tests (real QEMU).

import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { QemuMachine, QemuMachineOptions } from '../../../src/machine';

/** The QEMU under test (QEMU_PROG wins, as in iotests). */
export const QEMU_BINARY = process.env.QEMU_PROG ?? 'qemu-system-x86_64';

/** Options for a small, fast machine with no guest at all. */
export function bareMachineOptions(extra: Partial<QemuMachineOptions> = {}): QemuMachineOptions {
  return { binary: QEMU_BINARY, machineType: 'none', ...extra };
}

/** The private socket dir of a launched machine, read from its command line. */
export function privateDirOf(machine: QemuMachine): string {
  const chardev = machine.commandLine().find((arg) => arg.startsWith('socket,id=mon,path='));
  if (chardev === undefined) {
    throw new Error(`no QMP chardev in ${machine.commandLine().join(' ')}`);
  }
  return dirname(chardev.slice('socket,id=mon,path='.length));
}

/** Whether `path` exists. */
export function exists(path: string): boolean {
  return existsSync(path);
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Milliseconds `promise` took to settle, and how it settled. */
export async function timed<T>(
  promise: Promise<T>,
): Promise<{ ms: number; value?: T; error?: unknown }> {
  const start = performance.now();
  try {
    const value = await promise;
    return { ms: performance.now() - start, value };
  } catch (error: unknown) {
    return { ms: performance.now() - start, error };
  }
}
