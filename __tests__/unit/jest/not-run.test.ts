import { describe, expect, jest, test } from '@jest/globals';

import type * as requirements from '../../../src/iotests/requirements';
import { NotRunError } from '../../../src/iotests/requirements';
import { isNotRun, parseNotRunTitle, titleWithReason } from '../../../src/jest/not-run';

const reasonFromTitle = (title: string): string | undefined => parseNotRunTitle(title)?.reason;

describe('skip reasons carried in test titles', () => {
  test('round-trip a reason through a title', () => {
    const title = titleWithReason('creates an image', 'not suitable for this image format: raw');
    expect(title).toBe('creates an image [not run: not suitable for this image format: raw]');
    expect(reasonFromTitle(title)).toBe('not suitable for this image format: raw');
  });

  test('multi-line reasons become one line; a title is marked once', () => {
    const title = titleWithReason('t', 'first line\n   second line\n');
    expect(title).toBe('t [not run: first line second line]');
    expect(titleWithReason(title, 'another reason')).toBe(title);
  });

  test('titles without a reason have none', () => {
    expect(reasonFromTitle('plain test')).toBeUndefined();
    expect(reasonFromTitle('ends with a bracket]')).toBeUndefined();
  });
});

describe('isNotRun', () => {
  test('recognises NotRunError, also from another copy of the module', () => {
    let foreign: unknown;
    jest.isolateModules(() => {
      // A second module instance, as Jest's registry gives each test file.
      const copy = jest.requireActual<typeof requirements>('../../../src/iotests/requirements');
      expect(copy.NotRunError).not.toBe(NotRunError);
      foreign = new copy.NotRunError('no qtest');
    });
    expect(isNotRun(new NotRunError('x'))).toBe(true);
    expect(isNotRun(foreign)).toBe(true);
    expect(isNotRun(new Error('not run: x'))).toBe(false);
    expect(isNotRun(undefined)).toBe(false);
  });
});
