import { expect, test } from '@jest/globals';

import { iotestsPyLevel, releaseAtLeast } from '../../../src/capabilities/iotests-level';

test.each([
  ['7.2.22', '7.2'],
  ['6.2.0', '7.2'],
  ['8.2.2', '7.2'],
  ['10.0.2', '10.0'],
  ['10.1.50', '10.0'],
  ['11.0.0', '10.0'],
])('QEMU %s follows the iotests.py of %s', (version, level) => {
  expect(iotestsPyLevel(version)).toBe(level);
});

test('releaseAtLeast compares major.minor numerically', () => {
  expect(releaseAtLeast('10.0.2', '10.0')).toBe(true);
  expect(releaseAtLeast('9.2.0', '10.0')).toBe(false);
  expect(releaseAtLeast('7.10.0', '7.2')).toBe(true);
  expect(releaseAtLeast('7.2.22', '7.2')).toBe(true);
});
