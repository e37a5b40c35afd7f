// unifiedDiff against GNU diff itself (`diff -u`), on texts with every kind of change: the failure
// of a reference-file comparison must read exactly like `diff -u NNN.out NNN.out.bad`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { compareWithReferenceFile, unifiedDiff } from '../../../src/iotests/reference-file';

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reference-file-'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function gnuDiff(oldText: string, newText: string): string {
  const a = path.join(dir, 'a');
  const b = path.join(dir, 'b');
  fs.writeFileSync(a, oldText);
  fs.writeFileSync(b, newText);
  const run = spawnSync('diff', ['-u', '--label', 'NNN.out', '--label', 'NNN.out.bad', a, b], {
    encoding: 'utf8',
  });
  if (run.status === 2) throw new Error(run.stderr);
  return run.stdout;
}

/** A deterministic pseudo-random text edit of `lines`, seeded. */
function edited(lines: readonly string[], seed: number): string[] {
  let state = seed;
  const next = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
  const out: string[] = [];
  for (const line of lines) {
    const roll = next(10);
    if (roll === 0) continue; // deleted
    if (roll === 1) out.push(`changed ${line}`);
    else out.push(line);
    if (roll === 2) out.push(`inserted after ${line}`);
  }
  return out;
}

describe('unifiedDiff', () => {
  const base = Array.from({ length: 60 }, (_, i) => `{"return": {"line": ${i}}}`);

  test.each(Array.from({ length: 12 }, (_, seed) => seed + 1))(
    'matches diff -u on an edited 60-line text (seed %i)',
    (seed) => {
      const oldText = `${base.join('\n')}\n`;
      const newText = `${edited(base, seed).join('\n')}\n`;
      expect(unifiedDiff(oldText, newText, 'NNN.out', 'NNN.out.bad')).toBe(
        gnuDiff(oldText, newText),
      );
    },
  );

  test.each([
    ['a missing final newline', 'a\nb\nc\n', 'a\nb\nc'],
    ['a final newline added', 'a\nb', 'a\nb\n'],
    ['an empty reference', '', 'a\nb\n'],
    ['an empty new text', 'a\nb\n', ''],
    ['changes at both ends', 'x\n1\n2\n3\n4\n5\n6\n7\n8\ny\n', 'X\n1\n2\n3\n4\n5\n6\n7\n8\nY\n'],
    [
      'changes 7 lines apart (two hunks)',
      '1\n2\n3\n4\n5\n6\n7\n8\n9\n',
      'one\n2\n3\n4\n5\n6\n7\n8\nnine\n',
    ],
    [
      'changes 6 lines apart (one hunk)',
      '1\n2\n3\n4\n5\n6\n7\n8\n',
      'one\n2\n3\n4\n5\n6\n7\nseven\n',
    ],
  ])('matches diff -u with %s', (_label, oldText, newText) => {
    expect(unifiedDiff(oldText, newText, 'NNN.out', 'NNN.out.bad')).toBe(gnuDiff(oldText, newText));
  });

  test('is empty for equal texts', () => {
    expect(unifiedDiff('a\n', 'a\n', 'x', 'y')).toBe('');
  });
});

describe('compareWithReferenceFile', () => {
  test('each update mode does what Jest does with snapshots', () => {
    const file = path.join(dir, 'sub', 'NNN.out');
    expect(compareWithReferenceFile('t\n', file, 'none').kind).toBe('missing');
    expect(fs.existsSync(file)).toBe(false);
    expect(compareWithReferenceFile('t\n', file, 'new').kind).toBe('written');
    expect(compareWithReferenceFile('t\n', file, 'none').kind).toBe('matched');
    const mismatch = compareWithReferenceFile('u\n', file, 'new');
    expect(mismatch).toMatchObject({ kind: 'mismatch', badFile: `${file}.bad` });
    expect(fs.readFileSync(`${file}.bad`, 'utf8')).toBe('u\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('t\n');
    expect(compareWithReferenceFile('u\n', file, 'all').kind).toBe('updated');
    expect(fs.readFileSync(file, 'utf8')).toBe('u\n');
    expect(fs.existsSync(`${file}.bad`)).toBe(false);
  });
});
