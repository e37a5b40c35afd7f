import { describe, expect, test } from '@jest/globals';

import { parseJson, parseJsonExact, stringifyJson } from '../../../src/qmp/json';

describe('parseJson', () => {
  test('keeps integers beyond 2^53 exact as bigint', () => {
    const parsed = parseJson('{"return": {"size": 18446744073709551104, "small": 512}}');
    expect(parsed).toEqual({ return: { size: 18446744073709551104n, small: 512 } });
  });

  test('leaves safe 16-digit integers and floats as numbers', () => {
    expect(parseJson('[1234567890123456, -9007199254740991, 1.5, 2e3]')).toEqual([
      1234567890123456, -9007199254740991, 1.5, 2000,
    ]);
  });

  test('parses strings with long digit runs and escapes exactly', () => {
    const text = '{"a": "12345678901234567890 \\"q\\" \\u00e9", "b": [true, false, null]}';
    expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  test('a "__proto__" key is data, not the prototype', () => {
    const parsed = parseJson('{"__proto__": {"x": 1}, "n": 99999999999999999999}') as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__', 'n']);
  });

  test('rejects malformed text like JSON.parse does', () => {
    expect(() => parseJson('{"n": 12345678901234567890,}')).toThrow(SyntaxError);
    expect(() => parseJson('{"n": 12345678901234567890} x')).toThrow(/trailing/);
  });

  test('parseJsonExact builds objects and floats as asked', () => {
    const parsed = parseJsonExact('{"b": 1.0, "a": 2}', {
      makeObject: (entries) => entries.map(([k]) => k),
      makeFloat: (value) => ({ float: value }),
    });
    expect(parsed).toEqual(['b', 'a']);
    expect(parseJsonExact('[1.0]', { makeFloat: (value) => ({ float: value }) })).toEqual([
      { float: 1 },
    ]);
  });
});

describe('stringifyJson', () => {
  test('writes bigint as a JSON integer', () => {
    expect(stringifyJson({ size: 18446744073709551104n, n: [1n, -2n] })).toBe(
      '{"size":18446744073709551104,"n":[1,-2]}',
    );
  });

  test('is JSON.stringify for everything else', () => {
    const value = { a: 'x\u0000y', b: [1, 2.5, null, true], c: { d: '"' } };
    expect(stringifyJson(value)).toBe(JSON.stringify(value));
  });

  test('round-trips through parseJson', () => {
    const value = { size: 2n ** 64n - 512n, name: 'disk' };
    expect(parseJson(stringifyJson(value))).toEqual(value);
  });
});
