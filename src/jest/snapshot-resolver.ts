// Snapshots of a project's tests live in one top-level `__snapshots__/` directory, one tree per
// image format, mirroring the test tree:
//   __tests__/iotests/206.test.ts -> __snapshots__/qcow2/__tests__/iotests/206.test.ts.snap
// Reference output depends on IMGFMT (QEMU keeps NNN.out.<fmt> variants); with one tree per
// format, `-u` under qcow2 never drops raw's entries as obsolete. The project root is the nearest
// directory with a package.json above the test; without one, Jest's usual layout is used.
import path from 'node:path';

import { findUp } from './find-up';

const SNAPSHOTS = '__snapshots__';

/** The image format whose snapshots a run reads and writes (global setup pins IMGFMT). */
export function snapshotFormat(env: NodeJS.ProcessEnv = process.env): string {
  const imgfmt = env.IMGFMT;
  return imgfmt !== undefined && /^[A-Za-z0-9_-]+$/.test(imgfmt) ? imgfmt : 'raw';
}

function projectRoot(testPath: string): string | undefined {
  if (!path.isAbsolute(testPath)) return undefined;
  const manifest = findUp(path.dirname(testPath), 'package.json');
  return manifest === undefined ? undefined : path.dirname(manifest);
}

/** Where the snapshot of the test at `testPath` lives. */
export function resolveSnapshotPath(testPath: string, snapshotExtension: string): string {
  const root = projectRoot(testPath);
  if (root === undefined) {
    return path.join(
      path.dirname(testPath),
      SNAPSHOTS,
      path.basename(testPath) + snapshotExtension,
    );
  }
  const relative = path.relative(root, testPath);
  return path.join(root, SNAPSHOTS, snapshotFormat(), relative + snapshotExtension);
}

/** The test a snapshot file belongs to (the inverse of resolveSnapshotPath). */
export function resolveTestPath(snapshotPath: string, snapshotExtension: string): string {
  const withoutExtension = snapshotPath.slice(0, -snapshotExtension.length);
  const marker = `${path.sep}${SNAPSHOTS}${path.sep}`;
  const at = withoutExtension.lastIndexOf(marker);
  if (at === -1) return withoutExtension;
  const before = withoutExtension.slice(0, at);
  const after = withoutExtension.slice(at + marker.length);
  // Top-level layout: <root>/__snapshots__/<fmt>/<relative test path>; beside the test: <dir>/__snapshots__/<file>.
  const slash = after.indexOf(path.sep);
  const relative = slash === -1 ? after : after.slice(slash + 1);
  return path.join(before, relative);
}

/** Jest checks the two functions above invert each other on this path. */
export const testPathForConsistencyCheck = path.join('some', '__tests__', 'example.test.js');

// Jest reads a snapshot resolver through its default export.
export default { resolveSnapshotPath, resolveTestPath, testPathForConsistencyCheck };
