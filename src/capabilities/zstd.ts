// Whether qemu-img can create qcow2 images with zstd compression (QEMU 7.2's
// supports_qcow2_zstd_compression): a build without zstd refuses the option value.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { IotestsConfig } from '../config';
import { runTool, type SpawnListener } from './run-tool';

const NO_ZSTD = "'compression-type' does not accept value 'zstd'";

/** Creates a small zstd-compressed qcow2 image in a private temp dir, then removes the dir. */
export async function probeQcow2Zstd(
  config: IotestsConfig,
  options: { timeoutMs: number; onSpawn?: SpawnListener | undefined },
): Promise<boolean> {
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'qemu-iotests-zstd-'));
  try {
    const image = path.join(scratch, 'zstd-test.qcow2');
    const run = await runTool(
      config.binaries.qemuImg,
      [
        ...config.qemuImgOptions,
        'create',
        '-f',
        'qcow2',
        '-o',
        'compression_type=zstd',
        image,
        '0',
      ],
      options,
    );
    return run.exitCode === 0 && !run.all.includes(NO_ZSTD);
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
