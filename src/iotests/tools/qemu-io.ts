// qemu-io wrappers. `qemuIo` / `qemuIoLog` are 7.2's (they throw QemuToolError on a non-zero exit
// unless given `{ check: false }`); `qemuIoSilent` / `qemuIoSilentCheck` are the seed's (7.2
// dropped them), returning the status.
import { filters } from '../filters';
import { callLabel, trackOperation } from '../test-scope';
import { log } from '../transcript';
import type { CheckOption } from './qemu-img';
import type { ArgsWithOptions, ToolOptions, ToolResult } from './run-tool';
import {
  reportSignal,
  runQemuTool,
  runTool,
  splitArgs,
  splitToolArgs,
  writeToolOutput,
} from './run-tool';
import { qemuIoArgs, qemuIoArgsNoFmt, toolConfig } from './tool-config';

/**
 * The seed's `qemu_io_wrap_args`: QEMU_IO_OPTIONS_NO_FMT when the caller picks the format itself
 * ('-f' or '--image-opts' among the arguments), else QEMU_IO_OPTIONS (which carry `-f IMGFMT`).
 */
export function qemuIoWrapArgs(args: readonly string[]): string[] {
  const config = toolConfig();
  const prefix =
    args.includes('-f') || args.includes('--image-opts')
      ? qemuIoArgsNoFmt(config)
      : qemuIoArgs(config);
  return [...prefix, ...args];
}

/** 7.2's `qemu_io`: run qemu-io; throws QemuToolError on a non-zero exit unless `{ check: false }`. */
export async function qemuIo(...args: ArgsWithOptions<ToolOptions>): Promise<ToolResult> {
  const split = splitToolArgs('qemuIo', args);
  return runQemuTool('qemu-io', qemuIoWrapArgs(split.args), split.options);
}

/** 7.2's `qemu_io_log`: run qemu-io and log its output through `testfiles` and `qemuIo` filters. */
export function qemuIoLog(...args: ArgsWithOptions<CheckOption>): Promise<ToolResult> {
  return trackOperation(
    () => callLabel('qemuIoLog', args),
    async () => {
      const split = splitArgs<CheckOption>(args);
      const result = await qemuIo(...split.args, { check: split.options.check !== false });
      log(result.stdout, { filters: [filters.testfiles, filters.qemuIo] });
      return result;
    },
    qemuIoLog,
  );
}

/**
 * The seed's `qemu_io_silent`: run qemu-io, discard its stdout, let its stderr through (to the
 * tool-output sink) and return its status (-N when killed by signal N, reported on stderr).
 */
export async function qemuIoSilent(...args: string[]): Promise<number> {
  const split = splitToolArgs('qemuIoSilent', args);
  const result = await runTool('qemu-io', qemuIoWrapArgs(split.args), { combineStdio: false });
  writeToolOutput(result.stderr ?? '');
  reportSignal('qemu-io', result);
  return result.returncode;
}

/** The seed's `qemu_io_silent_check`: true when qemu-io exits 0; all output discarded. */
export async function qemuIoSilentCheck(...args: string[]): Promise<boolean> {
  const split = splitToolArgs('qemuIoSilentCheck', args);
  const result = await runTool('qemu-io', qemuIoWrapArgs(split.args));
  return result.returncode === 0;
}
