// Errors of the machine layer, on the package's branded base (see common/errors.ts).

import { IotestsError } from '../common/errors';

/** What the value of a secret shows as in error messages. */
export const REDACTED = '<redacted>';

/**
 * `arg` with the value of a QEMU `secret` object hidden (`-object secret,id=s,data=<redacted>`,
 * or the JSON form): command lines end up in error messages, logs and test reports, and the
 * LUKS key (IMGKEYSECRET) travels on them.
 */
export function redactSecretArgument(arg: string): string {
  if (arg.startsWith('{')) {
    try {
      const object = JSON.parse(arg) as Record<string, unknown>;
      if (object['qom-type'] === 'secret' && 'data' in object) {
        return JSON.stringify({ ...object, data: REDACTED });
      }
    } catch {
      // Not JSON after all: nothing of a secret object to hide.
    }
    return arg;
  }
  if (!/^(qom-type=)?secret(,|$)/.test(arg)) {
    return arg;
  }
  // In QEMU's option syntax a comma inside a value is written as two.
  return arg.replace(/(^|,)data=(?:[^,]|,,)*/g, `$1data=${REDACTED}`);
}

/** An argv with the values of secret objects hidden (see redactSecretArgument). */
export function redactCommandLine(argv: readonly string[]): string[] {
  return argv.map(redactSecretArgument);
}

/** Quotes an argv so it can be pasted into a shell; the values of secret objects are hidden. */
export function formatCommandLine(argv: readonly string[]): string {
  return redactCommandLine(argv)
    .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

/** How a process ended, in words. */
export function describeExit(exitCode: number | null, signal: NodeJS.Signals | null): string {
  if (signal !== null) {
    return `QEMU was killed by signal ${signal}`;
  }
  if (exitCode !== null) {
    return `QEMU exited with code ${exitCode}`;
  }
  // Neither: it never started (a failed spawn), or it died of a signal that has no name.
  return 'QEMU is not running';
}

function indent(text: string): string {
  const trimmed = text.replace(/\s+$/, '');
  return trimmed === '' ? '    (no output)' : trimmed.replace(/^/gm, '    ');
}

/** Base class of every error the machine layer raises. */
export class QemuMachineError extends IotestsError {}

/** What is known about a QEMU process that ended: shared by launch and shutdown failures. */
export interface QemuExitReport {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  commandLine: string[];
  /** QEMU's stdout+stderr (or a note saying where it went). */
  output: string;
}

/** QEMU did not come up: it failed to start, died, or never connected its QMP monitor. */
export class QemuLaunchError extends QemuMachineError {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The command line, secret values hidden (QemuMachine.commandLine() has it whole). */
  readonly commandLine: string[];
  readonly output: string;

  constructor(problem: string, report: QemuExitReport, options?: ErrorOptions) {
    super(
      `QEMU failed to launch: ${problem}\n` +
        `  ${describeExit(report.exitCode, report.signal)}\n` +
        `  command: ${formatCommandLine(report.commandLine)}\n` +
        `  output:\n${indent(report.output)}`,
      options,
    );
    this.exitCode = report.exitCode;
    this.signal = report.signal;
    this.commandLine = redactCommandLine(report.commandLine);
    this.output = report.output;
  }
}

/**
 * QEMU did not end the way it was asked to: it crashed or was killed by a signal this machine
 * did not send, exited non-zero, or had to be forced down. Thrown by shutdown() after cleanup.
 */
export class QemuAbnormalExitError extends QemuMachineError {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly commandLine: string[];
  readonly output: string;
  /** What was abnormal, e.g. "QEMU was killed by signal SIGSEGV". */
  readonly reason: string;

  constructor(reason: string, report: QemuExitReport, options?: ErrorOptions) {
    super(
      `QEMU shut down abnormally: ${reason}\n` +
        `  command: ${formatCommandLine(report.commandLine)}\n` +
        `  output:\n${indent(report.output)}`,
      options,
    );
    this.reason = reason;
    this.exitCode = report.exitCode;
    this.signal = report.signal;
    this.commandLine = redactCommandLine(report.commandLine);
    this.output = report.output;
  }
}

/** Linux limits AF_UNIX socket paths to 107 bytes (108 with the terminating NUL). */
export const UNIX_SOCKET_PATH_MAX = 107;

/** A socket path would exceed the AF_UNIX limit; raised before anything is spawned. */
export class SocketPathTooLongError extends QemuMachineError {
  readonly path: string;
  readonly length: number;

  constructor(path: string, length: number) {
    super(
      `Socket path ${path} is ${length} bytes long, over the ${UNIX_SOCKET_PATH_MAX}-byte limit ` +
        'of UNIX socket paths; set SOCK_DIR (the sockDir option) to a shorter directory, e.g. /tmp',
    );
    this.path = path;
    this.length = length;
  }
}
