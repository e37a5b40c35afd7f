import { beforeAll, describe, expect, test } from '@jest/globals';

import {
  OrderedQmp,
  PyFloat,
  compareCodePoints,
  pyFloatRepr,
  pyJsonDumps,
} from '../../../src/iotests/pyjson';
import type { OracleCase, OracleResult } from './support/python-oracle';
import { askPython, okValue, tag } from './support/python-oracle';
import { NUMBERS, TRICKY_KEYS, TRICKY_STRINGS, structures } from './support/values';

const INDENTS: ReadonlyArray<number | null> = [null, 0, 2, 4];

interface DumpsCase {
  name: string;
  value: unknown;
  sortKeys: boolean;
  indent: number | null;
}

function dumpsCases(): DumpsCase[] {
  const values: Array<[string, unknown]> = [
    ...TRICKY_STRINGS.map((text, index): [string, unknown] => [`string #${index}`, text]),
    ...NUMBERS.map((number, index): [string, unknown] => [`number #${index}`, number]),
    ['null', null],
    ['true', true],
    ['false', false],
    ...structures().map((value, index): [string, unknown] => [`structure #${index}`, value]),
  ];
  return values.flatMap(([name, value]) =>
    [true, false].flatMap((sortKeys) =>
      INDENTS.map((indent) => ({
        name: `${name} sort_keys=${sortKeys ? 'True' : 'False'} indent=${String(indent)}`,
        value,
        sortKeys,
        indent,
      })),
    ),
  );
}

// Doubles spread over the whole range (random bit patterns) and decimal-looking ones.
function randomDoubles(count: number): number[] {
  let seed = 0x2545f491;
  const nextUint32 = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const view = new DataView(new ArrayBuffer(8));
  const doubles: number[] = [];
  while (doubles.length < count) {
    view.setUint32(0, nextUint32());
    view.setUint32(4, nextUint32());
    const bits = view.getFloat64(0);
    if (Number.isFinite(bits)) doubles.push(bits);
    const decimal = (nextUint32() % 1_000_000) / 10 ** (nextUint32() % 12);
    doubles.push(nextUint32() % 2 === 0 ? decimal : -decimal * 10 ** (nextUint32() % 25));
  }
  return doubles;
}

function randomStrings(count: number): string[] {
  let seed = 12345;
  const next = (limit: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % limit;
  };
  const pools = [0x80, 0x800, 0x10000];
  return Array.from({ length: count }, () => {
    const units = Array.from({ length: 1 + next(12) }, () => next(pools[next(3)]));
    return String.fromCharCode(...units) + String.fromCodePoint(0x10000 + next(0xfffff));
  });
}

describe('pyJsonDumps against python3 json.dumps', () => {
  const cases = dumpsCases();
  const doubles = randomDoubles(3000);
  const strings = randomStrings(500);
  let caseResults: OracleResult[] = [];
  let doubleResults: OracleResult[] = [];
  let stringResults: OracleResult[] = [];

  beforeAll(() => {
    const asDumps = (
      value: unknown,
      sortKeys = true,
      indent: number | null = null,
    ): OracleCase => ({
      op: 'dumps',
      value: tag(value),
      sortKeys,
      indent,
    });
    const all = askPython([
      ...cases.map((c) => asDumps(c.value, c.sortKeys, c.indent)),
      ...doubles.map((double) => asDumps(double)),
      ...strings.map((text) => asDumps({ [text]: text, a: text })),
    ]);
    caseResults = all.slice(0, cases.length);
    doubleResults = all.slice(cases.length, cases.length + doubles.length);
    stringResults = all.slice(cases.length + doubles.length);
  }, 120_000);

  test('the table is as large as intended (guards against an emptied table)', () => {
    expect(cases.length).toBeGreaterThanOrEqual(700);
  });

  test.each(cases.map((c, index) => [c.name, index] as const))('%s', (_name, index) => {
    const c = cases[index];
    expect(pyJsonDumps(c.value, { sortKeys: c.sortKeys, indent: c.indent })).toBe(
      okValue(caseResults[index]),
    );
  });

  test('3000 random doubles print as Python floats', () => {
    const mismatches = doubles
      .map((double, index) => ({
        double,
        ours: pyJsonDumps(double),
        python: okValue(doubleResults[index]),
      }))
      .filter(({ ours, python }) => ours !== python);
    expect(mismatches).toEqual([]);
  });

  test('500 random BMP/astral strings escape and sort as Python does', () => {
    const mismatches = strings
      .map((text, index) => ({
        text,
        ours: pyJsonDumps({ [text]: text, a: text }, { sortKeys: true }),
        python: okValue(stringResults[index]),
      }))
      .filter(({ ours, python }) => ours !== python);
    expect(mismatches).toEqual([]);
  });
});

describe('pyJsonDumps details', () => {
  test('separators without and with indent', () => {
    expect(pyJsonDumps({ a: [1, 2], b: {} })).toBe('{"a": [1, 2], "b": {}}');
    expect(pyJsonDumps({ a: [1, 2], b: {} }, { indent: 2 })).toBe(
      '{\n  "a": [\n    1,\n    2\n  ],\n  "b": {}\n}',
    );
  });

  test('integral numbers are ints, PyFloat marks floats', () => {
    expect(
      pyJsonDumps([1, 1.5, new PyFloat(1), 1e16, new PyFloat(1e16), -0, new PyFloat(-0)]),
    ).toBe('[1, 1.5, 1.0, 10000000000000000, 1e+16, 0, -0.0]');
    expect(pyJsonDumps(18446744073709551104n)).toBe('18446744073709551104');
  });

  test('pyFloatRepr is repr(), not the JSON spelling, for non-finite values', () => {
    expect([NaN, Infinity, -Infinity, 1e-5, 1.5e-7].map(pyFloatRepr)).toEqual([
      'nan',
      'inf',
      '-inf',
      '1e-05',
      '1.5e-07',
    ]);
    expect(pyJsonDumps([NaN, Infinity, -Infinity])).toBe('[NaN, Infinity, -Infinity]');
  });

  test('keys sort by code point: astral after U+E000..U+FFFF', () => {
    expect(pyJsonDumps({ '😀': 1, '\uffff': 2, '\ue000': 3 }, { sortKeys: true })).toBe(
      '{"\\ue000": 3, "\\uffff": 2, "\\ud83d\\ude00": 1}',
    );
    const sorted = [...TRICKY_KEYS].sort(compareCodePoints);
    expect(sorted.indexOf('\uffff')).toBeLessThan(sorted.indexOf('😀'));
    expect(sorted.indexOf('\ud800')).toBeLessThan(sorted.indexOf('\ue000'));
  });

  test('undefined object properties are left out, like JSON.stringify', () => {
    expect(pyJsonDumps({ a: 1, b: undefined })).toBe('{"a": 1}');
    expect(pyJsonDumps(new Map([['gone', undefined]]))).toBe('{}');
  });

  test('unserializable values are named with their path', () => {
    expect(() => pyJsonDumps({ a: [1, undefined] })).toThrow(
      'pyJsonDumps: undefined at $.a[1] is not JSON serializable',
    );
    expect(() => pyJsonDumps({ when: new Date(0) })).toThrow('object Date at $.when');
    expect(() => pyJsonDumps(() => 1)).toThrow('function');
    expect(() => pyJsonDumps(Symbol('s'))).toThrow('symbol Symbol(s) at $');
    expect(() => pyJsonDumps(new Map([[1, 'x']]))).toThrow('JSON object keys must be strings');
  });

  test('circular structures are refused, shared ones are fine', () => {
    const shared = { x: 1 };
    expect(pyJsonDumps([shared, shared])).toBe('[{"x": 1}, {"x": 1}]');
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => pyJsonDumps(loop)).toThrow('circular reference at $.self');
  });

  test('indent must be a non-negative integer', () => {
    expect(() => pyJsonDumps([], { indent: -1 })).toThrow(
      'indent must be a non-negative integer, null or undefined; got a number -1',
    );
    expect(() => pyJsonDumps([], { indent: 1.5 })).toThrow('got a number 1.5');
  });
});

describe('PyFloat and OrderedQmp markers', () => {
  test('JSON.stringify sees the number a PyFloat wraps', () => {
    expect(JSON.stringify({ f: new PyFloat(2) })).toBe('{"f":2}');
  });

  test('OrderedQmp keeps insertion order, even for integer-like keys', () => {
    const ordered = new OrderedQmp([
      ['b', 1],
      ['10', 2],
      ['a', 3],
      ['1', 4],
    ]);
    expect(pyJsonDumps(ordered)).toBe('{"b": 1, "10": 2, "a": 3, "1": 4}');
    expect(pyJsonDumps(ordered, { sortKeys: true })).toBe('{"1": 4, "10": 2, "a": 3, "b": 1}');
    expect(JSON.stringify(ordered)).toBe('{"1":4,"10":2,"b":1,"a":3}');
  });

  test('instanceof works through the brand, not the prototype (other module copies)', () => {
    const foreignFloat = Object.defineProperty({ value: 1 }, Symbol.for('qemu-iotests.PyFloat'), {
      value: true,
    });
    expect(foreignFloat instanceof PyFloat).toBe(true);
    expect({ value: 1 } instanceof PyFloat).toBe(false);
    expect(new Map() instanceof OrderedQmp).toBe(false);
    expect(new OrderedQmp() instanceof Map).toBe(true);
    expect(pyJsonDumps([foreignFloat])).toBe('[1.0]');
  });
});
