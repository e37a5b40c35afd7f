// Global teardown: idempotent (watch mode runs it after every run; a second call finds nothing).
// It is skipped under `--bail`; the next run's global setup sweeps what that leaves.
import { sweepOrphans } from '../machine/registry';
import { closeNotRunLedger } from './not-run';
import { removeRunDirectories } from './run-dirs';

export default async function globalTeardown(): Promise<void> {
  await sweepOrphans();
  removeRunDirectories();
  closeNotRunLedger();
}
