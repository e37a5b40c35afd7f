// Wire-level shapes of the QEMU Machine Protocol, as JSON values.

/** Any value JSON can carry; integers beyond 2^53 arrive (and may be sent) as bigint, see json.ts. */
export type JsonValue =
  null | boolean | number | bigint | string | JsonValue[] | { [k: string]: JsonValue };

/** A JSON object: what QMP uses for arguments, return values and event data. */
export type QmpObject = { [k: string]: JsonValue };

/** An asynchronous event sent by QEMU. */
export interface QmpEvent {
  event: string;
  data?: QmpObject;
  timestamp: { seconds: number; microseconds: number };
}

/** The body of a QMP error reply. */
export interface QmpErrorBody {
  class: string;
  desc: string;
}

/**
 * A reply to a command, exactly as QEMU sent it: `{ return }` or `{ error }` (tell them apart with
 * `'error' in reply`). `R`: what the command returns.
 */
export type QmpResponse<R = JsonValue> = { return: R } | { error: QmpErrorBody };

/** The first message QEMU sends on a new QMP connection. */
export interface QmpGreeting {
  QMP: { version: QmpObject; capabilities: string[] };
}

/**
 * Match criteria for an event (qemu.machine's event_match): null/undefined matches anything,
 * an object matches events that contain it recursively.
 */
export type EventPattern = QmpObject | null | undefined;

/** One message that crossed the wire, as raw JSON text (kept for failure reports). */
export interface QmpExchangeRecord {
  direction: 'sent' | 'received';
  message: string;
  at: number;
}
