// The package's one value describer, as messages quote it.
import { expect, test } from '@jest/globals';

import { describeValue } from '../../../src/common/describe-value';

test.each([
  [null, 'null'],
  [undefined, 'undefined'],
  ['', 'a string ""'],
  ['x'.repeat(70), `a string "${'x'.repeat(60)}..."`],
  [1, 'a number 1'],
  [false, 'a boolean false'],
  [1n, 'a bigint 1n'],
  [Symbol('s'), 'a symbol Symbol(s)'],
  [function named(): void {}, 'a function named'],
  [[1, 2], 'a list of length 2'],
  [{}, 'an object'],
  [Object.create(null) as object, 'an object'],
  [new Map(), 'an object Map'],
])('describes %p as %j', (value, description) => {
  expect(describeValue(value)).toBe(description);
});
