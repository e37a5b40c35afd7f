// What a failing test shows besides its assertion: the last QMP exchanges and the tail of QEMU's
// own output, the two things one looks at first when debugging. Of the QEMUs the file started
// (VMs and bare QemuMachines), the ones that matter are shown: those running or ended abnormally,
// else the newest one; of its daemons and tools, those running or ended abnormally.
import type { MachineProcessStatus } from '../machine/observer';
import type { ReportedProcess } from '../iotests/session';
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
  /** What the process is doing now, from /proc too (QEMU may be dead before Node knows). */
  processStatus?(): MachineProcessStatus;
  /** The current or, after QEMU is gone, the last run's QMP exchanges. */
  lastQmpHistory?(): QmpExchangeRecord[];
  getLog?(): string | undefined;
}

/** The debug text for a set of VMs; empty when there is nothing to show. */
export function describeVmsForFailure(vms: readonly DebuggableVm[]): string {
  // Numbered in creation order: VMs of one file often share a name (qemu-<pid>).
  const numbered = vms.map((vm, index) => ({ vm, ordinal: index + 1 }));
  const relevant = numbered.filter(({ vm }) => isRunning(vm) || endedAbnormally(vm));
  return (relevant.length > 0 ? relevant : numbered.slice(-1))
    .map(({ vm, ordinal }) => describeVm(vm, ordinal))
    .filter((text) => text !== '')
    .join('\n\n');
}

/** The daemons and tools worth showing: running, or ended abnormally; empty when none. */
export function describeProcessesForFailure(processes: readonly ReportedProcess[]): string {
  return processes
    .map((process) => ({ process, state: attempt(() => process.state()) ?? 'unknown' }))
    .filter(({ state }) => state !== 'exited with code 0')
    .map(({ process, state }) => describeProcess(process, state))
    .join('\n\n');
}

function describeProcess(process: ReportedProcess, state: string): string {
  const lines = [`── ${process.title} (${state}) ──`];
  pushExchanges(lines, attempt(() => process.qmpHistory?.() ?? []) ?? []);
  pushOutput(lines, 'output', attempt(() => process.output()) ?? '');
  return lines.join('\n');
}

// Undefined when the VM cannot tell (then its plain getters decide).
function statusOf(vm: DebuggableVm): MachineProcessStatus | undefined {
  return attempt(() => vm.processStatus?.());
}

function isRunning(vm: DebuggableVm): boolean {
  const status = statusOf(vm);
  return status === undefined ? vm.running : status.kind === 'running';
}

function exitOf(vm: DebuggableVm): { code: unknown; signal: unknown } {
  const status = statusOf(vm);
  if (status?.kind === 'exited') return { code: status.code, signal: status.signal };
  return { code: attempt(() => vm.exitCode), signal: attempt(() => vm.exitSignal) };
}

function endedAbnormally(vm: DebuggableVm): boolean {
  if (isRunning(vm)) return false;
  const { code, signal } = exitOf(vm);
  return (typeof signal === 'string' && signal !== '') || (typeof code === 'number' && code !== 0);
}

function describeState(vm: DebuggableVm): string {
  if (isRunning(vm)) return 'running';
  const { code, signal } = exitOf(vm);
  if (typeof signal === 'string' && signal !== '') return `killed by ${signal}`;
  return typeof code === 'number' ? `exited with code ${code}` : 'not running';
}

function describeVm(vm: DebuggableVm, ordinal: number): string {
  const exchanges = attempt(() => vm.lastQmpHistory?.() ?? []) ?? [];
  const log = attempt(() => vm.getLog?.()) ?? '';
  const logLines = log.split('\n').filter((line) => line.trim() !== '');
  if (exchanges.length === 0 && logLines.length === 0) return '';
  const lines = [`── QEMU #${ordinal} ${vm.name} (${describeState(vm)}) ──`];
  pushExchanges(lines, exchanges);
  pushOutput(lines, 'QEMU output', log);
  return lines.join('\n');
}

function pushExchanges(lines: string[], exchanges: readonly QmpExchangeRecord[]): void {
  if (exchanges.length === 0) return;
  lines.push(`last QMP exchanges (${Math.min(exchanges.length, EXCHANGES_SHOWN)}):`);
  for (const record of exchanges.slice(-EXCHANGES_SHOWN)) {
    lines.push(`  ${record.direction === 'sent' ? '->' : '<-'} ${abbreviate(record.message)}`);
  }
}

function pushOutput(lines: string[], what: string, text: string): void {
  const logLines = text.split('\n').filter((line) => line.trim() !== '');
  if (logLines.length === 0) return;
  lines.push(`${what} (last ${Math.min(logLines.length, LOG_LINES_SHOWN)} lines):`);
  for (const line of logLines.slice(-LOG_LINES_SHOWN)) lines.push(`  ${line}`);
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
