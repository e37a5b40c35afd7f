// A test file's private directories: made 0700 under the run's TEST_DIR and SOCK_DIR, removed at
// the end, the scratch directory kept when asked (a failed file under IOTESTS_KEEP_SCRATCH).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, test } from '@jest/globals';

import type { IotestsConfig } from '../../../src/config';
import { createFileDirs } from '../../../src/jest/file-dirs';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'file-dirs-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const config = {
  testDir: path.join(root, 'test'),
  sockDir: path.join(root, 'sock'),
} as unknown as IotestsConfig;

describe('createFileDirs', () => {
  test('private directories named after the test file, both removed at the end', () => {
    const dirs = createFileDirs(config, '/project/__tests__/iotests/206-qcow2-create.test.ts');
    expect(path.basename(dirs.testDir)).toMatch(/^206-qcow2-create-/);
    for (const dir of [dirs.testDir, dirs.sockDir]) {
      expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    }
    dirs.remove();
    expect(fs.existsSync(dirs.testDir)).toBe(false);
    expect(fs.existsSync(dirs.sockDir)).toBe(false);
  });

  test('keepTestDir keeps the scratch files and still removes the socket directory', () => {
    const dirs = createFileDirs(config, '/project/__tests__/iotests/failed.test.ts');
    fs.writeFileSync(path.join(dirs.testDir, 'evidence.img'), '');
    dirs.remove({ keepTestDir: true });
    expect(fs.existsSync(path.join(dirs.testDir, 'evidence.img'))).toBe(true);
    expect(fs.existsSync(dirs.sockDir)).toBe(false);
  });
});
