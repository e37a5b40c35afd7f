// Global teardown: idempotent (watch mode runs it after every run; a second call finds nothing).
// It is skipped under `--bail`; the next run's global setup sweeps what that leaves.
import path from 'node:path';

import type { Config } from '@jest/types';

import { SNAPSHOT_UPDATE_VARIABLE, currentReferenceOverlay } from '../iotests/reference-release';
import { sweepOrphans } from '../machine/registry';
import { findUp } from './find-up';
import { closeNotRunLedger } from './not-run';
import { removeRunDirectories } from './run-dirs';
import { pruneOverlaySnapshots, snapshotFormat } from './snapshot-resolver';

export default async function globalTeardown(globalConfig?: Config.GlobalConfig): Promise<void> {
  await sweepOrphans();
  removeRunDirectories();
  closeNotRunLedger();
  pruneUnchangedReleaseSnapshots(globalConfig);
}

// Under -u on a release other than the base, the resolver wrote that release's own snapshot files;
// those that came out equal to the base's are not kept.
function pruneUnchangedReleaseSnapshots(globalConfig: Config.GlobalConfig | undefined): void {
  const release = currentReferenceOverlay();
  if (globalConfig === undefined || release === undefined) return;
  if (process.env[SNAPSHOT_UPDATE_VARIABLE] !== 'all') return;
  const manifest = findUp(globalConfig.rootDir, 'package.json');
  if (manifest === undefined) return;
  pruneOverlaySnapshots(path.dirname(manifest), release, snapshotFormat());
}
