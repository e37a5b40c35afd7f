// qemu-img wrappers. The 7.2 functions (`qemuImg`, `qemuImgLog`, `qemuImgJson`, ...) throw
// QemuToolError on a non-zero exit unless given `{ check: false }`, as QEMU 7.2's iotests.py does;
// the seed's pre-7.2 variants that return the status instead are `qemuImgPipeAndStatus`,
// `qemuImgPipe` and `qemuImgStatus`.
import { rm } from 'node:fs/promises';
import path from 'node:path';

import { fileContext } from '../context';
import { filters } from '../filters';
import { isJsonObject } from '../../qmp/json';
import type { JsonValue } from '../../qmp';
import { callLabel, trackOperation } from '../test-scope';
import { log } from '../transcript';
import { prepareCreateArgs } from './qemu-img-create-args';
import type { ArgsWithOptions, ToolOptions, ToolResult } from './run-tool';
import { runQemuTool, splitArgs, splitToolArgs, toolError, toolPipeAndStatus } from './run-tool';
import { QemuToolError } from './tool-error';
import {
  LUKS_DEFAULT_KEY_SECRET_OPT,
  luksDefaultSecretObject,
  qemuImgArgs,
  toolConfig,
} from './tool-config';
import { redactCommandLine } from '../../machine';

/** The full qemu-img command line for `args`: QEMU_IMG_OPTIONS, and IMGOPTS/LUKS for `create`. */
export function qemuImgCommand(args: readonly string[]): string[] {
  const config = toolConfig();
  return [
    ...qemuImgArgs(config),
    ...prepareCreateArgs(args, {
      imgfmt: config.imgfmt,
      imgopts: config.imgopts,
      luksSecretObject: luksDefaultSecretObject(config),
      luksKeySecretOpt: LUKS_DEFAULT_KEY_SECRET_OPT,
    }),
  ];
}

/**
 * 7.2's `qemu_img`: run qemu-img; throws QemuToolError on a non-zero exit (unless
 * `{ check: false }`) or a death by signal. E.g. `await qemuImg('create', '-f', 'qcow2', img, '1M')`.
 */
export async function qemuImg(...args: ArgsWithOptions<ToolOptions>): Promise<ToolResult> {
  const split = splitToolArgs('qemuImg', args);
  return runQemuTool('qemu-img', qemuImgCommand(split.args), split.options);
}

/** 7.2's `qemu_img_create`: `qemuImg('create', ...args)` (IMGOPTS and the LUKS secret added). */
export async function qemuImgCreate(...args: ArgsWithOptions<ToolOptions>): Promise<ToolResult> {
  return qemuImg('create', ...args);
}

/** Options of qemuImgLog: only `check`. */
export interface CheckOption {
  check?: boolean;
}

/** 7.2's `qemu_img_log`: run qemu-img and log its output with `filters.testfiles`. */
export function qemuImgLog(...args: ArgsWithOptions<CheckOption>): Promise<ToolResult> {
  return trackOperation(
    () => callLabel('qemuImgLog', args),
    async () => {
      const split = splitArgs<CheckOption>(args);
      const result = await qemuImg(...split.args, { check: split.options.check !== false });
      log(result.stdout, { filters: [filters.testfiles] });
      return result;
    },
    qemuImgLog,
  );
}

/**
 * 7.2's `qemu_img_json`: run qemu-img (stderr apart) and parse its stdout as JSON. A failing
 * status is forgiven when stdout still is valid JSON (`check` reports problems with exit 2/3);
 * otherwise the QemuToolError is thrown.
 */
export async function qemuImgJson(...args: string[]): Promise<JsonValue> {
  let result: ToolResult;
  try {
    result = await qemuImg(...args, { combineStdio: false });
  } catch (error) {
    if (error instanceof QemuToolError && error.signal === null) {
      const parsed = tryParseJson(error.stdout);
      if (parsed.ok) {
        return parsed.value;
      }
    }
    throw error;
  }
  const parsed = tryParseJson(result.stdout);
  if (!parsed.ok) {
    throw new SyntaxError(
      `qemu-img printed no valid JSON (${parsed.reason}) for: ${redactCommandLine(result.command).join(' ')}\n` +
        `stdout: ${result.stdout}`,
    );
  }
  return parsed.value;
}

/** 7.2's `qemu_img_measure`: `qemu-img measure --output json ...`, parsed. */
export function qemuImgMeasure(...args: string[]): Promise<JsonValue> {
  return qemuImgJson('measure', '--output', 'json', ...args);
}

/** 7.2's `qemu_img_check`: `qemu-img check --output json ...`, parsed. */
export function qemuImgCheck(...args: string[]): Promise<JsonValue> {
  return qemuImgJson('check', '--output', 'json', ...args);
}

/** 7.2's `qemu_img_info`: `qemu-img info --output json ...`, parsed. */
export function qemuImgInfo(...args: string[]): Promise<JsonValue> {
  return qemuImgJson('info', '--output', 'json', ...args);
}

/** 7.2's `qemu_img_map`: `qemu-img map --output json ...`, parsed. */
export function qemuImgMap(...args: string[]): Promise<JsonValue> {
  return qemuImgJson('map', '--output', 'json', ...args);
}

/** Options of imgInfoLog, as the seed's keyword arguments. */
export interface ImgInfoLogOptions {
  /** The name to replace with TEST_IMG (default: the filename). */
  filterPath?: string;
  /** Open with --image-opts instead of `-f IMGFMT`. */
  useImageOpts?: boolean;
  extraArgs?: readonly string[];
  /** 7.2: throw on a non-zero exit (default true). */
  check?: boolean;
  /** QEMU 10.0: leave out qemu-img's child node sections (default true; see filters.imgInfo). */
  dropChildInfo?: boolean;
}

/** The seed's `img_info_log`: `qemu-img info` of an image, logged through `filters.imgInfo`. */
export function imgInfoLog(filename: string, options: ImgInfoLogOptions = {}): Promise<void> {
  return trackOperation(
    () => callLabel('imgInfoLog', [filename, options]),
    async () => {
      const args = ['info'];
      if (options.useImageOpts === true) {
        args.push('--image-opts');
      } else {
        args.push('-f', toolConfig().imgfmt);
      }
      args.push(...(options.extraArgs ?? []), filename);
      const result = await qemuImg(...args, { check: options.check !== false });
      // The seed: `if not filter_path` -- an empty path falls back to the filename too.
      const filterPath =
        options.filterPath === undefined || options.filterPath === ''
          ? filename
          : options.filterPath;
      log(filters.imgInfo(result.stdout, filterPath, options.dropChildInfo !== false));
    },
    imgInfoLog,
  );
}

/** 7.2's `image_size`: the virtual size of an IMGFMT image, from `qemu-img info`. */
export async function imageSize(img: string): Promise<number> {
  const info = await qemuImgInfo('-f', toolConfig().imgfmt, img);
  const value = isJsonObject(info) ? info['virtual-size'] : undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(
      `Expected an integer for 'virtual-size', got ${JSON.stringify(value)} of type ${typeof value}`,
    );
  }
  return value;
}

/**
 * 7.2's `compare_images`: true when `qemu-img compare` finds the images identical, false when it
 * says they differ (exit 1); any other failure throws QemuToolError. Formats default to IMGFMT.
 */
export async function compareImages(
  img1: string,
  img2: string,
  fmt1?: string,
  fmt2?: string,
): Promise<boolean> {
  const imgfmt = toolConfig().imgfmt;
  const result = await qemuImg('compare', '-f', fmt1 ?? imgfmt, '-F', fmt2 ?? imgfmt, img1, img2, {
    check: false,
  });
  if (result.returncode === 0) {
    return true;
  }
  if (result.returncode === 1) {
    return false;
  }
  throw toolError('qemu-img', result);
}

/**
 * 7.2's `supports_qcow2_zstd_compression`: whether qemu-img accepts compression_type=zstd
 * (creates and removes a scratch image, by default in the test directory).
 */
export async function supportsQcow2ZstdCompression(
  scratchImage = path.join(
    fileContext().testDir,
    `${fileContext().filePrefix}qcow2-zstd-test.qcow2`,
  ),
): Promise<boolean> {
  try {
    const result = await qemuImg(
      'create',
      '-f',
      'qcow2',
      '-o',
      'compression_type=zstd',
      scratchImage,
      '0',
      { check: false },
    );
    return !(
      result.returncode === 1 &&
      result.stdout.includes("'compression-type' does not accept value 'zstd'")
    );
  } finally {
    await rm(scratchImage, { force: true });
  }
}

// --- The seed's (pre-7.2) variants: status returned, never thrown. ---

/**
 * The seed's `qemu_img_pipe_and_status`: [output, returncode]; output of a successful `create` is
 * dropped; a death by signal is reported on stderr.
 */
export function qemuImgPipeAndStatus(...args: string[]): Promise<[string, number]> {
  return toolPipeAndStatus('qemu-img', qemuImgCommand(args), {
    dropSuccessfulOutput: args[0] === 'create',
  });
}

/** The seed's `qemu_img_pipe`: qemu-img's output, whatever its status. */
export async function qemuImgPipe(...args: string[]): Promise<string> {
  return (await qemuImgPipeAndStatus(...args))[0];
}

/** The seed's `qemu_img` (pre-7.2): run qemu-img and return its exit status. */
export async function qemuImgStatus(...args: string[]): Promise<number> {
  return (await qemuImgPipeAndStatus(...args))[1];
}

function tryParseJson(
  text: string,
): { ok: true; value: JsonValue } | { ok: false; reason: string } {
  try {
    // What JSON.parse returns is JSON by construction.
    return { ok: true, value: JSON.parse(text) as JsonValue };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
