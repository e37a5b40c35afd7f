import { describe, expect, test } from '@jest/globals';

import { environmentOptionsAsSource, vmModeFor } from '../../../src/jest/options';

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
