// The real Node `process` object and per-process state shared by every copy of this package.
//
// Jest evaluates test files in a sandbox whose `process` is a copy: listeners added to it never see
// the real 'exit' or signal events, and each test file loads its own copy of this module. Jest also
// wraps `require` and `module.createRequire`, so neither reaches the real object. Child cleanup
// must hook the real process, once per OS process, so it is read from Node's main context (which
// `vm.runInThisContext` evaluates in) and the shared state hangs off it under a registered symbol.

import { runInThisContext } from 'node:vm';

function findHostProcess(): NodeJS.Process {
  try {
    const candidate = runInThisContext('process') as Partial<NodeJS.Process> | undefined;
    if (typeof candidate?.kill === 'function' && typeof candidate.on === 'function') {
      return candidate as NodeJS.Process;
    }
  } catch {
    // Fall through: outside a sandbox the global one is the real one anyway.
  }
  return process;
}

/** The OS process's real `process` object, even inside a Jest sandbox. */
export const hostProcess = findHostProcess();

const SHARED_STATE_KEY = Symbol.for('qemu-iotests.machine.shared-state');

/** A child process this OS process must not leave behind (plain data: every copy reads it). */
export interface LiveChild {
  pid: number;
  description: string;
  /** Kernel start time (clock ticks since boot) when registered; guards against pid reuse. */
  startTime: number | undefined;
  /**
   * NUL-separated argv when registered (registerChild only); with startTime, tells the process
   * from a later one that reused its pid. Optional: older copies of the package do not set it.
   */
  cmdline?: string;
  /** The registry file describing this child to other processes, if one was written. */
  entryPath: string | undefined;
  /** Directories that belong to the child and go when it is killed (its private socket dir). */
  cleanupPaths: string[];
  /**
   * Spawned by this process and unregistered the moment it is reaped (from its 'exit' event), so
   * its pid cannot belong to another process while it is registered: no /proc check is needed
   * before killing it.
   */
  directChild?: boolean;
}

/** State that must exist once per OS process, whichever copy of the package asks for it. */
export interface SharedMachineState {
  /** Counter behind default machine names, so names never repeat within one process. */
  machineCounter: number;
  /** Live children by pid; see registry.ts. */
  children: Map<number, LiveChild>;
  /** Whether the exit and signal hooks are installed on the host process. */
  hooksInstalled: boolean;
}

/** The one shared state object of this OS process (created on first use). */
export function sharedMachineState(): SharedMachineState {
  const holder = hostProcess as unknown as Record<symbol, SharedMachineState | undefined>;
  let state = holder[SHARED_STATE_KEY];
  if (state === undefined) {
    state = { machineCounter: 0, children: new Map(), hooksInstalled: false };
    Object.defineProperty(holder, SHARED_STATE_KEY, { value: state, enumerable: false });
  }
  return state;
}
