import path from 'node:path';

import type { MatcherContext, SyncExpectationResult } from 'expect';

import { compareWithReferenceFile } from '../src/iotests/reference-file';
import { isTranscriptText, stabilizeText } from '../src/iotests/transcript-text';
import { hintLine, type MatcherCall, usageError, wrongReceiver } from './matcher-call';

const CALL: MatcherCall = {
  name: 'toMatchReferenceFile',
  receivedLabel: 'transcript',
  expectedLabel: 'file',
};

/**
 * `expect(iotests.transcript()).toMatchReferenceFile('206.out')`: the text equals the file byte
 * for byte. A relative path is taken from the test file's directory. On a mismatch the text is
 * written beside the reference as `<file>.bad` and the failure shows `diff -u <file> <file>.bad`;
 * `-u` rewrites the reference, `--ci` refuses to create a missing one (like snapshots).
 */
export function toMatchReferenceFile(
  this: MatcherContext,
  received: unknown,
  file: unknown,
): SyncExpectationResult {
  const { utils } = this;
  if (this.isNot) {
    throw usageError(
      this,
      CALL,
      `${CALL.name} cannot be used with .not`,
      'A reference is matched or rewritten (with -u); there is nothing to negate.',
    );
  }
  let text: string;
  if (typeof received === 'string') text = received;
  else if (isTranscriptText(received)) text = stabilizeText(received.text);
  else {
    throw wrongReceiver(
      this,
      CALL,
      `${utils.RECEIVED_COLOR('transcript')} must be a string or iotests.transcript()`,
      received,
    );
  }
  if (typeof file !== 'string' || file === '') {
    throw usageError(
      this,
      CALL,
      `${utils.EXPECTED_COLOR('file')} must be a non-empty path`,
      utils.printWithType('file', file, utils.printExpected),
    );
  }
  const base = this.testPath === undefined ? process.cwd() : path.dirname(this.testPath);
  const outcome = compareWithReferenceFile(text, path.resolve(base, file));
  // Built only for a message (see toMatchQmp).
  const head = (): string => `${hintLine(this, CALL)}\n\nReference file: ${outcome.file}\n`;
  switch (outcome.kind) {
    case 'matched':
    case 'written':
    case 'updated':
      return { pass: true, message: () => `${head()}The text equals the reference.` };
    case 'missing':
      return {
        pass: false,
        message: () =>
          `${head()}The reference file does not exist, and --ci does not write new references.\n` +
          'Run without --ci (or with -u) to write it.',
      };
    case 'mismatch':
      return {
        pass: false,
        message: () =>
          `${head()}The text differs; it was written to ${outcome.badFile}. ` +
          'Run with -u to make it the reference.\n\n' +
          colourDiff(this, outcome.diff),
      };
  }
}

// Jest's colours: the reference (expected) green, the new text (received) red.
function colourDiff(context: MatcherContext, diff: string): string {
  const { utils } = context;
  return diff
    .split('\n')
    .map((line) => {
      if (line.startsWith('---') || line.startsWith('+++')) return line;
      if (line.startsWith('-')) return utils.EXPECTED_COLOR(line);
      if (line.startsWith('+')) return utils.RECEIVED_COLOR(line);
      return line;
    })
    .join('\n');
}
