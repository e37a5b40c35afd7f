import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import resolver, {
  resolveSnapshotPath,
  resolveTestPath,
  snapshotFormat,
  testPathForConsistencyCheck,
} from '../../../src/jest/snapshot-resolver';

let project: string;
const savedImgfmt = process.env.IMGFMT;

beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'resolver-'));
  fs.writeFileSync(path.join(project, 'package.json'), '{}');
  process.env.IMGFMT = 'qcow2';
});

afterAll(() => {
  fs.rmSync(project, { recursive: true, force: true });
  if (savedImgfmt === undefined) delete process.env.IMGFMT;
  else process.env.IMGFMT = savedImgfmt;
});

describe('snapshot resolver', () => {
  test('maps a test to the top-level per-format tree and back', () => {
    const testPath = path.join(project, '__tests__', 'iotests', '206-qcow2-create.test.ts');
    const snap = resolveSnapshotPath(testPath, '.snap');
    expect(snap).toBe(
      path.join(
        project,
        '__snapshots__',
        'qcow2',
        '__tests__',
        'iotests',
        '206-qcow2-create.test.ts.snap',
      ),
    );
    expect(resolveTestPath(snap, '.snap')).toBe(testPath);
  });

  test('outside a package, falls back to __snapshots__ beside the test, consistently', () => {
    const snap = resolveSnapshotPath(testPathForConsistencyCheck, '.snap');
    expect(snap).toBe(path.join('some', '__tests__', '__snapshots__', 'example.test.js.snap'));
    expect(resolveTestPath(snap, '.snap')).toBe(testPathForConsistencyCheck);
  });

  test('the format comes from IMGFMT; anything unsafe for a path means raw', () => {
    expect(snapshotFormat({ IMGFMT: 'luks' })).toBe('luks');
    expect(snapshotFormat({})).toBe('raw');
    expect(snapshotFormat({ IMGFMT: '../escape' })).toBe('raw');
  });

  test('Jest reads the resolver through its default export', () => {
    expect(typeof resolver.resolveSnapshotPath).toBe('function');
    expect(typeof resolver.resolveTestPath).toBe('function');
    expect(typeof resolver.testPathForConsistencyCheck).toBe('string');
  });
});
