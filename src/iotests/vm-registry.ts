// Every VM a test file launched, so the Jest layer can end them all when the file is done
// (Jest gives each test file its own copy of this module, hence its own registry).

import { session, type TrackedVm } from './session';

export type { TrackedVm } from './session';

/** Remember a VM (idempotent); the VM calls this when it is created and when it launches. */
export function trackVm(vm: TrackedVm): void {
  session().vms.add(vm);
}

/** The VMs tracked so far, oldest first. */
export function trackedVms(): TrackedVm[] {
  return [...session().vms];
}

/** Make `vm` this file's VM (the `vm` the Jest environment creates); undefined forgets it. */
export function setCurrentTrackedVm(vm: TrackedVm | undefined): void {
  session().currentVm = vm;
  if (vm !== undefined) {
    trackVm(vm);
  }
}

/** This file's VM, if one was set. */
export function currentTrackedVm(): TrackedVm | undefined {
  return session().currentVm;
}

/**
 * Shut down every tracked VM: a graceful shutdown first and, when that fails and QEMU still runs,
 * a hard kill. Never throws: returns the errors met (an abnormal exit, a failed kill), each
 * naming its VM. The registry is emptied; a VM launched again is tracked again.
 */
export async function shutdownAllVms(): Promise<Error[]> {
  const errors: Error[] = [];
  const { vms } = session();
  const all = [...vms];
  vms.clear();
  // One at a time, newest first: a migration destination goes before its source, like nested
  // `with VM()` blocks unwinding in Python.
  for (const vm of all.reverse()) {
    try {
      await vm.shutdown();
    } catch (error: unknown) {
      errors.push(describe(vm, 'shutdown', error));
      await hardKill(vm, errors);
    }
  }
  return errors;
}

async function hardKill(vm: TrackedVm, errors: Error[]): Promise<void> {
  if (!vm.running) {
    return;
  }
  try {
    vm.kill();
    await vm.shutdown({ hardKill: true });
  } catch (error: unknown) {
    errors.push(describe(vm, 'hard kill', error));
  }
}

function describe(vm: TrackedVm, step: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`VM ${vm.name}: ${step} failed: ${message}`, { cause: error });
}
