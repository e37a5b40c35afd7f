import { describe, expect, test } from '@jest/globals';

import {
  environmentOptionsAsSource,
  transcriptModeFor,
  vmModeFor,
} from '../../../src/jest/options';

describe('vmModeFor', () => {
  test('boots by default; the docblock pragma wins over testEnvironmentOptions', () => {
    expect(vmModeFor({}, {})).toBe('boot');
    expect(vmModeFor({}, { vm: 'none' })).toBe('none');
    expect(vmModeFor({ 'qemu-vm': 'boot' }, { vm: 'none' })).toBe('boot');
    expect(vmModeFor({ 'qemu-vm': ['boot', 'none'] }, {})).toBe('none');
  });

  test('a bad value names where it came from and what is accepted', () => {
    expect(() => vmModeFor({ 'qemu-vm': 'off' }, {})).toThrow(
      'qemu-iotests: @qemu-vm pragma is "off"; accepted: boot, none',
    );
    expect(() => vmModeFor({}, { vm: false })).toThrow(
      'qemu-iotests: testEnvironmentOptions.vm is false; accepted: boot, none',
    );
  });
});

describe('transcriptModeFor', () => {
  test('none by default; `@transcript snapshot` (the last one given) is the only mode', () => {
    expect(transcriptModeFor({})).toBeUndefined();
    expect(transcriptModeFor({ transcript: 'snapshot' })).toBe('snapshot');
    expect(transcriptModeFor({ transcript: ['x', 'snapshot'] })).toBe('snapshot');
  });

  test('a bad value names the pragma and what is accepted', () => {
    expect(() => transcriptModeFor({ transcript: 'snapshots' })).toThrow(
      'qemu-iotests: @transcript pragma is "snapshots"; accepted: snapshot',
    );
    // A bare `@transcript` has the empty string as its value.
    expect(() => transcriptModeFor({ transcript: '' })).toThrow(
      'qemu-iotests: @transcript pragma is ""; accepted: snapshot',
    );
  });
});

describe('environmentOptionsAsSource', () => {
  test('keeps strings, stringifies numbers and booleans, leaves the rest out', () => {
    expect(
      environmentOptionsAsSource({
        IMGFMT: 'qcow2',
        IOTESTS_QMP_TIMEOUT: 5,
        PRINT_QEMU: true,
        vm: { x: 1 },
      }),
    ).toEqual({ IMGFMT: 'qcow2', IOTESTS_QMP_TIMEOUT: '5', PRINT_QEMU: 'true' });
  });
});
