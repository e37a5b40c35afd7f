// conv_keys, reply id stripping, flatten_qmp_object and qmp_to_opts.
import { describe, expect, test } from '@jest/globals';
import { flattenQmpObject, qmpToOpts } from '../../../src/iotests/vm-qmp-objects';
import { OrderedQmp, PyFloat } from '../../../src/iotests/pyjson';

describe('flattenQmpObject / qmpToOpts', () => {
  const blockdev = {
    driver: 'qcow2',
    'node-name': 'top',
    file: { driver: 'file', filename: '/img' },
    children: [{ name: 'a' }, 'b'],
    empty: {},
    none: [],
  };

  test('flattens like the seed (insertion order, empty containers vanish)', () => {
    expect(Object.entries(flattenQmpObject(blockdev))).toEqual([
      ['driver', 'qcow2'],
      ['node-name', 'top'],
      ['file.driver', 'file'],
      ['file.filename', '/img'],
      ['children.0.name', 'a'],
      ['children.1', 'b'],
    ]);
    expect(flattenQmpObject('scalar')).toEqual({ '': 'scalar' });
    expect(flattenQmpObject({})).toEqual({});
  });

  // Expected values were checked against iotests.VM.flatten_qmp_object from QEMU 7.2's sources.
  test('joins keys and list positions with dots, a bare scalar under the empty key', () => {
    expect(flattenQmpObject({ a: { b: [1, { c: null }] }, d: {}, e: [], 'f.g': 2 })).toEqual({
      'a.b.0': 1,
      'a.b.1.c': null,
      'f.g': 2,
    });
    expect(flattenQmpObject(5)).toEqual({ '': 5 });
    expect(flattenQmpObject([1, [2]])).toEqual({ '0': 1, '1.0': 2 });
    expect(flattenQmpObject({ '': { x: 1 } })).toEqual({ '.x': 1 });
  });

  test('keeps a "__proto__" key as an ordinary entry', () => {
    const flat = flattenQmpObject(JSON.parse('{"__proto__": 5, "a": 1}'));
    expect(Object.keys(flat)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(flat)).toBe(Object.prototype);
    const nested = flattenQmpObject(JSON.parse('{"__proto__": {"polluted": true}}'));
    expect(Object.keys(nested)).toEqual(['__proto__.polluted']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('descends into Maps (OrderedQmp) but keeps other class instances as leaves', () => {
    const ordered = new OrderedQmp([
      ['z', new OrderedQmp([['x', 1]])],
      ['a', new PyFloat(2)],
    ]);
    expect(Object.entries(flattenQmpObject(ordered))).toEqual([
      ['z.x', 1],
      ['a', new PyFloat(2)],
    ]);
    // So a Jest asymmetric matcher in a reference stays one value (toEqualJsonFilename uses it).
    const anyNumber = expect.any(Number);
    expect(flattenQmpObject({ a: { size: anyNumber } })).toEqual({ 'a.size': anyNumber });
  });

  test('qmpToOpts joins key=value pairs with commas', () => {
    expect(qmpToOpts(blockdev)).toBe(
      'driver=qcow2,node-name=top,file.driver=file,file.filename=/img,children.0.name=a,children.1=b',
    );
    expect(qmpToOpts({ driver: 'null-co', size: 1048576 })).toBe('driver=null-co,size=1048576');
  });

  test('qmpToOpts refuses values an option string cannot hold', () => {
    expect(() => qmpToOpts({ driver: 'file', locking: true })).toThrow(
      "qmpToOpts: value of 'locking' is a boolean true; accepted: strings and numbers (write booleans as 'on'/'off')",
    );
    expect(() => qmpToOpts({ a: null })).toThrow("qmpToOpts: value of 'a' is null");
  });
});
