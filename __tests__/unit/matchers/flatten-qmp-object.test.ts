import { describe, expect, test } from '@jest/globals';
import { flattenQmpObject } from '../../../matchers/flatten-qmp-object';

// Expected values were checked against iotests.VM.flatten_qmp_object from QEMU 7.2's sources.
describe('flattenQmpObject', () => {
  test('joins keys and list positions with dots, dropping empty containers', () => {
    expect(flattenQmpObject({ a: { b: [1, { c: null }] }, d: {}, e: [], 'f.g': 2 })).toEqual({
      'a.b.0': 1,
      'a.b.1.c': null,
      'f.g': 2,
    });
  });

  test('gives a bare scalar the empty key, and lists their positions', () => {
    expect(flattenQmpObject(5)).toEqual({ '': 5 });
    expect(flattenQmpObject([1, [2]])).toEqual({ '0': 1, '1.0': 2 });
    expect(flattenQmpObject({ '': { x: 1 } })).toEqual({ '.x': 1 });
  });

  test('keeps a "__proto__" key as data', () => {
    const flat = flattenQmpObject(JSON.parse('{"__proto__": {"polluted": true}}'));
    expect(Object.keys(flat)).toEqual(['__proto__.polluted']);
    expect(Object.getPrototypeOf(flat)).toBe(Object.prototype);
  });

  test('keeps asymmetric matchers as leaves', () => {
    const anyNumber = expect.any(Number);
    expect(flattenQmpObject({ a: { size: anyNumber } })).toEqual({ 'a.size': anyNumber });
  });
});
