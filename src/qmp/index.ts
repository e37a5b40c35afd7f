// Public API of the QMP layer: the wire protocol only (framing, handshake, ids, events, errors).
//
// - Protocol errors from the peer (a line that is not JSON, a reply with an unknown or timed-out
//   id, a malformed message) never fail pending calls: they are kept in client.protocolErrors()
//   and passed to options.onProtocolError.
// - Connection loss rejects every pending call and wait with QmpConnectionLostError. Its reason
//   comes from abort(reason), else options.describeConnectionLoss(); when the socket closes
//   before its owner knows why (QEMU's exit is usually reported just after), the client waits up
//   to connectionLossGraceMs for one of them before settling for a generic reason.
// - Events buffered before the loss can still be taken by waits and getEvents().

export { QmpClient } from './client';
export type { QmpCallOptions, QmpConnectOptions } from './client';
export type { QmpClientOptions } from './options';
export { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_EVENT_TIMEOUT_MS, MAX_TIMEOUT_MS } from './options';
export { eventMatches, jsonEqual } from './match';
export { isJsonObject } from './json';
export {
  QmpError,
  QmpConnectError,
  QmpTimeoutError,
  QmpCommandError,
  QmpProtocolError,
  QmpConnectionLostError,
} from './errors';
export type {
  JsonValue,
  QmpObject,
  QmpEvent,
  QmpErrorBody,
  QmpResponse,
  QmpGreeting,
  EventPattern,
  QmpExchangeRecord,
} from './types';
export {
  parseJson,
  parseJsonExact,
  stringifyJson,
  type ExactParseOptions,
  type ObjectFactory,
} from './json';
