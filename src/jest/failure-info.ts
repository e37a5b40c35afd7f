// What a failing test shows besides its assertion: the last QMP exchanges and the tail of QEMU's
// own output, the two things one looks at first when debugging. Of the VMs the file created, the
// ones that matter are shown: those running or ended abnormally, else the newest one.
import type { QmpExchangeRecord } from '../qmp';

const EXCHANGES_SHOWN = 12;
const LOG_LINES_SHOWN = 20;
const MESSAGE_CHARS_SHOWN = 400;

/** The parts of a VM this module reads; every one may throw (not launched, already gone). */
export interface DebuggableVm {
  readonly name: string;
  readonly running: boolean;
  readonly exitCode?: number | null;
  readonly exitSignal?: string | null;
  /** The current or, after QEMU is gone, the last run's QMP exchanges. */
  lastQmpHistory?(): QmpExchangeRecord[];
  getLog?(): string | undefined;
}

/** The debug text for a set of VMs; empty when there is nothing to show. */
export function describeVmsForFailure(vms: readonly DebuggableVm[]): string {
  // Numbered in creation order: VMs of one file often share a name (qemu-<pid>).
  const numbered = vms.map((vm, index) => ({ vm, ordinal: index + 1 }));
  const relevant = numbered.filter(({ vm }) => vm.running || endedAbnormally(vm));
  return (relevant.length > 0 ? relevant : numbered.slice(-1))
    .map(({ vm, ordinal }) => describeVm(vm, ordinal))
    .filter((text) => text !== '')
    .join('\n\n');
}

function endedAbnormally(vm: DebuggableVm): boolean {
  const code = attempt(() => vm.exitCode);
  const signal = attempt(() => vm.exitSignal);
  return (signal !== undefined && signal !== null) || (typeof code === 'number' && code !== 0);
}

function describeState(vm: DebuggableVm): string {
  if (vm.running) return 'running';
  const signal = attempt(() => vm.exitSignal);
  if (signal !== undefined && signal !== null) return `killed by ${signal}`;
  const code = attempt(() => vm.exitCode);
  return typeof code === 'number' ? `exited with code ${code}` : 'not running';
}

function describeVm(vm: DebuggableVm, ordinal: number): string {
  const exchanges = attempt(() => vm.lastQmpHistory?.() ?? []) ?? [];
  const log = attempt(() => vm.getLog?.()) ?? '';
  const logLines = log.split('\n').filter((line) => line.trim() !== '');
  if (exchanges.length === 0 && logLines.length === 0) return '';
  const lines = [`── QEMU #${ordinal} ${vm.name} (${describeState(vm)}) ──`];
  if (exchanges.length > 0) {
    lines.push(`last QMP exchanges (${Math.min(exchanges.length, EXCHANGES_SHOWN)}):`);
    for (const record of exchanges.slice(-EXCHANGES_SHOWN)) {
      lines.push(`  ${record.direction === 'sent' ? '->' : '<-'} ${abbreviate(record.message)}`);
    }
  }
  if (logLines.length > 0) {
    lines.push(`QEMU output (last ${Math.min(logLines.length, LOG_LINES_SHOWN)} lines):`);
    for (const line of logLines.slice(-LOG_LINES_SHOWN)) lines.push(`  ${line}`);
  }
  return lines.join('\n');
}

function abbreviate(message: string): string {
  return message.length <= MESSAGE_CHARS_SHOWN
    ? message
    : `${message.slice(0, MESSAGE_CHARS_SHOWN)}… (${message.length} chars)`;
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
