// `qemu-iotests transcript <file.snap> [test name]`: a stored transcript as the plain bytes the
// test logged, to compare with QEMU's NNN.out (`diff -u 206.out <(npx qemu-iotests transcript …)`).
// Jest stores a multi-line value with one added newline at each end and its backticks, backslashes
// and `${` escaped; reading the file as Jest does and removing those newlines gives the bytes back.
import fs from 'node:fs';

import { getSnapshotData, keyToTestName } from '@jest/snapshot-utils';

import { IotestsError } from '../common/errors';

/** One stored entry: its key (`<test name> <n>`), its test's name, and the text it holds. */
export interface StoredEntry {
  readonly key: string;
  readonly testName: string;
  readonly text: string;
}

/** A problem the user can fix (a missing file, an unknown test): one line, no stack. */
export class TranscriptCommandError extends IotestsError {}

/** The entries of a .snap file in file order (Jest writes them sorted by key). */
export function readStoredEntries(snapFile: string): StoredEntry[] {
  if (!fs.existsSync(snapFile)) {
    throw new TranscriptCommandError(`${snapFile}: no such snapshot file`);
  }
  const { data } = getSnapshotData(snapFile, 'none');
  return Object.entries(data).map(([key, stored]) => ({
    key,
    testName: keyToTestName(key),
    text: withoutAddedNewlines(stored),
  }));
}

// jest-snapshot wraps every multi-line value in one newline at each end.
function withoutAddedNewlines(stored: string): string {
  return stored.length > 2 && stored.startsWith('\n') && stored.endsWith('\n')
    ? stored.slice(1, -1)
    : stored;
}

/**
 * The text to print: every entry of the file in order (a script-style test's whole NNN.out), or
 * those of one test (by its full name, every `toMatchSnapshot` call of it) or one key.
 */
export function storedTranscript(entries: readonly StoredEntry[], name?: string): string {
  if (name === undefined) return entries.map((entry) => entry.text).join('');
  const chosen = entries.filter((entry) => entry.key === name || entry.testName === name);
  if (chosen.length === 0) {
    const names = [...new Set(entries.map((entry) => entry.testName))];
    throw new TranscriptCommandError(
      `no test named ${JSON.stringify(name)} in the snapshot file; its tests: ` +
        (names.length === 0 ? '(none)' : names.map((n) => JSON.stringify(n)).join(', ')),
    );
  }
  return chosen.map((entry) => entry.text).join('');
}
