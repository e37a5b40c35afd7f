// QEMU's own reference outputs: every JSON line (or indented block) a Python iotest logged must
// come out of `log` / `qmpLogMessage` byte-identical when fed the same structure. The QEMU source
// comes from QEMU_REFERENCE_SRC, or from ../shared/tools/qemu-reference (which unpacks it once).
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, test } from '@jest/globals';

import { formatLogMessage, qmpLogMessage } from '../../../src/iotests/transcript';
import { findReferenceSource } from '../../support/qemu-reference';
import { parseExactJson, toPlainDicts } from './support/parse-exact-json';

// JSON in reference outputs that Python's log() did not write, so it need not match.
const NOT_FROM_LOG: Readonly<Record<string, string>> = {
  '274.out': 'qemu-img map --output=json text, printed as qemu-img wrote it',
  '303.out': "qcow2.py's dump-header-exts output, indented and ordered by that script",
};

interface JsonChunk {
  line: number;
  text: string;
  indent: number | null;
}

// One-line JSON, or a block from a lone '{' / '[' to the matching column-0 '}' / ']'.
function jsonChunks(output: string): JsonChunk[] {
  const lines = output.split('\n');
  const chunks: JsonChunk[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index];
    if (line === '{' || line === '[') {
      const close = line === '{' ? '}' : ']';
      const end = lines.indexOf(close, index + 1);
      if (end < 0) continue;
      const indent = /^ */.exec(lines[index + 1] ?? '')?.[0].length ?? 0;
      chunks.push({ line: index + 1, text: lines.slice(index, end + 1).join('\n'), indent });
      index = end;
    } else if (line.startsWith('{') || line.startsWith('[')) {
      chunks.push({ line: index + 1, text: line, indent: null });
    }
  }
  return chunks.filter((chunk) => parses(chunk.text));
}

function parses(text: string): boolean {
  try {
    parseExactJson(text);
    return true;
  } catch {
    return false;
  }
}

// What the seed would print for this structure: qmp_log's command form, or a plain log().
function renderLikeTheSeed(chunk: JsonChunk): string {
  const value = toPlainDicts(parseExactJson(chunk.text));
  const options = { indent: chunk.indent };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const fields = value as Record<string, unknown>;
    const keys = Object.keys(fields);
    if (keys.length === 2 && keys[0] === 'execute' && keys[1] === 'arguments') {
      return formatLogMessage(
        qmpLogMessage(fields.execute as string, fields.arguments as object),
        options,
      );
    }
  }
  return formatLogMessage(value, options);
}

function mismatches(outputFile: string): Array<{ line: number; reference: string; ours: string }> {
  return jsonChunks(fs.readFileSync(outputFile, 'utf8'))
    .map((chunk) => ({ line: chunk.line, reference: chunk.text, ours: renderLikeTheSeed(chunk) }))
    .filter(({ reference, ours }) => reference !== ours);
}

// Python iotests and their outputs (NNN.out, and variants such as NNN.out.qcow2).
function pythonTestOutputs(iotestsDir: string): string[] {
  const outputs: string[] = [];
  for (const dir of [iotestsDir, path.join(iotestsDir, 'tests')]) {
    const names = fs.readdirSync(dir);
    for (const name of names) {
      const file = path.join(dir, name);
      if (name.includes('.out') || !fs.statSync(file).isFile()) continue;
      if (!fs.readFileSync(file, 'utf8').startsWith('#!/usr/bin/env python3')) continue;
      for (const output of names) {
        if (output === `${name}.out` || output.startsWith(`${name}.out.`)) {
          outputs.push(path.join(dir, output));
        }
      }
    }
  }
  return outputs;
}

const reference = findReferenceSource();
const describeWithReference = reference.root !== undefined ? describe : describe.skip;
const iotestsDir = path.join(reference.root ?? '', 'tests', 'qemu-iotests');

describeWithReference(
  `QEMU reference outputs${reference.reason !== undefined ? ` (skipped: ${reference.reason})` : ''}`,
  () => {
    // 206/210/218: blockdev-create, big sizes, job events; 236/257: indented (indent=2) blocks.
    test.each(['206.out', '210.out', '218.out', '236.out', '257.out'])(
      'every JSON line of %s is what log/qmpLogMessage print',
      (name) => {
        const file = path.join(iotestsDir, name);
        expect(jsonChunks(fs.readFileSync(file, 'utf8')).length).toBeGreaterThan(0);
        expect(mismatches(file)).toEqual([]);
      },
    );

    test('all Python iotests: every JSON line written by log() round-trips', () => {
      const outputs = pythonTestOutputs(iotestsDir);
      let checked = 0;
      const failing: Record<string, Array<{ line: number; reference: string; ours: string }>> = {};
      for (const output of outputs) {
        const name = path.relative(iotestsDir, output);
        checked += jsonChunks(fs.readFileSync(output, 'utf8')).length;
        const bad = mismatches(output);
        if (bad.length > 0 && NOT_FROM_LOG[name] === undefined) failing[name] = bad;
      }
      expect(failing).toEqual({});
      // QEMU 7.2 has ~3500 such lines; far fewer means the scan itself broke.
      expect(outputs.length).toBeGreaterThan(50);
      expect(checked).toBeGreaterThan(3000);
    });
  },
);
