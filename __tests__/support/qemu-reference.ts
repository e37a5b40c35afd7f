// Where QEMU's source matching the installed QEMU is: QEMU_REFERENCE_SRC, or what
// ../shared/tools/qemu-reference unpacks (once; later calls are instant). Tests that compare
// against QEMU's reference outputs skip, naming this reason, when neither is available.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const REFERENCE_TOOL = path.resolve(__dirname, '../../../shared/tools/qemu-reference');

/** The QEMU source root, or why there is none. */
export function findReferenceSource(): { root?: string; reason?: string } {
  const fromEnv = process.env.QEMU_REFERENCE_SRC;
  if (fromEnv !== undefined && fromEnv !== '') return { root: fromEnv };
  if (!fs.existsSync(REFERENCE_TOOL)) {
    return { reason: `neither QEMU_REFERENCE_SRC nor ${REFERENCE_TOOL} is available` };
  }
  // First use may download and unpack the Debian source package: allow it time.
  const run = spawnSync(REFERENCE_TOOL, [], { encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0) {
    throw new Error(`${REFERENCE_TOOL} failed (status ${String(run.status)}): ${run.stderr}`);
  }
  return { root: run.stdout.trim() };
}
