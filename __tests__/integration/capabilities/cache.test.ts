// The on-disk probe cache against the real binaries: hits spawn nothing, changes re-probe.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { probeCapabilities } from '../../../src/capabilities';
import { resolveConfig, type IotestsConfig } from '../../../src/config';

let scratch: string;
let cacheDir: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'qit-cache-'));
  cacheDir = path.join(scratch, 'capabilities');
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Probes and counts the processes the probe started (12, more if a LUKS attempt is retried). */
async function countedProbe(
  config: IotestsConfig,
  opts: { refresh?: boolean; dir?: string } = {},
): Promise<{ spawns: number; caps: Awaited<ReturnType<typeof probeCapabilities>> }> {
  let spawns = 0;
  const caps = await probeCapabilities(config, {
    cacheDir: opts.dir ?? cacheDir,
    refresh: opts.refresh === true,
    onSpawn: () => {
      spawns += 1;
    },
  });
  return { spawns, caps };
}

describe('capability cache', () => {
  test('a second probe is a cache hit: same answer, no process started', async () => {
    const config = resolveConfig({ env: { PATH: process.env.PATH } });
    const first = await countedProbe(config);
    expect(first.spawns).toBeGreaterThanOrEqual(12);
    const second = await countedProbe(config);
    expect(second.spawns).toBe(0);
    expect(second.caps).toEqual(first.caps);
    expect(fs.readdirSync(cacheDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  test('refresh probes again', async () => {
    const config = resolveConfig({ env: { PATH: process.env.PATH } });
    await countedProbe(config);
    expect((await countedProbe(config, { refresh: true })).spawns).toBeGreaterThanOrEqual(12);
  });

  test('touching a binary (its mtime) invalidates the entry', async () => {
    const nbd = path.join(scratch, 'qemu-nbd');
    fs.copyFileSync(resolveConfig({ env: { PATH: process.env.PATH } }).binaries.qemuNbd, nbd);
    fs.chmodSync(nbd, 0o755);
    const config = resolveConfig({ env: { PATH: process.env.PATH, QEMU_NBD_PROG: nbd } });

    const first = await countedProbe(config);
    expect(first.spawns).toBeGreaterThanOrEqual(12);
    expect(first.caps.tools.qemuNbd).toMatchObject({ path: nbd, present: true });
    expect((await countedProbe(config)).spawns).toBe(0);

    const later = new Date(Date.now() + 120_000);
    fs.utimesSync(nbd, later, later);
    expect((await countedProbe(config)).spawns).toBeGreaterThanOrEqual(12);
  });

  test('parallel probes of the same binaries agree (atomic cache writes)', async () => {
    const config = resolveConfig({ env: { PATH: process.env.PATH } });
    const dir = path.join(scratch, 'parallel');
    const results = await Promise.all([
      countedProbe(config, { dir }),
      countedProbe(config, { dir }),
    ]);
    expect(results[0].caps).toEqual(results[1].caps);
    expect((await countedProbe(config, { dir })).spawns).toBe(0);
    expect(fs.readdirSync(dir)).toHaveLength(1);
  });
});
