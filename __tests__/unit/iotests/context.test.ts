import os from 'node:os';

import { afterEach, describe, expect, test } from '@jest/globals';

import {
  defaultFileContext,
  fileContext,
  resetFileContext,
  setFileContext,
  validateFileContext,
} from '../../../src/iotests/context';
import { filters } from '../../../src/iotests/filters';

describe('file context', () => {
  afterEach(() => resetFileContext());

  test('the default comes from TEST_DIR / SOCK_DIR / IMGFMT and the pid', () => {
    expect(defaultFileContext({ TEST_DIR: '/t', SOCK_DIR: '/s', IMGFMT: 'qcow2' })).toEqual({
      testDir: '/t',
      sockDir: '/s',
      imgfmt: 'qcow2',
      filePrefix: `${process.pid}-`,
    });
  });

  test('without (or with empty) variables: os.tmpdir() and raw', () => {
    const fallback = {
      testDir: os.tmpdir(),
      sockDir: os.tmpdir(),
      imgfmt: 'raw',
      filePrefix: `${process.pid}-`,
    };
    expect(defaultFileContext({})).toEqual(fallback);
    expect(defaultFileContext({ TEST_DIR: '', SOCK_DIR: '', IMGFMT: '' })).toEqual(fallback);
  });

  test('fileContext() is the environment default until set, and again after reset', () => {
    expect(fileContext()).toEqual(defaultFileContext());
    setFileContext({ testDir: '/x', sockDir: '/y', imgfmt: 'vdi', filePrefix: '1-' });
    expect(fileContext()).toEqual({
      testDir: '/x',
      sockDir: '/y',
      imgfmt: 'vdi',
      filePrefix: '1-',
    });
    resetFileContext();
    expect(fileContext()).toEqual(defaultFileContext());
  });

  test('setFileContext merges over the current context and returns a frozen copy', () => {
    setFileContext({ testDir: '/x', sockDir: '/y', imgfmt: 'vdi', filePrefix: '1-' });
    const merged = setFileContext({ imgfmt: 'qcow2', testDir: undefined });
    expect(merged).toEqual({ testDir: '/x', sockDir: '/y', imgfmt: 'qcow2', filePrefix: '1-' });
    expect(Object.isFrozen(merged)).toBe(true);
    expect(fileContext()).toBe(merged);
  });

  test('the shared filters follow the context at call time', () => {
    setFileContext({ testDir: '/x', sockDir: '/y', imgfmt: 'vdi', filePrefix: '1-' });
    expect(filters.testfiles('/x/1-a /y/1-b')).toBe('TEST_DIR/PID-a SOCK_DIR/PID-b');
    expect(filters.imgfmt('vdi')).toBe('IMGFMT');
    setFileContext({ testDir: '/z', imgfmt: 'qcow2' });
    expect(filters.testfiles('/x/1-a /z/1-a')).toBe('/x/1-a TEST_DIR/PID-a');
    expect(filters.imgfmt('vdi qcow2')).toBe('vdi IMGFMT');
  });

  test('bad contexts name the field, the value and what is accepted', () => {
    expect(() => setFileContext({ testDir: '' })).toThrow(
      'file context testDir must be a non-empty string, got a string ""',
    );
    expect(() => validateFileContext({ testDir: '/t', sockDir: '/s', imgfmt: 'raw' })).toThrow(
      'file context filePrefix must be a string, got undefined',
    );
    expect(fileContext()).toEqual(defaultFileContext());
  });

  test('an empty filePrefix is allowed', () => {
    expect(setFileContext({ filePrefix: '' }).filePrefix).toBe('');
  });
});
