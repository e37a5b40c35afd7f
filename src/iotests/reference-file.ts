// A plain file as the reference output, as QEMU keeps it (tests/qemu-iotests/NNN.out): compared
// byte for byte, with `check`'s habits. A mismatch writes NNN.out.bad beside the reference and
// shows what `diff -u NNN.out NNN.out.bad` would; a match removes a stale .bad. Writing follows
// Jest's snapshot update mode, so `-u` rewrites references and `--ci` never creates one.
import fs from 'node:fs';
import path from 'node:path';

import type * as DiffSequences from '@jest/diff-sequences';

import { session } from './session';

/** Jest's `updateSnapshot`: 'all' with -u, 'none' with --ci, else 'new' (write missing ones). */
export type ReferenceUpdateMode = 'all' | 'new' | 'none';

/** What comparing a text with its reference file did. */
export type ReferenceOutcome =
  | { readonly kind: 'matched' | 'written' | 'updated'; readonly file: string }
  | { readonly kind: 'missing'; readonly file: string }
  | {
      readonly kind: 'mismatch';
      readonly file: string;
      readonly badFile: string;
      readonly diff: string;
    };

/** The preset passes Jest's update mode for the run (`-u`, `--ci`). */
export function setReferenceUpdateMode(mode: ReferenceUpdateMode): void {
  session().referenceUpdateMode = mode;
}

/** The update mode reference files follow in this test file. */
export function referenceUpdateMode(): ReferenceUpdateMode {
  return session().referenceUpdateMode;
}

/** Compare `text` with the reference `file` (absolute), writing what `mode` allows. */
export function compareWithReferenceFile(
  text: string,
  file: string,
  mode: ReferenceUpdateMode = session().referenceUpdateMode,
): ReferenceOutcome {
  const badFile = `${file}.bad`;
  const reference = readIfExists(file);
  if (reference === undefined) {
    if (mode === 'none') return { kind: 'missing', file };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    fs.rmSync(badFile, { force: true });
    return { kind: 'written', file };
  }
  if (reference === text) {
    fs.rmSync(badFile, { force: true });
    return { kind: 'matched', file };
  }
  if (mode === 'all') {
    fs.writeFileSync(file, text);
    fs.rmSync(badFile, { force: true });
    return { kind: 'updated', file };
  }
  fs.writeFileSync(badFile, text);
  const diff = unifiedDiff(reference, text, path.basename(file), path.basename(badFile));
  return { kind: 'mismatch', file, badFile, diff };
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Lines of context around each change, as `diff -u` shows. */
const CONTEXT = 3;

/** A line of a text, and whether it ended in a newline (the last one may not). */
interface Line {
  readonly text: string;
  readonly newline: boolean;
}

function splitLines(text: string): Line[] {
  if (text === '') return [];
  const parts = text.split('\n');
  const last = parts.pop() as string;
  const lines = parts.map((part) => ({ text: part, newline: true }));
  if (last !== '') lines.push({ text: last, newline: false });
  return lines;
}

type Edit = { readonly op: ' ' | '-' | '+'; readonly line: Line };

/** `diff -u old new` of two texts ('' when they are equal), labelled with the two names. */
export function unifiedDiff(
  oldText: string,
  newText: string,
  oldName: string,
  newName: string,
): string {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  const edits = editScript(a, b);
  if (edits.every((edit) => edit.op === ' ')) return '';
  const out = [`--- ${oldName}`, `+++ ${newName}`];
  for (const hunk of hunksOf(edits)) out.push(...hunk);
  return `${out.join('\n')}\n`;
}

// The shortest edit script, from Jest's own sequence differ (Myers' algorithm, linear space).
function editScript(a: readonly Line[], b: readonly Line[]): Edit[] {
  // Loaded on a mismatch only: test files that pass never pay for it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const diffSequences = (require('@jest/diff-sequences') as typeof DiffSequences).default;
  const same = (x: Line, y: Line): boolean => x.text === y.text && x.newline === y.newline;
  const edits: Edit[] = [];
  let ai = 0;
  let bi = 0;
  diffSequences(
    a.length,
    b.length,
    (i, j) => same(a[i], b[j]),
    (count, aStart, bStart) => {
      for (; ai < aStart; ai += 1) edits.push({ op: '-', line: a[ai] });
      for (; bi < bStart; bi += 1) edits.push({ op: '+', line: b[bi] });
      for (let k = 0; k < count; k += 1) edits.push({ op: ' ', line: a[ai + k] });
      ai += count;
      bi += count;
    },
  );
  for (; ai < a.length; ai += 1) edits.push({ op: '-', line: a[ai] });
  for (; bi < b.length; bi += 1) edits.push({ op: '+', line: b[bi] });
  return edits;
}

// Group edits into hunks with CONTEXT lines around changes; each hunk starts with its header.
function hunksOf(edits: readonly Edit[]): string[][] {
  const changed = edits.flatMap((edit, index) => (edit.op === ' ' ? [] : [index]));
  const ranges: Array<[number, number]> = [];
  for (const index of changed) {
    const start = Math.max(0, index - CONTEXT);
    const end = Math.min(edits.length, index + CONTEXT + 1);
    const last = ranges[ranges.length - 1];
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
    else ranges.push([start, end]);
  }
  // Line numbers (1-based) in each text at every edit position.
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let oldLine = 1;
  let newLine = 1;
  for (const edit of edits) {
    oldAt.push(oldLine);
    newAt.push(newLine);
    if (edit.op !== '+') oldLine += 1;
    if (edit.op !== '-') newLine += 1;
  }
  return ranges.map(([start, end]) => {
    const slice = edits.slice(start, end);
    const oldCount = slice.filter((edit) => edit.op !== '+').length;
    const newCount = slice.filter((edit) => edit.op !== '-').length;
    const lines = [`@@ -${range(oldAt[start], oldCount)} +${range(newAt[start], newCount)} @@`];
    for (const edit of slice) {
      lines.push(`${edit.op}${edit.line.text}`);
      if (!edit.line.newline) lines.push('\\ No newline at end of file');
    }
    return lines;
  });
}

// diff's range notation: a hunk of no lines names the line before it.
function range(start: number, count: number): string {
  if (count === 0) return `${start - 1},0`;
  return count === 1 ? `${start}` : `${start},${count}`;
}
