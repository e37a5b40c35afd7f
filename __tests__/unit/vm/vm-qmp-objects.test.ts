// conv_keys, reply id stripping, flatten_qmp_object and qmp_to_opts.
import { describe, expect, test } from '@jest/globals';
import {
  convertArgumentKeys,
  flattenQmpObject,
  qmpToOpts,
  withoutId,
} from '../../../src/iotests/vm-qmp-objects';

describe('convertArgumentKeys (machine.py conv_keys)', () => {
  test("turns '_' into '-' in top-level names only", () => {
    expect(
      convertArgumentKeys({ node_name: 'n', auto_dismiss: false, file: { aio_max: 1 } }),
    ).toEqual({ 'node-name': 'n', 'auto-dismiss': false, file: { aio_max: 1 } });
    expect(convertArgumentKeys(undefined)).toBeUndefined();
    expect(convertArgumentKeys({})).toEqual({});
  });

  test('refuses two names that become one, naming both', () => {
    expect(() => convertArgumentKeys({ job_id: 'a', 'job-id': 'b' })).toThrow(
      "QMP arguments name 'job-id' twice ('job-id' becomes 'job-id'); pass only one of them",
    );
  });
});

test('withoutId drops only the routing id', () => {
  expect(withoutId({ return: {}, id: 7 })).toEqual({ return: {} });
  const error = { error: { class: 'GenericError', desc: 'no' }, id: 1 };
  expect(withoutId(error)).toEqual({ error: { class: 'GenericError', desc: 'no' } });
  const plain = { return: [] };
  expect(withoutId(plain)).toBe(plain);
});

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

  test('keeps a "__proto__" key as an ordinary entry', () => {
    const flat = flattenQmpObject(JSON.parse('{"__proto__": 5, "a": 1}'));
    expect(Object.keys(flat)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(flat)).toBe(Object.prototype);
  });

  test('qmpToOpts joins key=value pairs with commas', () => {
    expect(qmpToOpts(blockdev)).toBe(
      'driver=qcow2,node-name=top,file.driver=file,file.filename=/img,children.0.name=a,children.1=b',
    );
    expect(qmpToOpts({ driver: 'null-co', size: 1048576 })).toBe('driver=null-co,size=1048576');
  });

  test('qmpToOpts refuses values an option string cannot hold', () => {
    expect(() => qmpToOpts({ driver: 'file', locking: true })).toThrow(
      "qmpToOpts: value of 'locking' is boolean true; accepted: strings and numbers (write booleans as 'on'/'off')",
    );
    expect(() => qmpToOpts({ a: null })).toThrow("qmpToOpts: value of 'a' is null");
  });
});
