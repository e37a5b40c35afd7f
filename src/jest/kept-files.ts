// What IOTESTS_KEEP_SCRATCH keeps of a failed file besides its images: each failed test's
// transcript as `<test>.out.bad` (check's name for the output that did not match) and the output
// of every QEMU, daemon and tool the file started, in the file's scratch directory.
import fs from 'node:fs';
import path from 'node:path';

import type { ObservedMachine } from '../machine/observer';
import type { ReportedProcess } from '../iotests/session';
import type { TestScope } from '../iotests/test-scope';

/** A title as a file name: nothing that leaves the directory or confuses a shell. */
function fileName(title: string): string {
  const cleaned = title.replace(/[^A-Za-z0-9._ -]+/g, '_').trim();
  return (cleaned === '' || cleaned.startsWith('.') ? `_${cleaned}` : cleaned).slice(0, 100);
}

/** Write the failed test's transcript as `<title>.out.bad` in `dir`. */
export function keepFailedTranscript(dir: string, scope: TestScope): void {
  writeQuietly(path.join(dir, `${fileName(scope.title ?? 'file')}.out.bad`), scope.text());
}

/** Write each QEMU's log (`qemu-<n>-<name>.log`) and each daemon's output into `dir`. */
export function keepQemuOutputs(
  dir: string,
  machines: readonly ObservedMachine[],
  processes: readonly ReportedProcess[],
): void {
  machines.forEach((machine, index) => {
    const log = attempt(() => machine.getLog());
    if (log !== undefined)
      writeQuietly(path.join(dir, `qemu-${index + 1}-${machine.name}.log`), log);
  });
  processes.forEach((process, index) => {
    const output = attempt(() => process.output());
    if (output !== undefined && output !== '') {
      writeQuietly(path.join(dir, `process-${index + 1}-${fileName(process.title)}.log`), output);
    }
  });
}

// What is kept is a help for debugging: failing to write it must not fail the file.
function writeQuietly(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text, { mode: 0o600 });
  } catch {
    // The directory may be gone (a test removed it).
  }
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
