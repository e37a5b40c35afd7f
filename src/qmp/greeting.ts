// Validation of the server greeting and of error replies.

import { QmpProtocolError } from './errors';
import { isJsonObject } from './json';
import type { QmpErrorBody, QmpGreeting, QmpObject } from './types';

/** Checks that `message` is a QMP greeting; throws QmpProtocolError (carrying `raw`) if not. */
export function parseGreeting(message: QmpObject, raw: string): QmpGreeting {
  const body = message.QMP;
  if (
    !isJsonObject(body) ||
    !isJsonObject(body.version) ||
    !Array.isArray(body.capabilities) ||
    !body.capabilities.every((capability) => typeof capability === 'string')
  ) {
    throw new QmpProtocolError(
      'Malformed QMP greeting (expected {"QMP": {"version": {...}, "capabilities": [...]}})',
      raw,
    );
  }
  return message as unknown as QmpGreeting;
}

/** Whether an error reply's body has the documented {class, desc} strings. */
export function isErrorBody(value: unknown): value is QmpErrorBody {
  return isJsonObject(value) && typeof value.class === 'string' && typeof value.desc === 'string';
}
