// Probes the installed QEMU for real (no fakes): versions, accelerators, formats, devices, LUKS.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  CapabilityProbeError,
  probeCapabilities,
  type Capabilities,
} from '../../../src/capabilities';
import { resolveConfig, type IotestsConfig } from '../../../src/config';

let scratch: string;
let config: IotestsConfig;
let caps: Capabilities;
const spawned: Array<{ file: string; args: readonly string[] }> = [];

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'qit-probe-'));
  // Only PATH from the outside: the defaults must find the installed QEMU on their own.
  config = resolveConfig({ env: { PATH: process.env.PATH } });
  caps = await probeCapabilities(config, {
    cacheDir: path.join(scratch, 'cache'),
    onSpawn: (file, args) => spawned.push({ file, args }),
  });
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('live probe of the installed QEMU', () => {
  test('versions of QEMU and its tools agree', () => {
    expect(caps.qemuVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(caps.qemuVersionFull.startsWith(`QEMU emulator version ${caps.qemuVersion}`)).toBe(true);
    for (const tool of Object.values(caps.tools)) {
      expect(tool).toEqual({ path: expect.any(String), version: caps.qemuVersion, present: true });
    }
    expect(caps.tools.qemuImg.path).toBe(config.binaries.qemuImg);
    expect(caps.tools.qsd.path).toBe(config.binaries.qsd);
  });

  test('tcg is there, qtest is not (this Debian build), so VMs use tcg', () => {
    expect(caps.accelerators).toContain('tcg');
    expect(caps.hasQtest).toBe(false);
    expect(caps.accelerator).toBe('tcg');
  });

  test('formats include raw and qcow2, read-write and read-only', () => {
    expect(caps.formatsRw).toEqual(expect.arrayContaining(['raw', 'qcow2', 'luks', 'file']));
    expect(caps.formatsRo).toEqual(expect.arrayContaining(['raw', 'qcow2']));
  });

  test('virtio-blk and virtio-scsi devices are there', () => {
    expect(caps.hasVirtioBlk).toBe(true);
    expect(caps.hasVirtioScsi).toBe(true);
    expect(caps.devices).toContain('virtio-blk-pci');
  });

  test('the default machine is the pc alias', () => {
    expect(caps.defaultMachine).toBe('pc');
  });

  test('LUKS works and quorum is built in', () => {
    expect(caps.luks).toEqual({ working: true, reason: '' });
    expect(caps.quorum).toBe(true);
  });

  test("Debian's qemu-img creates zstd-compressed qcow2 images", () => {
    expect(caps.qcow2Zstd).toBe(true);
  });

  test('platform reads like check', () => {
    expect(caps.platform).toBe(`${os.type()}/${os.machine()} ${os.hostname()} ${os.release()}`);
  });

  test('every probe ran with an argument array, and the LUKS scratch dir is gone', () => {
    const files = new Set(spawned.map((run) => run.file));
    expect([...files].sort()).toEqual(Object.values(config.binaries).sort());
    const luksRuns = spawned.filter((run) => run.args.includes('luks'));
    expect(luksRuns.length).toBeGreaterThanOrEqual(1);
    for (const run of luksRuns) {
      const image = run.args.find((arg) => arg.endsWith('luks-test.luks')) ?? '';
      expect(image.startsWith(os.tmpdir())).toBe(true);
      expect(fs.existsSync(path.dirname(image))).toBe(false);
    }
  });
});

describe('probe failures', () => {
  test('QEMU rejecting QEMU_OPTIONS names the command and what QEMU said', async () => {
    const bad = resolveConfig({ env: { PATH: process.env.PATH, QEMU_OPTIONS: '-no-such-option' } });
    const failure = probeCapabilities(bad, { cacheDir: path.join(scratch, 'bad') });
    await expect(failure).rejects.toThrow(CapabilityProbeError);
    await expect(failure).rejects.toThrow(
      /^QEMU did not list its block formats \(check QEMU_OPTIONS\): `\S+qemu-system-\S+ -no-such-option -M none -drive format=help` exited with 1: \S+: -no-such-option: invalid option$/,
    );
  });

  test("a LUKS image qemu-img cannot create reports qemu-img's reason, without retrying", async () => {
    const odd = resolveConfig({
      env: { PATH: process.env.PATH, IMGFMT: 'luks', IMGKEYSECRET: 'x,bogus=1' },
    });
    let attempts = 0;
    const result = await probeCapabilities(odd, {
      cacheDir: path.join(scratch, 'odd'),
      onSpawn: (_file, args) => {
        if (args.includes('luks')) attempts += 1;
      },
    });
    expect(result.luks).toEqual({
      working: false,
      reason: "qemu-img: Parameter 'bogus' is unexpected",
    });
    // Only QEMU's PBKDF timing fluke is worth another attempt; a real error is final.
    expect(attempts).toBe(1);
  });
});
