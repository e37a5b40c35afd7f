// The bundled suite's script-style transcripts, as stored in their snapshots, must be
// byte-identical to QEMU's reference outputs: any drift in log, the filters or JSON formatting
// shows here at once. The snapshots of every image format that has them are checked, with the
// package's own toMatchReferenceFile against the NNN.out files of the unpacked QEMU source (a
// mismatch leaves NNN.out.bad beside it, as QEMU's check does), read back as the CLI's
// `transcript` command reads a .snap.
// Both QEMU releases the suite runs on are checked: the base tree (__snapshots__/<fmt>) against
// QEMU 7.2's NNN.out, and for every format QEMU 10.0 keeps references of
// (__snapshots__/qemu-10.0/<fmt>) what a 10.0 run reads -- its own file where it has one, the
// base's otherwise -- against QEMU 10.0's. A file of its own must differ from the base's.
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

const BASE_RELEASE = '7.2';
const OTHER_RELEASES = ['10.0'];

const isDir = (dir: string): boolean => fs.existsSync(dir) && fs.statSync(dir).isDirectory();
const subdirs = (dir: string): string[] =>
  isDir(dir) ? fs.readdirSync(dir).filter((name) => isDir(path.join(dir, name))) : [];

/** A snapshot tree's file for a test file, or undefined when it has none. */
function snapshotIn(tree: string, file: string): string | undefined {
  const snap = path.join(tree, '__tests__', 'iotests', `${file}.snap`);
  return fs.existsSync(snap) ? snap : undefined;
}

/** What a run on `release` reads for `file` under `fmt`. */
function effectiveSnapshot(release: string, fmt: string, file: string): string | undefined {
  const base = snapshotIn(path.join(SNAPSHOTS, fmt), file);
  if (release === BASE_RELEASE) return base;
  return snapshotIn(path.join(SNAPSHOTS, `qemu-${release}`, fmt), file) ?? base;
}

/** The image formats whose references `release` keeps. */
function formatsOf(release: string): string[] {
  if (release === BASE_RELEASE) {
    return subdirs(SNAPSHOTS).filter((name) => !name.startsWith('qemu-'));
  }
  return subdirs(path.join(SNAPSHOTS, `qemu-${release}`));
}

registerMatchers(expect);

function checkRelease(release: string): void {
  describe(`QEMU ${release}`, () => {
    // QEMU's tree is the reference: never written, whatever Jest's update mode.
    beforeAll(() => setReferenceUpdateMode('none'));
    const source = release === BASE_RELEASE ? findReferenceSource() : findReferenceSource(release);
    if (source.root === undefined) {
      test.skip(`reference source unavailable: ${source.reason ?? 'unknown'}`, () => undefined);
      return;
    }
    const iotestsDir = path.join(source.root, 'tests', 'qemu-iotests');
    const formats = formatsOf(release);
    for (const num of SCRIPT_STYLE_TESTS) {
      const file = testFile(num);
      if (file === undefined) {
        test.todo(`${num}: not ported yet`);
        continue;
      }
      const snaps = formats
        .map((fmt) => ({ fmt, snap: effectiveSnapshot(release, fmt, file) }))
        .filter((entry): entry is { fmt: string; snap: string } => entry.snap !== undefined);
      if (release === BASE_RELEASE) {
        test(`${num} has a stored transcript for some image format`, () => {
          expect(snaps.map(({ fmt }) => fmt)).not.toEqual([]);
        });
      }
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
}

describe('bundled script-style iotests match QEMU reference outputs', () => {
  checkRelease(BASE_RELEASE);
  for (const release of OTHER_RELEASES) checkRelease(release);
});

describe("a release's own references are kept only where they differ", () => {
  for (const release of OTHER_RELEASES) {
    for (const fmt of formatsOf(release)) {
      const tree = path.join(SNAPSHOTS, `qemu-${release}`, fmt, '__tests__', 'iotests');
      const own = isDir(tree) ? fs.readdirSync(tree) : [];
      test.each(own)(`${release} (${fmt}) %s differs from the base's`, (name) => {
        const base = path.join(SNAPSHOTS, fmt, '__tests__', 'iotests', name);
        expect(fs.existsSync(base)).toBe(true);
        expect(fs.readFileSync(path.join(tree, name), 'utf8')).not.toBe(
          fs.readFileSync(base, 'utf8'),
        );
      });
    }
  }
});
