// Where QEMU's source matching the installed QEMU is: QEMU_REFERENCE_SRC, or what
// ../shared/tools/qemu-reference unpacks (once; later calls are instant); another release's
// (e.g. 10.0) from QEMU_REFERENCE_SRC_<major>_<minor> or `qemu-reference --qemu <release>`.
// Tests that compare against QEMU's reference outputs skip, naming this reason, when neither is
// available.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const REFERENCE_TOOL = path.resolve(__dirname, '../../../shared/tools/qemu-reference');

/** The QEMU source root (the installed QEMU's, or `release`'s), or why there is none. */
export function findReferenceSource(release?: string): { root?: string; reason?: string } {
  const variable =
    release === undefined
      ? 'QEMU_REFERENCE_SRC'
      : `QEMU_REFERENCE_SRC_${release.replace(/\./g, '_')}`;
  const fromEnv = process.env[variable];
  if (fromEnv !== undefined && fromEnv !== '') return { root: fromEnv };
  if (!fs.existsSync(REFERENCE_TOOL)) {
    return { reason: `neither ${variable} nor ${REFERENCE_TOOL} is available` };
  }
  // First use may download and unpack the Debian source package: allow it time.
  const args = release === undefined ? [] : ['--qemu', release];
  const run = spawnSync(REFERENCE_TOOL, args, { encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0) {
    throw new Error(`${REFERENCE_TOOL} failed (status ${String(run.status)}): ${run.stderr}`);
  }
  return { root: run.stdout.trim() };
}
