// One error hierarchy for the QMP layer.
//
// Jest loads this package once outside and once inside every test file's module registry, so
// the same class can exist several times in one process. `instanceof` therefore checks a brand
// (a registered symbol, shared by every copy) instead of the prototype chain alone.

import type { QmpObject } from './types';

const BRAND_PREFIX = 'qemu-iotests.error.';

/** The registered symbol that marks instances of the error class called `name`. */
function errorBrand(name: string): symbol {
  return Symbol.for(BRAND_PREFIX + name);
}

/** Marks `error` as an instance of the class called `name` (non-enumerable, so it never shows in diffs). */
export function brandError(error: Error, name: string): void {
  Object.defineProperty(error, errorBrand(name), { value: true, enumerable: false });
}

/** Whether `value` carries the brand of the error class called `name`, whichever copy created it. */
function hasErrorBrand(value: unknown, name: string): boolean {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
    return false;
  }
  return (value as Record<symbol, unknown>)[errorBrand(name)] === true;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * `instanceof` for a branded class: `owner` is the class whose static method runs, `target` the
 * right-hand side of `instanceof`. A subclass declared elsewhere without its own brand inherits
 * the static method, so it gets the ordinary prototype check instead of its parent's brand.
 */
export function brandedInstanceOf(
  target: unknown,
  owner: ErrorClass,
  name: string,
  value: unknown,
): boolean {
  if (target === owner) {
    return hasErrorBrand(value, name);
  }
  return typeof target === 'function' && Function.prototype[Symbol.hasInstance].call(target, value);
}

/** Long values (arguments, raw messages) are cut in messages so a failure report stays readable. */
function abbreviate(text: string, limit = 300): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}... (${text.length} chars)`;
}

/** Base class of every error the QMP layer raises. */
export class QmpError extends Error {
  static override [Symbol.hasInstance](value: unknown): value is QmpError {
    return brandedInstanceOf(this, QmpError, 'QmpError', value);
  }

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QmpError';
    brandError(this, 'QmpError');
  }
}

/** The QMP socket could not be connected. */
export class QmpConnectError extends QmpError {
  static override [Symbol.hasInstance](value: unknown): value is QmpConnectError {
    return brandedInstanceOf(this, QmpConnectError, 'QmpConnectError', value);
  }

  /** The socket path that was tried. */
  readonly path: string;

  constructor(path: string, detail: string, options?: ErrorOptions) {
    super(`Cannot connect to QMP socket ${path}: ${detail}`, options);
    this.name = 'QmpConnectError';
    this.path = path;
    brandError(this, 'QmpConnectError');
  }
}

/** A command reply, event or handshake step did not arrive in time. */
export class QmpTimeoutError extends QmpError {
  static override [Symbol.hasInstance](value: unknown): value is QmpTimeoutError {
    return brandedInstanceOf(this, QmpTimeoutError, 'QmpTimeoutError', value);
  }

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
    this.name = 'QmpTimeoutError';
    this.operation = operation;
    this.timeoutMs = timeoutMs;
    this.knob = knob;
    brandError(this, 'QmpTimeoutError');
  }
}

/** QEMU answered a command with an error reply. */
export class QmpCommandError extends QmpError {
  static override [Symbol.hasInstance](value: unknown): value is QmpCommandError {
    return brandedInstanceOf(this, QmpCommandError, 'QmpCommandError', value);
  }

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
    this.name = 'QmpCommandError';
    this.errorClass = errorClass;
    this.description = description;
    this.command = command;
    this.args = args;
    brandError(this, 'QmpCommandError');
  }
}

/** The peer sent something that is not valid QMP (bad JSON, unexpected shape, unknown reply id). */
export class QmpProtocolError extends QmpError {
  static override [Symbol.hasInstance](value: unknown): value is QmpProtocolError {
    return brandedInstanceOf(this, QmpProtocolError, 'QmpProtocolError', value);
  }

  /** The offending message text, when there was one. */
  readonly raw?: string;

  constructor(problem: string, raw?: string, options?: ErrorOptions) {
    super(raw === undefined ? problem : `${problem}: ${abbreviate(raw)}`, options);
    this.name = 'QmpProtocolError';
    if (raw !== undefined) {
      this.raw = raw;
    }
    brandError(this, 'QmpProtocolError');
  }
}

/** The connection ended (peer hung up, QEMU died, client closed) before an answer arrived. */
export class QmpConnectionLostError extends QmpError {
  static override [Symbol.hasInstance](value: unknown): value is QmpConnectionLostError {
    return brandedInstanceOf(this, QmpConnectionLostError, 'QmpConnectionLostError', value);
  }

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
    this.name = 'QmpConnectionLostError';
    this.reason = reason;
    this.operation = operation;
    brandError(this, 'QmpConnectionLostError');
  }
}
