// The per-file runtime: unset -> a clear error; set / reset; initRuntime from an environment.
import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileContext, resetFileContext } from '../../../src/iotests/context';
import {
  hasRuntime,
  initRuntime,
  resetRuntime,
  runtime,
  setRuntime,
} from '../../../src/iotests/runtime';
import { VM } from '../../../src/iotests/vm';
import { fakeCapabilities, fakeConfig } from './fakes';

afterEach(() => {
  resetRuntime();
  resetFileContext();
});

describe('runtime()', () => {
  test('without a runtime it explains how to get one', () => {
    expect(hasRuntime()).toBe(false);
    expect(() => runtime()).toThrow(
      "qemu-iotests runtime is not set: run the test under the qemu-iotests Jest preset (preset: 'qemu-iotests'), or call `await initRuntime()` first in a script outside Jest",
    );
    // A VM needs the runtime too.
    expect(() => new VM()).toThrow('qemu-iotests runtime is not set');
  });

  test('returns what setRuntime installed until resetRuntime', () => {
    const config = fakeConfig();
    const capabilities = fakeCapabilities();
    setRuntime({ config, capabilities });
    expect(hasRuntime()).toBe(true);
    expect(runtime().config).toBe(config);
    expect(runtime().capabilities).toBe(capabilities);
    resetRuntime();
    expect(hasRuntime()).toBe(false);
  });
});

test('initRuntime resolves the config, probes QEMU, creates the dirs and sets the file context', async () => {
  const base = await mkdtemp(path.join(os.tmpdir(), 'vm-runtime-'));
  const sockBase = await mkdtemp('/tmp/qi-rt-');
  try {
    const testDir = path.join(base, 'scratch');
    const sockDir = path.join(sockBase, 's');
    const rt = await initRuntime({
      env: { PATH: process.env.PATH, TEST_DIR: testDir, SOCK_DIR: sockDir, IMGFMT: 'qcow2' },
    });
    expect(runtime()).toBe(rt);
    expect(rt.config).toMatchObject({ imgfmt: 'qcow2', testDir, sockDir });
    expect(rt.capabilities.formatsRw).toContain('qcow2');
    expect((await stat(testDir)).isDirectory()).toBe(true);
    expect((await stat(sockDir)).isDirectory()).toBe(true);
    expect(fileContext()).toMatchObject({ testDir, sockDir, imgfmt: 'qcow2' });
  } finally {
    await rm(base, { recursive: true, force: true });
    await rm(sockBase, { recursive: true, force: true });
  }
});
