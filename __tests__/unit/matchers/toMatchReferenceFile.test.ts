import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';

import { setReferenceUpdateMode } from '../../../src/iotests/reference-file';
import { TranscriptText } from '../../../src/iotests/transcript-text';
import { failureOf, usageErrorOf } from './helpers';

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reference-matcher-'));
});

afterEach(() => {
  setReferenceUpdateMode('new');
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function reference(name: string, text: string | undefined): string {
  const file = path.join(dir, name);
  if (text !== undefined) fs.writeFileSync(file, text);
  return file;
}

describe('toMatchReferenceFile', () => {
  test('passes on equal bytes and removes a stale .bad', () => {
    const file = reference('same.out', 'a\nb\n');
    fs.writeFileSync(`${file}.bad`, 'old');
    expect('a\nb\n').toMatchReferenceFile(file);
    expect(fs.existsSync(`${file}.bad`)).toBe(false);
  });

  test('takes a relative path from the test file, and a transcript as snapshots store it', () => {
    const file = reference('transcript.out', 'logged\n');
    expect(new TranscriptText('logged\n')).toMatchReferenceFile(path.relative(__dirname, file));
  });

  test('a mismatch writes <file>.bad and shows diff -u', () => {
    const file = reference('206.out', '1\n2\n3\n4\n5\n6\n7\n8\n9\n');
    const message = failureOf(() =>
      expect('1\n2\n3\n4\nfive\n6\n7\n8\n9\n10').toMatchReferenceFile(file),
    );
    expect(fs.readFileSync(`${file}.bad`, 'utf8')).toBe('1\n2\n3\n4\nfive\n6\n7\n8\n9\n10');
    expect(message.split(dir).join('DIR')).toMatchInlineSnapshot(`
      "expect(transcript).toMatchReferenceFile(file)

      Reference file: DIR/206.out
      The text differs; it was written to DIR/206.out.bad. Run with -u to make it the reference.

      --- 206.out
      +++ 206.out.bad
      @@ -2,8 +2,9 @@
       2
       3
       4
      -5
      +five
       6
       7
       8
       9
      +10
      \\ No newline at end of file
      "
    `);
  });

  test('-u rewrites a differing reference; a new one is written unless --ci', () => {
    setReferenceUpdateMode('all');
    const file = reference('update.out', 'old\n');
    expect('new\n').toMatchReferenceFile(file);
    expect(fs.readFileSync(file, 'utf8')).toBe('new\n');

    setReferenceUpdateMode('new');
    const created = reference('created.out', undefined);
    expect('first\n').toMatchReferenceFile(created);
    expect(fs.readFileSync(created, 'utf8')).toBe('first\n');
  });

  test('--ci refuses to create a missing reference', () => {
    setReferenceUpdateMode('none');
    const file = reference('missing.out', undefined);
    const message = failureOf(() => expect('text\n').toMatchReferenceFile(file));
    expect(message).toContain('does not exist, and --ci does not write new references');
    expect(fs.existsSync(file)).toBe(false);
  });

  test('usage errors: .not, a Promise, a bad receiver, a bad path', () => {
    const file = reference('usage.out', 'x\n');
    expect(usageErrorOf(() => expect('x\n').not.toMatchReferenceFile(file))).toContain(
      'toMatchReferenceFile cannot be used with .not',
    );
    expect(usageErrorOf(() => expect(Promise.resolve('x')).toMatchReferenceFile(file))).toContain(
      'received value is a Promise: missing await?',
    );
    expect(usageErrorOf(() => expect(42).toMatchReferenceFile(file))).toContain(
      'transcript must be a string or iotests.transcript()',
    );
    expect(usageErrorOf(() => expect('x').toMatchReferenceFile(''))).toContain(
      'file must be a non-empty path',
    );
  });
});
