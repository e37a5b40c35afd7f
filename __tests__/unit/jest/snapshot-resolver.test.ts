import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import resolver, {
  pruneOverlaySnapshots,
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

describe('snapshot resolver with a reference base release', () => {
  const testPath = (): string => path.join(project, '__tests__', 'iotests', '234-x.test.ts');
  const base = (): string =>
    path.join(project, '__snapshots__', 'qcow2', '__tests__', 'iotests', '234-x.test.ts.snap');
  const own = (): string =>
    path.join(
      project,
      '__snapshots__',
      'qemu-10.0',
      'qcow2',
      '__tests__',
      'iotests',
      '234-x.test.ts.snap',
    );
  const setEnv = (overlay: string | undefined, update: string): void => {
    if (overlay === undefined) delete process.env.IOTESTS_REFERENCE_OVERLAY;
    else process.env.IOTESTS_REFERENCE_OVERLAY = overlay;
    process.env.IOTESTS_SNAPSHOT_UPDATE = update;
  };

  beforeAll(() => {
    fs.mkdirSync(path.dirname(base()), { recursive: true });
    fs.writeFileSync(base(), 'exports[`a 1`] = `7.2`;\n');
  });
  afterAll(() => {
    delete process.env.IOTESTS_REFERENCE_OVERLAY;
    delete process.env.IOTESTS_SNAPSHOT_UPDATE;
  });

  test('another release reads the base while it has no file of its own', () => {
    setEnv('10.0', 'none');
    expect(resolveSnapshotPath(testPath(), '.snap')).toBe(base());
    expect(fs.existsSync(own())).toBe(false);
  });

  test('under -u it writes its own file, seeded from the base', () => {
    setEnv('10.0', 'all');
    expect(resolveSnapshotPath(testPath(), '.snap')).toBe(own());
    expect(fs.readFileSync(own(), 'utf8')).toBe(fs.readFileSync(base(), 'utf8'));
    expect(resolveTestPath(own(), '.snap')).toBe(testPath());
  });

  test('its own file, once there, is read without -u too', () => {
    setEnv('10.0', 'none');
    expect(resolveSnapshotPath(testPath(), '.snap')).toBe(own());
    setEnv(undefined, 'none');
    expect(resolveSnapshotPath(testPath(), '.snap')).toBe(base());
  });

  test('pruning removes own files equal to the base and keeps the ones that differ', () => {
    expect(pruneOverlaySnapshots(project, '10.0', 'qcow2')).toEqual([own()]);
    expect(fs.existsSync(own())).toBe(false);
    setEnv('10.0', 'all');
    resolveSnapshotPath(testPath(), '.snap');
    fs.writeFileSync(own(), 'exports[`a 1`] = `10.0`;\n');
    expect(pruneOverlaySnapshots(project, '10.0', 'qcow2')).toEqual([]);
    expect(fs.existsSync(own())).toBe(true);
  });
});
