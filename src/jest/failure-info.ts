// What a failing test shows besides its assertion: for every VM the file started, the last QMP
// exchanges and the tail of QEMU's own output, the two things one looks at first when debugging.
import type { QmpExchangeRecord } from '../qmp';

const EXCHANGES_SHOWN = 12;
const LOG_LINES_SHOWN = 20;
const MESSAGE_CHARS_SHOWN = 400;

/** The parts of a VM this module reads; every one may throw (not launched, already gone). */
export interface DebuggableVm {
  readonly name: string;
  readonly running: boolean;
  /** The current or, after QEMU is gone, the last run's QMP exchanges. */
  lastQmpHistory?(): QmpExchangeRecord[];
  getLog?(): string | undefined;
}

/** The debug text for a set of VMs; empty when there is nothing to show. */
export function describeVmsForFailure(vms: readonly DebuggableVm[]): string {
  return vms
    .map(describeVm)
    .filter((text) => text !== '')
    .join('\n\n');
}

function describeVm(vm: DebuggableVm): string {
  const exchanges = attempt(() => vm.lastQmpHistory?.() ?? []) ?? [];
  const log = attempt(() => vm.getLog?.()) ?? '';
  const logLines = log.split('\n').filter((line) => line.trim() !== '');
  if (exchanges.length === 0 && logLines.length === 0) return '';
  const lines = [`── QEMU ${vm.name} (${vm.running ? 'running' : 'not running'}) ──`];
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
