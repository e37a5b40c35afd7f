import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { IotestsConfig } from '../config';
import { parseLuksFailure } from './parsers';
import { PBKDF_TIMING_ATTEMPTS, isPbkdfTimingFluke } from './pbkdf-fluke';
import { runTool, type SpawnListener } from './run-tool';

/** Outcome of the LUKS probe. */
export interface LuksSupport {
  working: boolean;
  reason: string;
}

/**
 * Like the seed's has_working_luks: creates a small LUKS image (fast key
 * slot, iter-time=10) in a private temp dir, then removes the dir. The PBKDF
 * timing fluke is retried (the result is cached, so a fluke must not stick).
 */
export async function probeLuks(
  config: IotestsConfig,
  options: { timeoutMs: number; onSpawn?: SpawnListener | undefined },
): Promise<LuksSupport> {
  let outcome: LuksSupport = { working: false, reason: 'not probed' };
  for (let attempt = 1; attempt <= PBKDF_TIMING_ATTEMPTS; attempt += 1) {
    const result = await createLuksImage(config, options);
    outcome = result.support;
    if (outcome.working || !result.retryable) break;
  }
  return outcome;
}

async function createLuksImage(
  config: IotestsConfig,
  options: { timeoutMs: number; onSpawn?: SpawnListener | undefined },
): Promise<{ support: LuksSupport; retryable: boolean }> {
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'qemu-iotests-luks-'));
  const image = path.join(scratch, 'luks-test.luks');
  try {
    const run = await runTool(
      config.binaries.qemuImg,
      [
        ...config.qemuImgOptions,
        'create',
        '-f',
        'luks',
        '--object',
        `secret,id=keysec0,data=${config.imgKeySecret}`,
        '-o',
        'key-secret=keysec0',
        '-o',
        'iter-time=10',
        image,
        '1G',
      ],
      options,
    );
    if (run.exitCode === 0) return { support: { working: true, reason: '' }, retryable: false };
    // A hung or missing qemu-img will not do better next time.
    if (run.timedOut) {
      const reason = `qemu-img create timed out after ${options.timeoutMs} ms`;
      return { support: { working: false, reason }, retryable: false };
    }
    if (run.spawnError !== undefined) {
      const reason = `qemu-img could not start (${run.spawnError})`;
      return { support: { working: false, reason }, retryable: false };
    }
    const reason = parseLuksFailure(run.all, image);
    return { support: { working: false, reason }, retryable: isPbkdfTimingFluke(reason) };
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
