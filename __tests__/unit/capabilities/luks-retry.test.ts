// QEMU's PBKDF timing fluke ("Unable to get accurate CPU usage") is retried; other failures are
// not. A fake qemu-img script fails with the fluke a set number of times, then succeeds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import {
  PBKDF_TIMING_ATTEMPTS,
  PBKDF_TIMING_FLUKE,
  isPbkdfTimingFluke,
} from '../../../src/capabilities';
import { probeLuks } from '../../../src/capabilities/luks';
import type { IotestsConfig } from '../../../src/config';

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'luks-retry-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A qemu-img that fails `flukes` times with the fluke (counting in a file), then succeeds. */
function fakeQemuImg(name: string, flukes: number): { config: IotestsConfig; calls: () => number } {
  const counter = path.join(dir, `${name}.count`);
  const script = path.join(dir, name);
  fs.writeFileSync(
    script,
    [
      '#!/bin/sh',
      `n=$(cat '${counter}' 2>/dev/null || echo 0); n=$((n + 1)); echo $n > '${counter}'`,
      `if [ $n -le ${flukes} ]; then`,
      `  for a in "$@"; do prev=$last; last=$a; done`,
      `  echo "qemu-img: $prev: ${PBKDF_TIMING_FLUKE}" >&2; exit 1`,
      'fi',
      'exit 0',
    ].join('\n'),
    { mode: 0o755 },
  );
  const config = { binaries: { qemuImg: script }, qemuImgOptions: [], imgKeySecret: '123456' };
  return {
    config: config as unknown as IotestsConfig,
    calls: () => Number(fs.readFileSync(counter, 'utf8')),
  };
}

describe('LUKS probe and the PBKDF timing fluke', () => {
  test('the fluke is recognised in qemu-img output', () => {
    expect(isPbkdfTimingFluke(`qemu-img: /x.luks: ${PBKDF_TIMING_FLUKE}`)).toBe(true);
    expect(isPbkdfTimingFluke("qemu-img: Parameter 'bogus' is unexpected")).toBe(false);
  });

  test('an attempt that hit the fluke is repeated until one succeeds', async () => {
    const fake = fakeQemuImg('twice', 2);
    await expect(probeLuks(fake.config, { timeoutMs: 10_000 })).resolves.toEqual({
      working: true,
      reason: '',
    });
    expect(fake.calls()).toBe(3);
  });

  test('after PBKDF_TIMING_ATTEMPTS flukes, LUKS counts as not working, with the reason', async () => {
    const fake = fakeQemuImg('always', 1000);
    const result = await probeLuks(fake.config, { timeoutMs: 10_000 });
    expect(result.working).toBe(false);
    expect(result.reason).toContain(PBKDF_TIMING_FLUKE);
    expect(fake.calls()).toBe(PBKDF_TIMING_ATTEMPTS);
  });
});
