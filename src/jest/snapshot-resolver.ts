// Snapshots of a project's tests live in one top-level `__snapshots__/` directory, one tree per
// image format, mirroring the test tree:
//   __tests__/iotests/206.test.ts -> __snapshots__/qcow2/__tests__/iotests/206.test.ts.snap
// Reference output depends on IMGFMT (QEMU keeps NNN.out.<fmt> variants); with one tree per
// format, `-u` under qcow2 never drops raw's entries as obsolete. The project root is the nearest
// directory with a package.json above the test; without one, Jest's usual layout is used.
// With a reference base release (IOTESTS_REFERENCE_BASE), a run on another QEMU release reads
//   __snapshots__/qemu-<release>/<fmt>/<relative test path>.snap
// where it exists, the base tree's file otherwise; under -u it writes its own file (seeded from the
// base's, so a partial run keeps the rest) and global teardown removes those equal to the base's.
import fs from 'node:fs';
import path from 'node:path';

import {
  SNAPSHOT_UPDATE_VARIABLE,
  currentReferenceOverlay,
  isOverlaySnapshotDir,
  overlaySnapshotDir,
} from '../iotests/reference-release';
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
  const relative = path.relative(root, testPath) + snapshotExtension;
  const base = path.join(root, SNAPSHOTS, snapshotFormat(), relative);
  const release = currentReferenceOverlay();
  if (release === undefined) return base;
  const own = path.join(root, SNAPSHOTS, overlaySnapshotDir(release), snapshotFormat(), relative);
  if (fs.existsSync(own)) return own;
  if (process.env[SNAPSHOT_UPDATE_VARIABLE] !== 'all') return base;
  if (fs.existsSync(base)) {
    fs.mkdirSync(path.dirname(own), { recursive: true });
    fs.copyFileSync(base, own);
  }
  return own;
}

/** Removes a release's snapshot files that equal the base's (kept apart only where they differ). */
export function pruneOverlaySnapshots(root: string, release: string, format: string): string[] {
  const ownRoot = path.join(root, SNAPSHOTS, overlaySnapshotDir(release), format);
  const removed: string[] = [];
  const visit = (dir: string): void => {
    for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      const own = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        visit(own);
        if (fs.readdirSync(own).length === 0) fs.rmdirSync(own);
        continue;
      }
      const base = path.join(root, SNAPSHOTS, format, path.relative(ownRoot, own));
      if (fs.existsSync(base) && fs.readFileSync(base).equals(fs.readFileSync(own))) {
        fs.rmSync(own);
        removed.push(own);
      }
    }
  };
  visit(ownRoot);
  return removed;
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
  // A release's tree adds one level: <root>/__snapshots__/qemu-<release>/<fmt>/<relative test path>.
  const segments = after.split(path.sep);
  const skip = segments.length > 2 && isOverlaySnapshotDir(segments[0] ?? '') ? 2 : 1;
  const relative = segments.length === 1 ? after : segments.slice(skip).join(path.sep);
  return path.join(before, relative);
}

/** Jest checks the two functions above invert each other on this path. */
export const testPathForConsistencyCheck = path.join('some', '__tests__', 'example.test.js');

// Jest reads a snapshot resolver through its default export.
export default { resolveSnapshotPath, resolveTestPath, testPathForConsistencyCheck };
