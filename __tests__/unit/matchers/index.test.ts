import { describe, expect, test } from '@jest/globals';
import { MatcherUsageError, qmpMatchers, registerMatchers } from '../../../matchers';

describe('matchers/index', () => {
  test('exports every matcher', () => {
    expect(Object.keys(qmpMatchers).sort()).toEqual([
      'toEqualJsonFilename',
      'toHaveBlockNode',
      'toHaveBlockPath',
      'toHaveNoActiveBlockJobs',
      'toHaveQmpPath',
      'toMatchQmp',
      'toMatchReferenceFile',
    ]);
  });

  test('registerMatchers hands them to expect.extend', () => {
    const extended: unknown[] = [];
    registerMatchers({ extend: (matchers) => extended.push(matchers) });
    expect(extended).toEqual([qmpMatchers]);
  });

  test('MatcherUsageError is a TypeError with its own name', () => {
    const error = new MatcherUsageError('bad path');
    expect(error).toBeInstanceOf(TypeError);
    expect(error.name).toBe('MatcherUsageError');
  });
});
