// A transcript as a value to snapshot: the snapshot serializer prints its text verbatim, so a
// stored snapshot reads (and diffs) like a reference `NNN.out`, instead of as a quoted JS string.

const BRAND = Symbol.for('qemu-iotests.TranscriptText');

/** The text a test logged, marked for the snapshot serializer. */
export class TranscriptText {
  readonly [BRAND] = true;

  constructor(readonly text: string) {}

  toString(): string {
    return this.text;
  }

  /** The logged lines, without the final newline's empty remainder. */
  lines(): string[] {
    const lines = this.text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines;
  }
}

/** Whether `value` is a TranscriptText from any copy of this package. */
export function isTranscriptText(value: unknown): value is TranscriptText {
  return typeof value === 'object' && value !== null && BRAND in value;
}
