// QmpClient options: defaults and validation.

import { DEFAULT_MAX_MESSAGE_BYTES } from './framing';

/** Environment variable (seconds) behind the default command timeout; named in timeout errors. */
export const QMP_TIMEOUT_KNOB = 'IOTESTS_QMP_TIMEOUT';

/** Largest delay setTimeout honours; larger values would fire at once. */
export const MAX_TIMEOUT_MS = 2_147_483_647;
/** Default limit on a QMP reply (IOTESTS_QMP_TIMEOUT). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 15_000;
/** Default limit on waiting for a QMP event (IOTESTS_EVENT_TIMEOUT). */
export const DEFAULT_EVENT_TIMEOUT_MS = 60_000;

/** Options of a QmpClient. */
export interface QmpClientOptions {
  /** Reply timeout per command; default 15 000 ms (knob: IOTESTS_QMP_TIMEOUT). */
  commandTimeoutMs?: number;
  /** Timeout of event waits; default 60 000 ms (knob: IOTESTS_EVENT_TIMEOUT). */
  eventTimeoutMs?: number;
  /** Greeting + qmp_capabilities; default = commandTimeoutMs. */
  handshakeTimeoutMs?: number;
  /** Buffered events kept; default 100 000. Past it the oldest are dropped and counted. */
  maxBufferedEvents?: number;
  /** Raw exchanges kept for failure reports; default 50. */
  historySize?: number;
  /** Names why the peer went away (e.g. 'QEMU exited with signal SIGKILL'); undefined if unknown. */
  describeConnectionLoss?: () => string | undefined;
  /**
   * After the peer hangs up with calls pending and describeConnectionLoss() has no answer yet,
   * how long to wait for one (or for abort(reason)) before failing them with a generic reason.
   * A socket usually closes just before its QEMU's exit is reported. Default 200 ms.
   */
  connectionLossGraceMs?: number;
  /** Longest single message accepted; default 256 MiB. */
  maxMessageBytes?: number;
  /** Protocol errors kept for protocolErrors(); default 100. */
  maxProtocolErrors?: number;
  /** Called for each protocol error (garbage line, unknown reply id, ...); exceptions are ignored. */
  onProtocolError?: (error: Error) => void;
  /** Called with every raw message sent or received (the debug trace); exceptions are ignored. */
  onMessage?: (direction: 'sent' | 'received', raw: string) => void;
}

/** QmpClientOptions with every default filled in. */
export interface ResolvedQmpClientOptions {
  commandTimeoutMs: number;
  eventTimeoutMs: number;
  handshakeTimeoutMs: number;
  maxBufferedEvents: number;
  historySize: number;
  describeConnectionLoss: (() => string | undefined) | undefined;
  connectionLossGraceMs: number;
  maxMessageBytes: number;
  maxProtocolErrors: number;
  onProtocolError: ((error: Error) => void) | undefined;
  onMessage: ((direction: 'sent' | 'received', raw: string) => void) | undefined;
}

// The ranges below are kept although the values are typed: no type says "positive" or "integer",
// and a timer of 0, NaN or more than 2^31-1 ms fires at once, a buffer of 0 events drops them all.

/** Throws a RangeError naming the option and the accepted range unless `value` is a usable timeout. */
export function checkTimeout(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
    throw new RangeError(
      `${name} must be a number of milliseconds in (0, ${MAX_TIMEOUT_MS}], got ${String(value)}`,
    );
  }
  return value;
}

function checkCount(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** Fills in defaults and checks the ranges of the numbers. */
export function resolveOptions(options: QmpClientOptions = {}): ResolvedQmpClientOptions {
  const commandTimeoutMs = checkTimeout(
    'commandTimeoutMs',
    options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
  );
  const grace = options.connectionLossGraceMs ?? 200;
  return {
    commandTimeoutMs,
    eventTimeoutMs: checkTimeout(
      'eventTimeoutMs',
      options.eventTimeoutMs ?? DEFAULT_EVENT_TIMEOUT_MS,
    ),
    handshakeTimeoutMs: checkTimeout(
      'handshakeTimeoutMs',
      options.handshakeTimeoutMs ?? commandTimeoutMs,
    ),
    maxBufferedEvents: checkCount('maxBufferedEvents', options.maxBufferedEvents ?? 100_000, 1),
    historySize: checkCount('historySize', options.historySize ?? 50, 0),
    describeConnectionLoss: options.describeConnectionLoss,
    connectionLossGraceMs: grace === 0 ? 0 : checkTimeout('connectionLossGraceMs', grace),
    maxMessageBytes: checkCount(
      'maxMessageBytes',
      options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      1,
    ),
    maxProtocolErrors: checkCount('maxProtocolErrors', options.maxProtocolErrors ?? 100, 0),
    onProtocolError: options.onProtocolError,
    onMessage: options.onMessage,
  };
}
