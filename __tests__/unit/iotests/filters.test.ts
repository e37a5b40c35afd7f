import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';

import type { FileContext } from '../../../src/iotests/context';
import { resetFileContext, setFileContext } from '../../../src/iotests/context';
import type { Filters } from '../../../src/iotests/filters';
import { createFilters, filters } from '../../../src/iotests/filters';
import { OrderedQmp, PyFloat } from '../../../src/iotests/pyjson';
import type { IotestsVersion, OracleResult } from './support/python-oracle';
import { DEFAULT_ORACLE_CTX, askPython, okValue, tag } from './support/python-oracle';
import { TRICKY_STRINGS, structures } from './support/values';

const CONTEXTS: Readonly<Record<string, FileContext>> = {
  plain: {
    testDir: '/tmp/iotests/scratch',
    sockDir: '/tmp/sock',
    imgfmt: 'qcow2',
    filePrefix: '4242-',
  },
  slashes: { testDir: '/var/tmp/dir/', sockDir: '/run/s/', imgfmt: 'raw', filePrefix: '7-' },
  relative: { testDir: 'relative', sockDir: 'relative', imgfmt: 'vmdk', filePrefix: '9-' },
  default: DEFAULT_ORACLE_CTX,
};

const IMG_INFO_HUMAN = [
  'image: /tmp/iotests/scratch/4242-disk.qcow2',
  'file format: qcow2',
  'virtual size: 128 MiB (134217728 bytes)',
  'disk size: 196 KiB',
  'cluster_size: 65536',
  'backing file: /tmp/iotests/scratch/4242-base.qcow2 (actual path: /tmp/iotests/scratch/4242-base.qcow2)',
  'backing file format: qcow2',
  'Format specific information:',
  '    compat: 1.1',
  '    compression type: zlib',
  '    lazy refcounts: false',
  '    encrypt:',
  '        format: luks',
  '        iters: 1024',
  '        uuid: 6e3a2f9c-0d4b-4f1e-9a53-1b2c3d4e5f60',
  '    cid: 4294967295',
  '    compression type: zstd',
  "Child node '/file':",
  '    filename: /tmp/iotests/scratch/4242-disk.qcow2',
  '    disk size: 196 KiB',
  '',
].join('\n');

// Children one after the other, one nested, and indented lines after a non-child line.
const IMG_INFO_CHILDREN = [
  'image: x',
  "Child node '/file':",
  '    filename: x',
  "    Child node '/file/inner':",
  '        filename: y',
  "Child node '/backing':",
  '    image: base',
  'Format specific information:',
  '    compat: 1.1',
].join('\n');

// qtest logs with and without the OPENED/CLOSED lines the filter removes.
const QTEST_LOGS = [
  '[I 0.000001] OPENED\n[R +0.012] clock_step\n[S +0.013] OK 1\n[I +0.100] CLOSED\n',
  '[I 0.000001] OPENED\n[R +0.012] clock_step\n[I +0.100] CLOSED',
  '[I 0.000001] OPENED\n[I +0.100] CLOSED\n\n',
  'no log\n[I 0.5] OPENED\n',
  '',
];

const IMG_INFO_JSON = [
  '{',
  '    "virtual-size": 67108864,',
  '    "filename": "/var/tmp/dir/7-t.vmdk",',
  '    "format": "vmdk",',
  '    "actual-size": 4096,',
  '    "format-specific": {"type": "vmdk", "data": {"cid": 1234, "create-type": "monolithicSparse"}}',
  '}',
].join('\n');

const TEXTS: readonly string[] = [
  ...TRICKY_STRINGS,
  'wrote 65536/65536 bytes at offset 0\n64 KiB, 1 ops; 00.00 sec (1.234 GiB/sec and 20217.7856 ops/sec)\n',
  'read 512/512 bytes at offset 0\r\n512 bytes, 1 ops; 0.0001 sec (3.815 MiB/sec and 7812.5000 ops/sec)\r\n',
  '4 KiB, 1 ops; 00.00 sec (inf GiB/sec and inf ops/sec)',
  '4 KiB, 12 ops; 0:00:01.23 sec (3.2 KiB/sec and 9.7 ops/sec) x 2 ops; 1 sec (1 bytes/sec and 1 ops/sec)',
  '1 ops; sec ( /sec and  ops/sec)',
  'open /tmp/iotests/scratch/4242-disk.qcow2 and /tmp/sock/4242-nbd.sock, /tmp/iotests/scratch/disk',
  '/var/tmp/dir/7-x and /var/tmp/dir/7-y, /run/s/7-sock, /var/tmp/dir7-no',
  'relative/9-a relative/9-b relative9-c',
  '/tmp/t/1-a /tmp/s/1-b /tmp/t/1-/tmp/s/1-',
  'chown 1000:1000 /x; chown 0:0 y; chown a:b; chown 12:',
  'virtio-scsi-pci,id=s0 virtio-scsi-ccw virtio-scsi-device virtio-scsi- virtio-scsi-pcix',
  '#block123 #block #block0042 node #blockX ##block9',
  'min block: 1\nopt block: 4096\nmax block: 33554432\nmin blocks: 5\nmax block: x',
  'qcow2qcow2 rawraw vmdk QCOW2 raw-qcow2',
  'a\rb\r\nc\r\r',
  IMG_INFO_HUMAN,
  IMG_INFO_JSON,
];

const STRING_FILTERS = ['win32', 'qemuIo', 'chown', 'virtioScsi', 'generatedNodeIds', 'nbdExports'];
const CONTEXT_FILTERS = ['testDir', 'testfiles', 'imgfmt'];
// The QMP filters that QEMU 7.2's filter_qmp also applies to a lone value.
const QMP_FILTERS = ['qmpVirtioScsi', 'qmpGeneratedNodeIds', 'qmp:tagValues'];
const QMP_CONTEXT_FILTERS = ['qmpTestfiles', 'qmpImgfmt'];

/** Messages that are a single value, not a container: text, numbers, booleans, null. */
const LONE_VALUES: readonly unknown[] = [
  ...TEXTS,
  0,
  -17,
  2 ** 53,
  1.5,
  new PyFloat(2),
  10n ** 40n,
  true,
  false,
  null,
];

function qmpInputs(): unknown[] {
  return [
    ...structures(),
    {
      execute: 'blockdev-add',
      arguments: {
        driver: 'qcow2',
        'node-name': 'node0',
        file: { driver: 'file', filename: '/tmp/iotests/scratch/4242-disk.qcow2' },
        backing: { driver: 'raw', file: { filename: '/var/tmp/dir/7-base.raw', size: 0 } },
      },
    },
    new OrderedQmp([
      ['execute', 'nbd-server-start'],
      [
        'arguments',
        new OrderedQmp([
          ['addr', { type: 'unix', data: { path: '/tmp/sock/4242-nbd.sock' } }],
          ['list', ['virtio-scsi-pci', 'qcow2', 1, new PyFloat(2), null, true, ['vmdk']]],
        ]),
      ],
    ]),
    [{ device: 'virtio-scsi-ccw', fmt: 'raw' }, 'relative/9-x', [['qcow2']]],
    { return: { 'file-name': '/tmp/t/1-img', mixed: [1, 'raw', { deep: '/tmp/s/1-sock' }] } },
  ];
}

function qmpEventInputs(): unknown[] {
  return [
    {
      event: 'BLOCK_JOB_COMPLETED',
      data: { device: 'job0', len: 1048576, offset: 1048576, speed: 0, type: 'mirror' },
      timestamp: { seconds: 1700000000, microseconds: 123456 },
    },
    { event: 'SHUTDOWN', data: { guest: false, reason: 'host-qmp-quit' } },
    { timestamp: { seconds: 1 } },
    { event: 'STOP', timestamp: { microseconds: 5, seconds: 6, extra: 'kept' } },
    new OrderedQmp([
      ['timestamp', { seconds: 1, microseconds: 2 }],
      ['event', 'RESUME'],
    ]),
  ];
}

interface FilterCase {
  name: string;
  filter: string;
  args: unknown[];
  ctxName: string;
  /** Whose filter the oracle runs: the seed's or QEMU 7.2's. */
  iotests: IotestsVersion;
}

function filterCases(): FilterCase[] {
  const cases: FilterCase[] = [];
  const add = (
    filter: string,
    args: unknown[],
    ctxName: string,
    label: string,
    iotests: IotestsVersion = 'seed',
  ): void => {
    const version = iotests === 'seed' ? '' : ` (${iotests})`;
    cases.push({
      name: `${filter}${version} [${ctxName}] ${label}`,
      filter,
      args,
      ctxName,
      iotests,
    });
  };
  TEXTS.forEach((text, index) => {
    for (const filter of STRING_FILTERS) add(filter, [text], 'default', `text #${index}`);
    for (const filter of CONTEXT_FILTERS) {
      for (const ctxName of Object.keys(CONTEXTS)) add(filter, [text], ctxName, `text #${index}`);
    }
  });
  for (const ctxName of Object.keys(CONTEXTS)) {
    // QEMU 10.0's filter_img_info: the seed's, leaving out child node sections by default.
    const human = [IMG_INFO_HUMAN, '/tmp/iotests/scratch/4242-disk.qcow2'];
    add('imgInfo', human, ctxName, 'human', '10.0');
    add('imgInfo', [...human, false], ctxName, 'human, child info kept', '10.0');
    add('imgInfo', [IMG_INFO_JSON, '/var/tmp/dir/7-t.vmdk'], ctxName, 'json', '10.0');
    add('imgInfo', [IMG_INFO_HUMAN, 'qcow2'], ctxName, 'filename is the format', '10.0');
    add('imgInfo', [IMG_INFO_CHILDREN, 'x'], ctxName, 'two children', '10.0');
    add('imgInfo', ['', 'x'], ctxName, 'empty output', '10.0');
    add('imgInfo', ['disk size\nactual-size\n', 'x'], ctxName, 'only dropped lines', '10.0');
    qmpInputs().forEach((qmsg, index) => {
      for (const filter of ['qmpTestfiles', 'qmpImgfmt'])
        add(filter, [qmsg], ctxName, `qmp #${index}`);
    });
  }
  qmpInputs().forEach((qmsg, index) => {
    for (const filter of ['qmpVirtioScsi', 'qmp:tagValues'])
      add(filter, [qmsg], 'default', `qmp #${index}`);
  });
  QTEST_LOGS.forEach((text, index) => add('qtest', [text], 'default', `log #${index}`, '10.0'));
  qmpEventInputs().forEach((event, index) =>
    add('qmpEvent', [event], 'default', `event #${index}`),
  );
  // QEMU 7.2 only: filter_qmp_generated_node_ids, and filter_qmp on a lone value.
  qmpInputs().forEach((qmsg, index) =>
    add('qmpGeneratedNodeIds', [qmsg], 'default', `qmp #${index}`, '7.2'),
  );
  LONE_VALUES.forEach((value, index) => {
    for (const filter of QMP_FILTERS) add(filter, [value], 'default', `lone #${index}`, '7.2');
    for (const filter of QMP_CONTEXT_FILTERS) {
      for (const ctxName of Object.keys(CONTEXTS)) {
        add(filter, [value], ctxName, `lone #${index}`, '7.2');
      }
    }
  });
  return cases;
}

// The (key, value) function the oracle gives filter_qmp for 'qmp:tagValues' (a lone value's key
// is Python's None).
const tagValues = (key: string | number | null, value: unknown): unknown =>
  typeof value === 'string' ? `${value.toUpperCase()}@${key ?? 'None'}` : value;

function applyFilter(bound: Filters, c: FilterCase): unknown {
  const [first, second] = c.args as [never, never];
  if (c.filter === 'qmp:tagValues') return bound.qmp(first, tagValues);
  if (c.filter === 'imgInfo') return bound.imgInfo(first, second, c.args[2] as boolean | undefined);
  return (bound[c.filter as keyof Filters] as (msg: unknown) => unknown)(first);
}

function contextOf(c: FilterCase): FileContext {
  return CONTEXTS[c.ctxName];
}

describe('filters against the seed filter_* run by python3', () => {
  const cases = filterCases();
  let results: OracleResult[] = [];

  beforeAll(() => {
    results = askPython(
      cases.map((c) => ({
        op: 'filter',
        name: c.filter,
        args: c.args.map(tag),
        ctx: contextOf(c),
        iotests: c.iotests,
      })),
    );
  }, 120_000);

  afterEach(() => resetFileContext());

  test('the table is as large as intended (guards against an emptied table)', () => {
    expect(cases.length).toBeGreaterThanOrEqual(1000);
    expect(cases.filter((c) => c.iotests === '7.2').length).toBeGreaterThanOrEqual(400);
  });

  test.each(cases.map((c, index) => [c.name, index] as const))('%s', (_name, index) => {
    const c = cases[index];
    const before = tag(c.args);
    const expected = okValue(results[index]);
    // Bound to an explicit context ...
    expect(tag(applyFilter(createFilters(contextOf(c)), c))).toEqual(expected);
    // ... and the shared `filters`, which read the file context when called.
    setFileContext(contextOf(c));
    expect(tag(applyFilter(filters, c))).toEqual(expected);
    // Unlike the seed, the input is left as it was.
    expect(tag(c.args)).toEqual(before);
  });
});

describe('deliberate differences from the seed', () => {
  test('testDir filters the directory literally; the seed used it as a regex', () => {
    const dotted = { ...DEFAULT_ORACLE_CTX, testDir: '/tmp/a.b' };
    const plusses = { ...DEFAULT_ORACLE_CTX, testDir: '/tmp/c++' };
    const [seedDotted, seedPlusses] = askPython([
      { op: 'filter', name: 'testDir', args: ['/tmp/aXb/x and /tmp/a.b/y'], ctx: dotted },
      { op: 'filter', name: 'testDir', args: ['/tmp/c++/x'], ctx: plusses },
    ]);
    // The seed's regex '.' matches any character; 'c++' is an error before Python 3.11 and a
    // possessive 'c+' from 3.11 on (leaving 'TEST_DIR++/x'): either way not the directory.
    expect(okValue(seedDotted)).toBe('TEST_DIR/x and TEST_DIR/y');
    expect(seedPlusses).not.toEqual({ ok: 'TEST_DIR/x' });
    expect(createFilters(dotted).testDir('/tmp/aXb/x and /tmp/a.b/y')).toBe(
      '/tmp/aXb/x and TEST_DIR/y',
    );
    expect(createFilters(plusses).testDir('/tmp/c++/x')).toBe('TEST_DIR/x');
  });

  test('qmp filters return a new value and keep an OrderedQmp ordered', () => {
    const message = new OrderedQmp([
      ['z', '/tmp/t/1-a'],
      ['a', [{ path: '/tmp/t/1-b' }]],
    ]);
    const filtered = createFilters(DEFAULT_ORACLE_CTX).qmpTestfiles(message);
    expect(filtered).not.toBe(message);
    expect(filtered).toBeInstanceOf(OrderedQmp);
    expect([...filtered.keys()]).toEqual(['z', 'a']);
    expect(filtered.get('a')).toEqual([{ path: 'TEST_DIR/PID-b' }]);
    expect(message.get('a')).toEqual([{ path: '/tmp/t/1-b' }]);
  });

  test("a lone value: the seed's filter_qmp fails on it, QEMU 7.2's (followed here) filters it", () => {
    const text = 'Job failed: /tmp/t/1-img #block7';
    const [seed, qemu72] = askPython([
      { op: 'filter', name: 'qmpTestfiles', args: [text] },
      { op: 'filter', name: 'qmpTestfiles', args: [text], iotests: '7.2' },
    ]);
    expect(seed).toEqual({ error: "AttributeError: 'str' object has no attribute 'items'" });
    expect(okValue(qemu72)).toBe('Job failed: TEST_DIR/PID-img #block7');
    const bound = createFilters(DEFAULT_ORACLE_CTX);
    expect(bound.qmpTestfiles(text)).toBe('Job failed: TEST_DIR/PID-img #block7');
    expect(bound.qmpGeneratedNodeIds(text)).toBe('Job failed: /tmp/t/1-img NODE_NAME');
    const keys: unknown[] = [];
    bound.qmp(text, (key, value) => keys.push(key) && value);
    expect(keys).toEqual([null]);
  });

  test("qmpEvent does not touch the caller's timestamp (the seed overwrote it)", () => {
    const event = { event: 'STOP', timestamp: { seconds: 1, microseconds: 2 } };
    expect(filters.qmpEvent(event)).toEqual({
      event: 'STOP',
      timestamp: { seconds: 'SECS', microseconds: 'USECS' },
    });
    expect(event.timestamp).toEqual({ seconds: 1, microseconds: 2 });
  });
});

describe('filter input errors name the value and what is accepted', () => {
  test('string filters refuse objects and point at the qmp variant', () => {
    expect(() => filters.testfiles({ a: 1 } as unknown as string)).toThrow(
      'filters.testfiles expects a string, got an object (use the filters.qmp* variant for QMP objects)',
    );
    expect(() => filters.chown(5 as unknown as string)).toThrow(
      'filters.chown expects a string, got a number 5',
    );
  });

  test('qmp filters refuse what no QMP message is', () => {
    expect(() => filters.qmpTestfiles(undefined)).toThrow(
      'filters.qmp expects a QMP object, array, string, number, boolean or null, got undefined',
    );
    expect(() => filters.qmpImgfmt(new Date(0))).toThrow(
      'filters.qmp expects a QMP object, array, string, number, boolean or null, got an object Date',
    );
    expect(() => filters.qmp(Symbol('s'), (_key, value) => value)).toThrow(
      'filters.qmp expects a QMP object, array, string, number, boolean or null, got a symbol Symbol(s)',
    );
  });

  test('qmpEvent needs an object with an object timestamp', () => {
    expect(() => filters.qmpEvent([])).toThrow(
      'filters.qmpEvent expects a QMP event object, got a list of length 0',
    );
    expect(() => filters.qmpEvent({ timestamp: 5 })).toThrow(
      "filters.qmpEvent expects the event's timestamp to be an object, got a number 5",
    );
  });

  test('imgInfo needs the image filename', () => {
    expect(() => filters.imgInfo('image: x', '')).toThrow(
      'filters.imgInfo expects the image filename, got an empty string',
    );
  });

  test('createFilters validates its context', () => {
    expect(() => createFilters({ ...DEFAULT_ORACLE_CTX, imgfmt: '' })).toThrow(
      'file context imgfmt must be a non-empty string, got a string ""',
    );
  });
});

describe('a Map (not ordered) goes through the walker as a Map', () => {
  test('kind and order are kept', () => {
    const input = new Map<string, unknown>([
      ['b', 'raw'],
      ['a', 1],
    ]);
    const output = createFilters({ ...DEFAULT_ORACLE_CTX, imgfmt: 'raw' }).qmpImgfmt(input);
    expect(output).toBeInstanceOf(Map);
    expect(output).not.toBeInstanceOf(OrderedQmp);
    expect([...output.entries()]).toEqual([
      ['b', 'IMGFMT'],
      ['a', 1],
    ]);
  });
});
