// Inputs shared by the differential tests: the tricky strings, numbers and structures that
// Python's json.dumps and the seed's filters must agree with us on.
import { OrderedQmp, PyFloat } from '../../../../src/iotests/pyjson';

/** Strings that stress escaping and ordering. */
export const TRICKY_STRINGS: readonly string[] = [
  '',
  'plain ascii',
  'double " quote and \' single',
  'back\\slash and \\\\ double, \\u0041 literal',
  '/ forward slash',
  'tab\tnewline\ncr\rbackspace\bformfeed\f',
  'NUL \u0000 inside',
  Array.from({ length: 32 }, (_, code) => String.fromCharCode(code)).join(''),
  'DEL \u007f and \u0080 and \u009f',
  'space ~ tilde',
  'latin-1: é ü ß ÿ',
  'euro € and BOM \ufeff',
  'CJK 日本語テキスト',
  'astral 😀 and 𝄞 and 🇩🇪',
  'private use \ue000 and last BMP \uffff',
  'lone high \ud800 end',
  'lone low \udc00 end',
  'reversed pair \udc00\ud800',
  'line separators \u2028 \u2029',
  '<html> & "json" </script>',
  '{"already": "json"}',
  'trailing backslash \\',
];

/** Numbers, each printed the way Python prints the value it stands for. */
export const NUMBERS: readonly unknown[] = [
  0,
  1,
  -1,
  42,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 63),
  2 ** 64,
  1e21,
  1e300,
  Number.MAX_VALUE,
  0.5,
  -0.5,
  0.1,
  0.1 + 0.2,
  1 / 3,
  2 / 3,
  1e-7,
  1.5e-7,
  1e-5,
  0.0001,
  0.00012345,
  123456.789,
  1234567890123.4568,
  5e-324,
  2.2250738585072014e-308,
  Infinity,
  -Infinity,
  NaN,
  new PyFloat(1),
  new PyFloat(0),
  new PyFloat(-0),
  new PyFloat(1e15),
  new PyFloat(1e16),
  new PyFloat(1.2345678901234568e20),
  new PyFloat(1e22),
  new PyFloat(-2.5),
  new PyFloat(1e-7),
  new PyFloat(Number.MAX_VALUE),
  new PyFloat(Infinity),
  new PyFloat(NaN),
  0n,
  -1n,
  9223372036854775807n,
  -9223372036854775808n,
  18446744073709551104n,
  10n ** 40n,
];

/** Keys whose sorted order differs between code points and UTF-16 code units, and more. */
export const TRICKY_KEYS: readonly string[] = [
  'b',
  'a',
  'A',
  '',
  '_',
  '-',
  'node_name',
  'node-name',
  'nodename',
  'é',
  '\ue000',
  '\uffff',
  '😀',
  '𝄞',
  '\ud800',
  '\udbff\udfff',
  'a"b',
  'new\nline',
  '10',
  '9',
  '__proto__',
];

/** A dict made of the tricky keys, in the order above (own data properties, even '__proto__'). */
export function trickyKeyObject(): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  TRICKY_KEYS.forEach((key, index) =>
    Object.defineProperty(object, key, {
      value: index,
      enumerable: true,
      writable: true,
      configurable: true,
    }),
  );
  return object;
}

/** Containers and QMP-shaped structures. */
export function structures(): unknown[] {
  return [
    [],
    {},
    [[]],
    [{}],
    { empty: {}, list: [] },
    [1, 'two', null, true, false, new PyFloat(3), [4, [5, [6]]]],
    { z: 1, y: { x: { w: [{ v: 'deep' }] } } },
    trickyKeyObject(),
    new Map<string, unknown>([
      ['10', 'map keeps insertion order'],
      ['2', 2],
      ['1', 1],
      ['b', { nested: true }],
    ]),
    new OrderedQmp([
      ['execute', 'blockdev-add'],
      [
        'arguments',
        new OrderedQmp([
          ['driver', 'file'],
          ['filename', '/tmp/t/1-disk.img'],
          ['node-name', 'imgfile'],
        ]),
      ],
    ]),
    {
      outer: new OrderedQmp([
        ['z', 1],
        ['a', { d: 1, c: 2 }],
      ]),
      inner: [new OrderedQmp([['y', 0]])],
    },
    {
      return: [
        {
          device: 'drive0',
          'node-name': '#block123',
          inserted: {
            file: '/tmp/t/1-disk.qcow2',
            backing_file_depth: 0,
            encryption_key_missing: false,
            image: { 'virtual-size': 134217728, format: 'qcow2', 'dirty-flag': false },
            bps: 0,
            bps_rd: 0,
          },
          locked: false,
          removable: true,
          'io-status': 'ok',
        },
      ],
    },
    {
      event: 'JOB_STATUS_CHANGE',
      data: { id: 'job0', status: 'concluded' },
      timestamp: { seconds: 1700000000, microseconds: 123456 },
    },
    { error: { class: 'GenericError', desc: "Parameter 'size' expects uint64" } },
    Object.fromEntries(TRICKY_STRINGS.map((text, index) => [`s${index}`, text])),
    { numbers: NUMBERS.slice() },
  ];
}
