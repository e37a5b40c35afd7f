// Snapshot serializer of `--preset qemu-iotests`. Transcripts are printed verbatim (ANSI colour
// stripped) so snapshots read like `NNN.out` files; QMP messages are printed as the seed's `log`
// would print them, pretty and with keys sorted, after the filters that make them stable across
// runs (timestamps, this file's scratch paths and PIDs, generated node names).
import { filters } from '../iotests/filters';
import { isPlainObject, pyJsonDumps } from '../iotests/pyjson';
import { isTranscriptText, stabilizeText } from '../iotests/transcript-text';

const QMP_KEYS = ['return', 'error', 'event', 'execute', 'QMP'];

/** A plain object shaped like a QMP message: a reply, an event, a command or the greeting. */
export function isQmpMessage(value: unknown): value is Record<string, unknown> {
  // Any realm's: a reply parsed outside the test's vm context has that realm's Object.prototype.
  return isPlainObject(value) && QMP_KEYS.some((key) => key in value);
}

/** A QMP message with timestamps, scratch paths and generated node names replaced. */
export function stabilizeQmp(message: Record<string, unknown>): unknown {
  const withoutTime = 'timestamp' in message ? filters.qmpEvent(message) : message;
  return filters.qmp(withoutTime, (_key, value) =>
    typeof value === 'string' ? filters.generatedNodeIds(stabilizeText(value)) : value,
  );
}

export function test(value: unknown): boolean {
  return isTranscriptText(value) || isQmpMessage(value);
}

export function serialize(value: unknown): string {
  if (isTranscriptText(value)) return stabilizeText(value.text);
  return pyJsonDumps(stabilizeQmp(value as Record<string, unknown>), { sortKeys: true, indent: 2 });
}
