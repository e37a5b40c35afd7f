import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

import { afterEach, describe, expect, test } from '@jest/globals';

import { defaultSockDir, defaultTestDir } from '../../../src/config';
import {
  pinRunDirectories,
  removeRunDirectories,
  sweepStaleRunDirectories,
} from '../../../src/jest/run-dirs';

const saved = { TEST_DIR: process.env.TEST_DIR, SOCK_DIR: process.env.SOCK_DIR };

afterEach(() => {
  removeRunDirectories();
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

function deadPid(): number {
  // A process that has exited: its pid is free (reuse within this test is practically impossible).
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

describe('run directories', () => {
  test('pins one TEST_DIR/SOCK_DIR for the run and removes them (twice is harmless)', () => {
    delete process.env.TEST_DIR;
    delete process.env.SOCK_DIR;
    pinRunDirectories({});
    expect(process.env.TEST_DIR).toBe(defaultTestDir(process.pid));
    expect(process.env.SOCK_DIR).toBe(defaultSockDir(process.pid));
    expect(fs.statSync(process.env.TEST_DIR!).mode & 0o777).toBe(0o700);
    const dirs = [process.env.TEST_DIR!, process.env.SOCK_DIR!];
    removeRunDirectories();
    removeRunDirectories();
    for (const dir of dirs) expect(fs.existsSync(dir)).toBe(false);
    expect(process.env.TEST_DIR).toBeUndefined();
  });

  test('leaves directories the user chose alone', () => {
    process.env.TEST_DIR = '/tmp/user-chosen-test-dir';
    delete process.env.SOCK_DIR;
    pinRunDirectories({ SOCK_DIR: '/tmp/from-options' });
    expect(process.env.TEST_DIR).toBe('/tmp/user-chosen-test-dir');
    expect(process.env.SOCK_DIR).toBeUndefined();
    expect(fs.existsSync('/tmp/user-chosen-test-dir')).toBe(false);
  });

  test('sweeps the directories of runs whose process is gone, not of live ones', () => {
    const dead = deadPid();
    const stale = [defaultTestDir(dead), defaultSockDir(dead)];
    for (const dir of stale) fs.mkdirSync(dir, { recursive: true });
    const live = defaultTestDir(process.ppid);
    const liveExisted = fs.existsSync(live);
    fs.mkdirSync(live, { recursive: true });
    try {
      const removed = sweepStaleRunDirectories();
      expect(removed).toEqual(expect.arrayContaining(stale));
      for (const dir of stale) expect(fs.existsSync(dir)).toBe(false);
      expect(fs.existsSync(live)).toBe(true);
    } finally {
      if (!liveExisted) fs.rmSync(live, { recursive: true, force: true });
    }
  });
});
