// Deliberately does not import ./helpers: only the side-effect entry registers the matchers here.
import '../../../matchers/extend-expect';
import { describe, expect, test } from '@jest/globals';

describe('matchers/extend-expect', () => {
  test('registers the matchers on the expect of the test file', () => {
    expect({ return: { status: 'ready' } }).toMatchQmp('return/status', 'ready');
    expect(() => expect({ return: {} }).toHaveQmpPath('return/status')).toThrow(
      'Stopped at "status"',
    );
  });

  test('the global expect is the same object, so it has them too', () => {
    const globalExpect: unknown = Reflect.get(globalThis, 'expect');
    expect(globalExpect).toBe(expect);
  });
});
