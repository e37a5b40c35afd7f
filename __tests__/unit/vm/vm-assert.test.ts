// The checks behind the job helpers: dictpath traversal, assert_qmp / assert_qmp_absent messages,
// and Python's repr() of values in those messages (compared with python3 itself).
import { describe, expect, test } from '@jest/globals';
import execa from 'execa';
import {
  IotestsAssertionError,
  assertEqual,
  assertQmp,
  assertQmpAbsent,
  pyEqual,
  qmpPath,
} from '../../../src/iotests/vm-assert';
import { PyFloat, pyRepr, pyStr } from '../../../src/iotests/pyjson';

const reply = {
  return: [
    { device: 'drive0', inserted: { file: '/a.img', ro: false } },
    { device: 'drive1', offset: 3 },
  ],
};
// For the paths the value's type does not have (a compile error on `reply`): checked at run time.
const untypedReply: unknown = reply;
const untypedObject: unknown = { a: [1] };

describe('qmpPath (dictpath)', () => {
  test('follows keys and list indexes, including negative ones', () => {
    expect(qmpPath(reply, 'return[0]/inserted/file')).toBe('/a.img');
    expect(qmpPath(reply, 'return[-1]/device')).toBe('drive1');
    expect(qmpPath(reply, 'return')).toBe(reply.return);
  });

  test('fails with the seed messages', () => {
    expect(() => qmpPath(untypedReply, 'return[0]/missing')).toThrow(
      `failed path traversal for "return[0]/missing" in "{'device': 'drive0', 'inserted': {'file': '/a.img', 'ro': False}}"`,
    );
    expect(() => qmpPath(untypedReply, 'return[0]/device[0]')).toThrow(
      'path component "device" in "return[0]/device[0]" is not a list in "drive0"',
    );
    expect(() => qmpPath(reply, 'return[5]')).toThrow(
      `invalid index "5" in path "return[5]" in "[{'device': 'drive0'`,
    );
    // The index prints as the seed's int() read it.
    expect(() => qmpPath(reply, 'return[ +02 ]')).toThrow(
      `invalid index "2" in path "return[ +02 ]" in "[{'device': 'drive0'`,
    );
    expect(() => qmpPath(untypedReply, 'return[0]/inserted/file/x')).toThrow(
      'failed path traversal for "return[0]/inserted/file/x" in "/a.img"',
    );
  });

  test('a malformed path is a usage error naming it and the syntax, not a failed check', () => {
    for (const path of ['a[x]', 'a//b', '', 'a[0]x', 'a[0][1]']) {
      let caught: unknown;
      try {
        qmpPath({ a: [1] }, path);
      } catch (error: unknown) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(TypeError);
      expect(caught).not.toBeInstanceOf(IotestsAssertionError);
      expect((caught as Error).message).toMatch(/^qmpPath: .*path .*Accepted: keys separated by/);
    }
    expect(() => qmpPath(untypedObject, 'a[x]')).toThrow(
      'qmpPath: component "a[x]" of path "a[x]" has index "x", which is not an integer.',
    );
    // assert_qmp_absent only takes a failed check for "absent"; a bad path still throws.
    expect(() => assertQmpAbsent({ a: [1] }, 'a[x]')).toThrow(TypeError);
  });

  test('throws IotestsAssertionError named AssertionError', () => {
    let caught: unknown;
    try {
      qmpPath(untypedObject, 'nope');
    } catch (error: unknown) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(IotestsAssertionError);
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).name).toBe('AssertionError');
    expect(new Error('x')).not.toBeInstanceOf(IotestsAssertionError);
  });
});

describe('assertQmp / assertQmpAbsent / assertEqual', () => {
  test('pass on equal values and on any of several candidates', () => {
    expect(() => assertQmp(reply, 'return[1]/offset', 3)).not.toThrow();
    expect(() => assertQmp(reply, 'return[1]/offset', [1, 2, 3])).not.toThrow();
    expect(() => assertQmp({ return: {} }, 'return', {})).not.toThrow();
    // [] is a value, not an empty list of candidates (as in the seed).
    expect(() => assertQmp({ return: [] }, 'return', [])).not.toThrow();
    expect(() => assertQmpAbsent(reply, 'return[0]/error')).not.toThrow();
  });

  test('fail with unittest-style messages', () => {
    expect(() => assertQmp(reply, 'return[0]/device', 'drive9')).toThrow(
      `'drive0' != 'drive9' : "return[0]/device" is "drive0", expected "drive9"`,
    );
    expect(() => assertQmp(reply, 'return[1]/offset', [4, 5])).toThrow(
      'no match for "3" in [4, 5]',
    );
    expect(() => assertQmp({ return: [{}] }, 'return', [])).toThrow(
      `[{}] != [] : "return" is "[{}]", expected "[]"`,
    );
    expect(() => assertQmpAbsent(reply, 'return[0]/inserted/ro')).toThrow(
      'path "return[0]/inserted/ro" has value "False"',
    );
    expect(() => assertEqual('BLOCK_JOB_CANCELLED', 'BLOCK_JOB_COMPLETED')).toThrow(
      "'BLOCK_JOB_CANCELLED' != 'BLOCK_JOB_COMPLETED'",
    );
  });

  test('pyEqual is deep equality that ignores key order and unwraps PyFloat', () => {
    expect(pyEqual({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })).toBe(true);
    expect(pyEqual(new PyFloat(1), 1)).toBe(true);
    expect(pyEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(pyEqual([1, 2], [2, 1])).toBe(false);
    // Integers beyond 2^53 arrive as bigint: compared exactly, also against numbers.
    expect(pyEqual(18446744073709551104n, 18446744073709551104n)).toBe(true);
    expect(pyEqual(18446744073709551104n, 18446744073709551105n)).toBe(false);
    expect(pyEqual(4096n, 4096)).toBe(true);
    expect(pyEqual(2n ** 53n + 1n, 2 ** 53)).toBe(false);
    expect(pyEqual(null, undefined)).toBe(true);
    expect(pyEqual('1', 1)).toBe(false);
  });
});

describe('pyRepr / pyStr', () => {
  const values: unknown[] = [
    null,
    true,
    false,
    0,
    -17,
    2 ** 53,
    1.5,
    0.1 + 0.2,
    1e-7,
    '',
    'plain',
    "it's",
    'say "hi"',
    `both ' and "`,
    'back\\slash',
    'tab\tnew\nline\rret',
    'bell\u0007del\u007f',
    'café 日本 🎉',
    [],
    {},
    [1, 'a', [null, true]],
    { device: 'drive0', 'dirty-bitmaps': [{ name: 'b', count: 0 }], nested: {} },
  ];

  test('match python3 repr() of the same JSON values', async () => {
    const script =
      'import json, sys\n' +
      'for line in sys.stdin.read().splitlines():\n' +
      '    print(repr(json.loads(line)))\n';
    const input = values.map((value) => JSON.stringify(value)).join('\n');
    const { stdout } = await execa('python3', ['-c', script], {
      input,
      env: { PYTHONIOENCODING: 'utf-8' },
    });
    expect(values.map((value) => pyRepr(value))).toEqual(stdout.split('\n'));
  });

  test('pyRepr of PyFloat and bigint, pyStr of strings', () => {
    expect(pyRepr(new PyFloat(1))).toBe('1.0');
    expect(pyRepr(12345678901234567890n)).toBe('12345678901234567890');
    expect(pyStr('as is')).toBe('as is');
    expect(pyStr({ a: 'b' })).toBe("{'a': 'b'}");
    expect(pyRepr(undefined)).toBe('None');
  });
});
