// Default time limits of a machine, and why they vanish under a debugger or valgrind.

import { basename } from 'node:path';

import { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_EVENT_TIMEOUT_MS, MAX_TIMEOUT_MS } from '../qmp';

/** The largest delay setTimeout accepts (~24.8 days): "no limit" in practice. */
export const UNBOUNDED_TIMEOUT_MS = MAX_TIMEOUT_MS;

/** Defaults, each with the environment knob (in seconds) that users know it by. */
export const DEFAULT_TIMEOUTS = {
  launchMs: 30_000, // IOTESTS_LAUNCH_TIMEOUT
  shutdownMs: 30_000, // IOTESTS_SHUTDOWN_TIMEOUT
  commandMs: DEFAULT_COMMAND_TIMEOUT_MS, // IOTESTS_QMP_TIMEOUT
  eventMs: DEFAULT_EVENT_TIMEOUT_MS, // IOTESTS_EVENT_TIMEOUT
} as const;

/** After a graceful shutdown failed: how long SIGTERM gets before SIGKILL. */
export const TERM_GRACE_MS = 3_000;
/** How long a SIGKILLed process may take to be reaped before we give up on it. */
export const KILL_WAIT_MS = 10_000;

/** Programs that stop QEMU at will (debuggers) or slow it down many times (valgrind). */
const SLOW_WRAPPERS = new Set(['gdbserver', 'gdb', 'valgrind', 'rr']);

/**
 * Whether a wrapper makes timing meaningless. Like iotests.py (whose QMP timer is None under
 * GDB_OPTIONS or VALGRIND_QEMU), a machine then waits without limit unless told otherwise.
 */
export function wrapperNeedsUnboundedTimeouts(wrapper: readonly string[]): boolean {
  const program = wrapper[0];
  return program !== undefined && SLOW_WRAPPERS.has(basename(program));
}

/** The limits one machine applies (after options and wrapper are taken into account). */
export interface MachineTimeouts {
  launchMs: number;
  shutdownMs: number;
  commandMs: number;
  handshakeMs: number;
  eventMs: number;
  /** True when a debugger/valgrind wrapper lifted the defaults. */
  unbounded: boolean;
}

/** Explicit values win; otherwise the defaults, or no limit under a slow wrapper. */
export function resolveTimeouts(
  explicit: {
    launchMs?: number | undefined;
    shutdownMs?: number | undefined;
    commandMs?: number | undefined;
    handshakeMs?: number | undefined;
    eventMs?: number | undefined;
  },
  wrapper: readonly string[],
): MachineTimeouts {
  const unbounded = wrapperNeedsUnboundedTimeouts(wrapper);
  const pick = (name: string, value: number | undefined, fallback: number): number => {
    if (value === undefined) {
      return unbounded ? UNBOUNDED_TIMEOUT_MS : fallback;
    }
    // Kept: no type says "positive", and a timer of 0 or NaN ms fires at once.
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
    }
    return Math.min(value, UNBOUNDED_TIMEOUT_MS);
  };
  const commandMs = pick('qmp.commandTimeoutMs', explicit.commandMs, DEFAULT_TIMEOUTS.commandMs);
  return {
    launchMs: pick('launchTimeoutMs', explicit.launchMs, DEFAULT_TIMEOUTS.launchMs),
    shutdownMs: pick('shutdownTimeoutMs', explicit.shutdownMs, DEFAULT_TIMEOUTS.shutdownMs),
    commandMs,
    handshakeMs: pick('qmp.handshakeTimeoutMs', explicit.handshakeMs, commandMs),
    eventMs: pick('qmp.eventTimeoutMs', explicit.eventMs, DEFAULT_TIMEOUTS.eventMs),
    unbounded,
  };
}
