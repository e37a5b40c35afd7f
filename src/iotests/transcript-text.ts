// A transcript as a value to snapshot: the snapshot serializer prints its text verbatim, so a
// stored snapshot reads (and diffs) like a reference `NNN.out`, instead of as a quoted JS string.

import type stripAnsiFunction from 'strip-ansi';

import { fileContext } from './context';
import { filters } from './filters';

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

/**
 * A transcript as references store it: what differs between runs replaced (this file's scratch
 * and socket paths), ANSI colour stripped. Snapshots and reference files both store this.
 */
export function stabilizeText(text: string): string {
  // filters.testDir replaces what filters.testfiles left of the directory; SOCK_DIR has no
  // filter of its own in the seed.
  return filters
    .testDir(filters.testfiles(stripAnsi()(text)))
    .split(fileContext().sockDir)
    .join('SOCK_DIR');
}

let loadedStripAnsi: typeof stripAnsiFunction | undefined;

// strip-ansi is loaded on first use, like execa (see execa-on-demand.ts): Jest loads a package's
// modules into every test file that requires them, and most files never stabilize a transcript.
function stripAnsi(): typeof stripAnsiFunction {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loadedStripAnsi ??= require('strip-ansi') as typeof stripAnsiFunction;
  return loadedStripAnsi;
}
