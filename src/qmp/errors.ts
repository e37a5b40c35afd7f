// One error hierarchy for the QMP layer, on the package's branded base (instanceof holds across
// the copies of this package Jest loads; see common/errors.ts).

import { IotestsError } from '../common/errors';
import type { QmpObject } from './types';

/** Long values (arguments, raw messages) are cut in messages so a failure report stays readable. */
function abbreviate(text: string, limit = 300): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}... (${text.length} chars)`;
}

/** Base class of every error the QMP layer raises. */
export class QmpError extends IotestsError {}

/** The QMP socket could not be connected. */
export class QmpConnectError extends QmpError {
  /** The socket path that was tried. */
  readonly path: string;

  constructor(path: string, detail: string, options?: ErrorOptions) {
    super(`Cannot connect to QMP socket ${path}: ${detail}`, options);
    this.path = path;
  }
}

/** A command reply, event or handshake step did not arrive in time. */
export class QmpTimeoutError extends QmpError {
  /** What was awaited, e.g. "reply to QMP command 'query-status'". */
  readonly operation: string;
  readonly timeoutMs: number;
  /** The environment variable (in seconds) that sets the default for this kind of wait. */
  readonly knob: string;

  constructor(operation: string, timeoutMs: number, knob: string, detail?: string) {
    super(
      `Timed out after ${timeoutMs} ms waiting for ${operation}` +
        (detail ? ` (${detail})` : '') +
        `; if QEMU is just slow, raise ${knob} (seconds)`,
    );
    this.operation = operation;
    this.timeoutMs = timeoutMs;
    this.knob = knob;
  }
}

/** QEMU answered a command with an error reply. */
export class QmpCommandError extends QmpError {
  /** QEMU's error class, e.g. "GenericError". */
  readonly errorClass: string;
  /** QEMU's human-readable description. */
  readonly description: string;
  readonly command: string;
  readonly args: QmpObject | undefined;

  constructor(
    command: string,
    args: QmpObject | undefined,
    errorClass: string,
    description: string,
  ) {
    const shownArgs =
      args === undefined ? '' : ` with arguments ${abbreviate(JSON.stringify(args))}`;
    super(`QMP command '${command}'${shownArgs} failed: ${errorClass}: ${description}`);
    this.errorClass = errorClass;
    this.description = description;
    this.command = command;
    this.args = args;
  }
}

/** The peer sent something that is not valid QMP (bad JSON, unexpected shape, unknown reply id). */
export class QmpProtocolError extends QmpError {
  /** The offending message text, when there was one. */
  readonly raw?: string;

  constructor(problem: string, raw?: string, options?: ErrorOptions) {
    super(raw === undefined ? problem : `${problem}: ${abbreviate(raw)}`, options);
    if (raw !== undefined) {
      this.raw = raw;
    }
  }
}

/** The connection ended (peer hung up, QEMU died, client closed) before an answer arrived. */
export class QmpConnectionLostError extends QmpError {
  /** Why the connection ended, e.g. "QEMU exited with signal SIGKILL". */
  readonly reason: string;
  /** What was still awaited when it ended, if anything. */
  readonly operation: string | undefined;

  constructor(reason: string, operation?: string) {
    super(
      operation === undefined
        ? `QMP connection lost: ${reason}`
        : `QMP connection lost while waiting for ${operation}: ${reason}`,
    );
    this.reason = reason;
    this.operation = operation;
  }
}
