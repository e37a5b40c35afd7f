// The error a QEMU tool run raises: 7.2's VerboseProcessError (a CalledProcessError that shows the
// command, the status and the output). Branded like the qmp errors, so `instanceof` works across
// the copies of this package Jest loads.
import { constants } from 'node:os';

import { IotestsError } from '../../common/errors';
import { formatCommandLine, redactCommandLine } from '../../machine';

/** What a tool run produced, as carried by QemuToolError. */
export interface QemuToolErrorDetails {
  /** 'qemu-img', 'qemu-io', ... */
  tool: string;
  /** The full argv, program first (secret values are hidden in the error). */
  command: readonly string[];
  /** Exit status; null when the tool was killed by a signal or never exited. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Combined stdout+stderr when the streams were combined, else stdout. */
  stdout: string;
  /** stderr when the streams were kept apart; undefined when combined. */
  stderr: string | undefined;
  timedOut?: boolean;
  /** Overrides the first line (default: CalledProcessError's wording). */
  summary?: string;
}

/** A QEMU tool failed (non-zero exit, killed by a signal, timed out or died unexpectedly). */
export class QemuToolError extends IotestsError {
  readonly tool: string;
  readonly command: readonly string[];
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string | undefined;
  readonly timedOut: boolean;

  constructor(details: QemuToolErrorDetails) {
    super(formatToolError(details));
    this.tool = details.tool;
    this.command = redactCommandLine(details.command);
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.stdout = details.stdout;
    this.stderr = details.stderr;
    this.timedOut = details.timedOut === true;
  }

  /** Python's returncode: the exit status, or minus the signal number when killed by one. */
  get returncode(): number | null {
    return pythonReturncode(this.exitCode, this.signal);
  }

  /** Combined output (when combined) — the name 7.2's CalledProcessError uses. */
  get output(): string {
    return this.stdout;
  }
}

/** The exit status Python's subprocess reports: -N for a death by signal N. */
export function pythonReturncode(
  exitCode: number | null,
  signal: NodeJS.Signals | null,
): number | null {
  if (signal !== null) {
    const number = signalNumber(signal);
    return number === undefined ? null : -number;
  }
  return exitCode;
}

/** The number of a signal name ('SIGKILL' -> 9), as this OS numbers it. */
export function signalNumber(signal: NodeJS.Signals): number | undefined {
  return (constants.signals as Partial<Record<string, number>>)[signal];
}

function formatToolError(details: QemuToolErrorDetails): string {
  const command = formatCommandLine(details.command);
  const summary = details.summary ?? defaultSummary(details, command);
  const sections: string[] = [];
  const combined = details.stderr === undefined;
  sections.push(section(combined ? 'output' : 'stdout', details.stdout));
  if (!combined) {
    sections.push(section('stderr', details.stderr ?? ''));
  }
  return [summary, ...sections].join('\n');
}

function defaultSummary(details: QemuToolErrorDetails, command: string): string {
  if (details.timedOut === true) {
    return `Command '${command}' timed out and was killed.`;
  }
  if (details.signal !== null) {
    const number = signalNumber(details.signal);
    return `Command '${command}' died with <Signals.${details.signal}: ${number ?? '?'}>.`;
  }
  return `Command '${command}' returned non-zero exit status ${details.exitCode ?? '?'}.`;
}

function section(name: string, text: string): string {
  if (text === '') {
    return `  ${name}: N/A`;
  }
  const body = text.replace(/\n$/, '').replace(/^/gm, '  ┃ ');
  return `  ┏━ ${name} ━━━━\n${body}\n  ┗━━━━`;
}
