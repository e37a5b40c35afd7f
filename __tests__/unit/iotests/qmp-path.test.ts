// The QMP path parser and walker shared by vm-assert and the path matchers.
import { describe, expect, test } from '@jest/globals';
import { lookupQmpPath, parsePythonInt, parseQmpPath } from '../../../src/iotests/qmp-path';

// Expected values were checked against iotests.QMPTestCase.dictpath from QEMU 7.2's sources.
const reply = {
  return: [
    { device: 'drive0', locked: false, inserted: { 'node-name': 'd0' } },
    { device: 'drive1' },
  ],
};

function lookup(path: string): unknown {
  const parsed = parseQmpPath(path);
  if (!parsed.ok) throw new Error(parsed.problem);
  const found = lookupQmpPath(reply, parsed.components);
  return found.found ? found.value : `miss: ${found.reason}`;
}

describe('parsePythonInt', () => {
  test.each([
    ['0', 0],
    [' 1 ', 1],
    ['+0', 0],
    ['-1', -1],
    ['01', 1],
    ['1_0', 10],
  ])('reads %j as %d, like int()', (text, value) => {
    expect(parsePythonInt(text)).toBe(value);
  });

  test.each(['x', '1.5', '1e3', '_1', '1_', '1__0', '0x1', '', ' '])(
    'rejects %j, like int()',
    (text) => {
      expect(parsePythonInt(text)).toBeUndefined();
    },
  );
});

describe('parseQmpPath', () => {
  test('splits keys and indices', () => {
    expect(parseQmpPath('return[0]/inserted/node-name')).toEqual({
      ok: true,
      components: [
        { text: 'return[0]', key: 'return', index: 0 },
        { text: 'inserted', key: 'inserted' },
        { text: 'node-name', key: 'node-name' },
      ],
    });
  });

  test.each(['', 'a/', '/a', 'a//b', 'a[', 'a]', 'a[]', '[0]', 'a[x]', 'a[0]x', 'a[0][1]'])(
    'rejects %j',
    (path) => {
      expect(parseQmpPath(path)).toMatchObject({ ok: false, problem: expect.any(String) });
    },
  );
});

describe('lookupQmpPath', () => {
  test('finds what dictpath finds', () => {
    expect(lookup('return[0]/inserted/node-name')).toBe('d0');
    expect(lookup('return[ 1 ]')).toEqual({ device: 'drive1' });
    expect(lookup('return[-1]/device')).toBe('drive1');
    expect(lookup('return[01]/device')).toBe('drive1');
    expect(lookup('return[0]/locked')).toBe(false);
  });

  test('misses where dictpath fails', () => {
    expect(lookup('return/device')).toBe('miss: cannot look up key "device" in a list of length 2');
    expect(lookup('return[5]')).toBe(
      'miss: index 5 is out of range for "return" (a list of length 2)',
    );
    expect(lookup('return[-3]')).toBe(
      'miss: index -3 is out of range for "return" (a list of length 2)',
    );
    expect(lookup('return[0]/inserted[0]')).toBe('miss: "inserted" is an object, not a list');
  });

  test('looks only at the object itself, not at its prototype', () => {
    expect(lookup('return[0]/constructor')).toMatch(/^miss: no key "constructor"/);
    expect(lookup('return[0]/__proto__')).toMatch(/^miss: no key "__proto__"/);
  });

  test('reports the part of the path that resolved', () => {
    const parsed = parseQmpPath('return[0]/inserted/image/format');
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(lookupQmpPath(reply, parsed.components)).toEqual({
      found: false,
      kind: 'no-key',
      resolvedPath: 'return[0]/inserted',
      container: { 'node-name': 'd0' },
      component: 'image',
      key: 'image',
      reason: 'no key "image" (keys: "node-name")',
    });
  });

  test('tells which check failed, with the value an index was applied to', () => {
    const miss = (path: string): unknown => {
      const parsed = parseQmpPath(path);
      if (!parsed.ok) throw new Error(parsed.problem);
      const found = lookupQmpPath(reply, parsed.components);
      if (found.found) throw new Error(`${path} resolved`);
      const { kind, key, container } = found;
      return {
        kind,
        key,
        container,
        ...('valueAtKey' in found ? { valueAtKey: found.valueAtKey } : {}),
        ...('index' in found ? { index: found.index } : {}),
      };
    };
    expect(miss('return/device')).toEqual({
      kind: 'not-an-object',
      key: 'device',
      container: reply.return,
    });
    expect(miss('return[0]/inserted[0]')).toEqual({
      kind: 'not-a-list',
      key: 'inserted',
      container: reply.return[0],
      valueAtKey: { 'node-name': 'd0' },
    });
    expect(miss('return[+05]')).toEqual({
      kind: 'index-out-of-range',
      key: 'return',
      container: reply,
      valueAtKey: reply.return,
      index: 5,
    });
  });
});
