// References per QEMU release, kept apart only where they differ. A project names its base
// release (IOTESTS_REFERENCE_BASE); a run on another iotests.py level reads that level's own
// reference where one exists and the base's otherwise, and `-u` writes the level's own, never the
// base's. Global setup decides once per run and pins the answer here for workers and the snapshot
// resolver, which see no configuration.
import path from 'node:path';

/** The release whose references this run keeps apart ('' or unset: the base's). */
export const REFERENCE_OVERLAY_VARIABLE = 'IOTESTS_REFERENCE_OVERLAY';

/** Jest's update mode of the run ('all' under -u), for the snapshot resolver. */
export const SNAPSHOT_UPDATE_VARIABLE = 'IOTESTS_SNAPSHOT_UPDATE';

/** The level whose references are kept apart, or undefined when the base's apply. */
export function referenceOverlay(base: string | undefined, level: string): string | undefined {
  return base === undefined || base === level ? undefined : level;
}

/** What global setup pinned for this run. */
export function currentReferenceOverlay(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const overlay = env[REFERENCE_OVERLAY_VARIABLE];
  return overlay !== undefined && /^\d+\.\d+$/.test(overlay) ? overlay : undefined;
}

/** The directory of a release's own snapshots under `__snapshots__/`. */
export function overlaySnapshotDir(release: string): string {
  return `qemu-${release}`;
}

/** A reference file's variant for a release: `206.out` -> `206.out.qemu-10.0`. */
export function overlayReferenceFile(file: string, release: string): string {
  return `${file}.${overlaySnapshotDir(release)}`;
}

/** Whether `segment` (a directory name under `__snapshots__/`) holds a release's snapshots. */
export function isOverlaySnapshotDir(segment: string): boolean {
  return /^qemu-\d+\.\d+$/.test(segment) && segment === path.basename(segment);
}
