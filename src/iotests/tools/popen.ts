// The seed's qemu_tool_popen / qemu_io_popen: a tool started in the background, which the test
// reads (stdout and stderr as one stream), writes to, waits for or stops. Like every process the
// library starts, it is tracked: whatever still runs after the test file is killed then.
import path from 'node:path';

import { qemuIoWrapArgs } from './qemu-io';
import { TrackedProcess } from './tracked-process';

/** A background tool process (see qemuToolPopen). */
export type ToolProcess = TrackedProcess;
export type { ExitStatus } from './tracked-process';

/** Options of qemuToolPopen. */
export interface PopenOptions {
  /** 'pipe' (the default) to write to the process through `stdin`; 'ignore' for /dev/null. */
  stdin?: 'pipe' | 'ignore';
}

/**
 * The seed's `qemu_tool_popen(args)`: start `argv` (program first, e.g.
 * `[...iotests.qemuImgArgs, 'bench', ...]`), without a shell. Resolves once it runs; `output()`
 * holds what it wrote so far, `whenExited()` its end, `stop()` ends it.
 */
export async function qemuToolPopen(
  argv: readonly string[],
  options: PopenOptions = {},
): Promise<ToolProcess> {
  // Kept: no type says "non-empty", and without a program nothing below could name the tool.
  if (argv.length === 0) {
    throw new TypeError('qemuToolPopen expects a non-empty array of strings (program first)');
  }
  const stdin = options.stdin ?? 'pipe';
  const tool = path.basename(argv[0]);
  return TrackedProcess.spawn(tool, argv, { stdin, description: `${tool} (popen)` });
}

/** The seed's `qemu_io_popen(*args)`: qemu-io with QEMU_IO_OPTIONS (and -f IMGFMT unless given). */
export function qemuIoPopen(...args: string[]): Promise<ToolProcess> {
  return qemuToolPopen(qemuIoWrapArgs(args));
}
