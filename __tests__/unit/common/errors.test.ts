import { describe, expect, jest, test } from '@jest/globals';

import { IotestsError, IotestsTypeError } from '../../../src/common/errors';
import type * as QmpErrors from '../../../src/qmp/errors';
import { QmpError, QmpTimeoutError } from '../../../src/qmp/errors';

type ErrorsModule = typeof QmpErrors;

describe('the branded error base', () => {
  test('every class of the chain holds, across copies of the module, and nothing else does', () => {
    let foreign: unknown;
    jest.isolateModules(() => {
      const copy = jest.requireActual<ErrorsModule>('../../../src/qmp/errors');
      expect(copy.QmpTimeoutError).not.toBe(QmpTimeoutError);
      foreign = new copy.QmpTimeoutError('a reply', 5, 'KNOB');
    });
    for (const cls of [QmpTimeoutError, QmpError, IotestsError]) {
      expect(foreign).toBeInstanceOf(cls);
    }
    expect(foreign).toBeInstanceOf(Error);
    expect(new QmpError('x')).not.toBeInstanceOf(QmpTimeoutError);
    expect(new Error('x')).not.toBeInstanceOf(IotestsError);
    expect({ name: 'QmpError' }).not.toBeInstanceOf(QmpError);
  });

  test("a subclass, a user's included, is branded and named without a line of its own", () => {
    class LocalError extends QmpError {}
    const error = new LocalError('m');
    expect(error.name).toBe('LocalError');
    expect(error).toBeInstanceOf(LocalError);
    expect(error).toBeInstanceOf(QmpError);
    expect(new QmpError('m')).not.toBeInstanceOf(LocalError);
    // Brands are not enumerable: they never show in diffs or JSON.
    const brands = Object.getOwnPropertySymbols(error);
    expect(brands.length).toBeGreaterThanOrEqual(3);
    expect(
      brands.filter((brand) => Object.prototype.propertyIsEnumerable.call(error, brand)),
    ).toEqual([]);
  });

  test('the TypeError base stays a TypeError', () => {
    class UsageError extends IotestsTypeError {}
    const error = new UsageError('bad argument');
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toBeInstanceOf(UsageError);
    expect(error).not.toBeInstanceOf(IotestsError);
    expect(error.name).toBe('UsageError');
  });
});
