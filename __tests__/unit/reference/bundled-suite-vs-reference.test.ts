// The bundled suite's script-style transcripts, as stored in their snapshots, must be
// byte-identical to QEMU's reference outputs: any drift in log, the filters or JSON formatting
// shows here at once. The snapshots of every image format that has them are checked, with the
// package's own toMatchReferenceFile against the NNN.out files of the unpacked QEMU source (a
// mismatch leaves NNN.out.bad beside it, as QEMU's check does), read back as the CLI's
// `transcript` command reads a .snap.
import fs from 'node:fs';
import path from 'node:path';

import { beforeAll, describe, expect, test } from '@jest/globals';

import { registerMatchers } from '../../../matchers';
import { readStoredEntries, storedTranscript } from '../../../src/cli/transcript';
import { setReferenceUpdateMode } from '../../../src/iotests/reference-file';

import {
  REFERENCE_DEVIATIONS,
  SCRIPT_STYLE_TESTS,
  type ReferenceDeviation,
} from '../../iotests/reference-deviations';
import { findReferenceSource } from '../../support/qemu-reference';

const ROOT = path.resolve(__dirname, '../../..');
const SUITE = path.join(ROOT, '__tests__', 'iotests');
const SNAPSHOTS = path.join(ROOT, '__snapshots__');

function testFile(num: string): string | undefined {
  return fs
    .readdirSync(SUITE)
    .find((name) => name.startsWith(`${num}-`) && name.endsWith('.test.ts'));
}

/** The reference text with the documented deviations applied; a deviation that matches nothing throws. */
export function applyDeviations(
  reference: string,
  deviations: readonly ReferenceDeviation[],
): string {
  let text = reference;
  for (const deviation of deviations) {
    if (!text.includes(deviation.reference)) {
      throw new Error(
        `stale deviation (${deviation.why}): reference has no ${JSON.stringify(deviation.reference)}`,
      );
    }
    text = text.split(deviation.reference).join(deviation.ours);
  }
  return text;
}

const source = findReferenceSource();
const formats = fs.existsSync(SNAPSHOTS)
  ? fs
      .readdirSync(SNAPSHOTS)
      .filter((name) => fs.statSync(path.join(SNAPSHOTS, name)).isDirectory())
  : [];

registerMatchers(expect);

describe('bundled script-style iotests match QEMU reference outputs', () => {
  // QEMU's tree is the reference: never written, whatever Jest's update mode.
  beforeAll(() => setReferenceUpdateMode('none'));
  if (source.root === undefined) {
    test.skip(`reference source unavailable: ${source.reason ?? 'unknown'}`, () => undefined);
    return;
  }
  const iotestsDir = path.join(source.root, 'tests', 'qemu-iotests');
  for (const num of SCRIPT_STYLE_TESTS) {
    const file = testFile(num);
    if (file === undefined) {
      test.todo(`${num}: not ported yet`);
      continue;
    }
    const snaps = formats
      .map((fmt) => ({
        fmt,
        snap: path.join(SNAPSHOTS, fmt, '__tests__', 'iotests', `${file}.snap`),
      }))
      .filter(({ snap }) => fs.existsSync(snap));
    test(`${num} has a stored transcript for some image format`, () => {
      expect(snaps.map(({ fmt }) => fmt)).not.toEqual([]);
    });
    for (const { fmt, snap } of snaps) {
      test(`${num} (${fmt}) equals ${num}.out`, () => {
        const variant = path.join(iotestsDir, `${num}.out.${fmt}`);
        const referenceFile = fs.existsSync(variant)
          ? variant
          : path.join(iotestsDir, `${num}.out`);
        // Each entry is one test's transcript, ending in its own newline.
        const ours = storedTranscript(readStoredEntries(snap));
        const deviations = REFERENCE_DEVIATIONS[num] ?? [];
        if (deviations.length === 0) {
          expect(ours).toMatchReferenceFile(referenceFile);
        } else {
          const reference = fs.readFileSync(referenceFile, 'utf8');
          expect(ours).toBe(applyDeviations(reference, deviations));
        }
      });
    }
  }
});
