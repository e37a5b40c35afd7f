// Who wants to know what every QemuMachine of this module copy does: the iotests layer, to list
// each QEMU a test file started in its failure reports (bare QemuMachines included) and to write
// the debug trace. One observer per copy: Jest gives each test file its own.
import type { QmpExchangeRecord } from '../qmp';

/** How a machine's QEMU is doing; read from /proc for a QEMU that died but is not reaped yet. */
export type MachineProcessStatus =
  | { readonly kind: 'not launched' }
  | { readonly kind: 'running'; readonly pid: number }
  | {
      readonly kind: 'exited';
      readonly code: number | null;
      readonly signal: NodeJS.Signals | null;
    };

/** What an observer may read of a machine. */
export interface ObservedMachine {
  readonly name: string;
  readonly running: boolean;
  processStatus(): MachineProcessStatus;
  lastQmpHistory(): QmpExchangeRecord[];
  getLog(): string | undefined;
  /** SIGKILL the running QEMU (its shutdown cleans up later). */
  kill(): void;
}

/** Called as machines live; exceptions are the observer's problem and are swallowed. */
export interface MachineObserver {
  spawned?(machine: ObservedMachine, commandLine: readonly string[], pid: number): void;
  exited?(machine: ObservedMachine, code: number | null, signal: NodeJS.Signals | null): void;
  qmpMessage?(machine: ObservedMachine, direction: 'sent' | 'received', raw: string): void;
}

let observer: MachineObserver | undefined;

/** Observe every machine of this module copy from now on (undefined: nobody). */
export function setMachineObserver(next: MachineObserver | undefined): void {
  observer = next;
}

/** Tell the observer, if any; never throws. */
export function notifyObserver(tell: (observer: MachineObserver) => void): void {
  if (observer === undefined) return;
  try {
    tell(observer);
  } catch {
    // An observer's failure must not break QEMU's handling.
  }
}
