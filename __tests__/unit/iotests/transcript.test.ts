import { afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';

import type { FileContext } from '../../../src/iotests/context';
import type { Filters } from '../../../src/iotests/filters';
import { createFilters } from '../../../src/iotests/filters';
import { OrderedQmp, PyFloat } from '../../../src/iotests/pyjson';
import type { LogFilter } from '../../../src/iotests/transcript';
import {
  formatLogMessage,
  log,
  orderedQmp,
  qmpLogMessage,
  quietly,
  resetTranscript,
  setTranscriptEcho,
  transcript,
} from '../../../src/iotests/transcript';
import type { OracleCase, OracleResult } from './support/python-oracle';
import { askPython, okValue, tag } from './support/python-oracle';
import { NUMBERS, TRICKY_STRINGS, structures } from './support/values';

const CTX: FileContext = {
  testDir: '/tmp/iotests',
  sockDir: '/tmp/sock',
  imgfmt: 'qcow2',
  filePrefix: '777-',
};

interface Message {
  msg: unknown;
  filters?: string[];
  indent?: number | null;
}

interface LogCase {
  name: string;
  messages: Message[];
}

interface QmpLogCase {
  name: string;
  cmd: string;
  args: object;
  filters?: string[];
  indent?: number | null;
}

const EVENT = {
  event: 'BLOCK_JOB_READY',
  data: { device: 'mirror', len: 1048576, offset: 1048576, speed: 0, type: 'mirror' },
  timestamp: { seconds: 1700000000, microseconds: 42 },
};

function logCases(): LogCase[] {
  const single = (name: string, msg: unknown, extra: Omit<Message, 'msg'> = {}): LogCase => ({
    name,
    messages: [{ msg, ...extra }],
  });
  return [
    single('empty line', ''),
    single('a title', '=== Successful image creation (defaults) ==='),
    single('several lines at once', 'line 1\nline 2\n\nline 4\n'),
    ...TRICKY_STRINGS.map((text, index) => single(`string #${index} as is`, text)),
    ...NUMBERS.map((number, index) => single(`scalar number #${index} as str()`, number)),
    single('None', null),
    single('True', true),
    single('False', false),
    ...structures().flatMap((value, index) =>
      [null, 2, 4].map((indent) =>
        single(`structure #${index} indent=${String(indent)}`, value, { indent }),
      ),
    ),
    single(
      'ordered top level is not sorted, nested plain dicts keep insertion order',
      new OrderedQmp([
        ['zeta', { y: 1, b: 2, '10': 3 }],
        ['alpha', [{ z: 0, a: 1 }]],
      ]),
    ),
    single('ordered inside a plain dict is sorted', {
      b: new OrderedQmp([
        ['z', 1],
        ['a', 2],
      ]),
      a: 0,
    }),
    single('qmpEvent then sorted', EVENT, { filters: ['qmpEvent'] }),
    single(
      'qmpEvent on an ordered event gives a sorted dict',
      new OrderedQmp([
        ['timestamp', { seconds: 1, microseconds: 2 }],
        ['event', 'RESUME'],
      ]),
      { filters: ['qmpEvent'] },
    ),
    single(
      'qmpEvent + qmpTestfiles, indent 2',
      {
        ...EVENT,
        data: { ...EVENT.data, device: '/tmp/iotests/777-disk.qcow2' },
      },
      { filters: ['qmpEvent', 'qmpTestfiles'], indent: 2 },
    ),
    single('testfiles then imgfmt on text', 'open /tmp/iotests/777-a.qcow2 /tmp/sock/777-s', {
      filters: ['testfiles', 'imgfmt'],
    }),
    single(
      'qemuIo',
      'read 512/512 bytes at offset 0\r\n512 bytes, 1 ops; 0.0001 sec (3.815 MiB/sec and 7812.5000 ops/sec)',
      {
        filters: ['qemuIo'],
      },
    ),
    single(
      'qmpTestfiles keeps an OrderedQmp unsorted',
      new OrderedQmp([
        ['execute', 'blockdev-add'],
        [
          'arguments',
          new OrderedQmp([
            ['filename', '/tmp/iotests/777-x'],
            ['driver', 'file'],
          ]),
        ],
      ]),
      { filters: ['qmpTestfiles'] },
    ),
    single('qmp walker on a list', ['a', { b: 'c', n: 1 }], { filters: ['qmp:tagValues'] }),
    {
      name: 'a sequence, like a test section',
      messages: [
        { msg: '=== Section ===' },
        { msg: '' },
        { msg: { return: {} } },
        { msg: EVENT, filters: ['qmpEvent'] },
        { msg: { return: [{ 'node-name': 'imgfile', size: 67108864n }] }, indent: 2 },
        { msg: 'done' },
      ],
    },
  ];
}

function qmpLogCases(): QmpLogCase[] {
  return [
    { name: 'no arguments', cmd: 'query-block-jobs', args: {} },
    {
      name: 'kwargs-style keys convert _ to -',
      cmd: 'blockdev-add',
      args: { driver: 'file', filename: '/tmp/iotests/777-t.qcow2', node_name: 'imgfile' },
      filters: ['qmpTestfiles'],
    },
    {
      name: 'nested keys keep their _, dicts in lists convert again',
      cmd: 'blockdev-create',
      args: {
        job_id: 'job0',
        options: { driver: 'qcow2', file: { driver: 'file', file_name: 'x' }, cluster_size: 65536 },
        list_of: [{ a_b: 1, nested_dict: { c_d: 2 } }, 'x_y'],
      },
    },
    {
      name: 'sorted before converting',
      cmd: 'x',
      args: { a_b: 1, 'a-c': 2, 'a.d': 3, aa: 4, 'a-b-': 5 },
    },
    { name: 'a key and its converted twin collide', cmd: 'x', args: { 'a-b': 1, a_b: 2, a: 0 } },
    {
      name: 'big and float values, indent 2',
      cmd: 'block_resize',
      args: { node_name: 'node1', size: 18446744073709551104n, ratio: new PyFloat(1), f: 0.5 },
      indent: 2,
    },
    {
      name: 'astral and BMP keys',
      cmd: 'x',
      args: { '😀': 1, '\uffff': 2, é: { '😀': 3, '\ue000': 4 } },
    },
    {
      name: 'qmpImgfmt + virtio filters',
      cmd: 'device_add',
      args: { driver: 'virtio-scsi-pci', id: 'qcow2-ctrl', fmt: 'qcow2' },
      filters: ['qmpImgfmt', 'qmpVirtioScsi'],
    },
  ];
}

function orderedQmpInputs(): unknown[] {
  return [
    ...structures(),
    { b_c: { d_e: [{ f_g: { h_i: 1 } }] }, a_a: [[{ x_y: 2 }]] },
    [{ z_z: 1, a_a: 2 }, 5, 'str_ing'],
    'scalar_string',
    42,
    null,
  ];
}

function filterFunctions(bound: Filters, names: readonly string[] = []): LogFilter[] {
  return names.map((name): LogFilter => {
    if (name === 'qmp:tagValues') {
      return (msg: object) =>
        bound.qmp(msg, (key, value) =>
          typeof value === 'string' ? `${value.toUpperCase()}@${key}` : value,
        );
    }
    return bound[name as keyof Filters] as LogFilter;
  });
}

describe('log, qmp_log and ordered_qmp against the seed run by python3', () => {
  const logs = logCases();
  const qmpLogs = qmpLogCases();
  const ordered = orderedQmpInputs();
  const bound = createFilters(CTX);
  let logResults: OracleResult[] = [];
  let qmpLogResults: OracleResult[] = [];
  let orderedResults: OracleResult[] = [];

  beforeAll(() => {
    const questions: OracleCase[] = [
      ...logs.map((c): OracleCase => ({
        op: 'log',
        ctx: CTX,
        messages: c.messages.map((m) => ({
          msg: tag(m.msg),
          filters: m.filters,
          indent: m.indent,
        })),
      })),
      ...qmpLogs.map((c): OracleCase => ({
        op: 'qmpLogMessage',
        ctx: CTX,
        cmd: c.cmd,
        args: tag(c.args),
        filters: c.filters,
        indent: c.indent,
      })),
      ...ordered.flatMap((value): OracleCase[] => [
        { op: 'orderedQmp', value: tag(value), convKeys: true },
        { op: 'orderedQmp', value: tag(value), convKeys: false },
      ]),
    ];
    const answers = askPython(questions);
    logResults = answers.slice(0, logs.length);
    qmpLogResults = answers.slice(logs.length, logs.length + qmpLogs.length);
    orderedResults = answers.slice(logs.length + qmpLogs.length);
  }, 120_000);

  beforeEach(() => resetTranscript());

  test('the tables are as large as intended (guards against emptied tables)', () => {
    expect(logs.length + qmpLogs.length + ordered.length * 2).toBeGreaterThanOrEqual(180);
  });

  test.each(logs.map((c, index) => [c.name, index] as const))('log: %s', (_name, index) => {
    const c = logs[index];
    for (const m of c.messages)
      log(m.msg, { filters: filterFunctions(bound, m.filters), indent: m.indent });
    expect(transcript()).toBe(okValue(logResults[index]));
  });

  test.each(qmpLogs.map((c, index) => [c.name, index] as const))('qmp_log: %s', (_name, index) => {
    const c = qmpLogs[index];
    log(qmpLogMessage(c.cmd, c.args), {
      filters: filterFunctions(bound, c.filters),
      indent: c.indent,
    });
    expect(transcript()).toBe(okValue(qmpLogResults[index]));
  });

  test.each(ordered.map((_value, index) => [index] as const))('ordered_qmp: input #%d', (index) => {
    const value = ordered[index];
    expect(tag(orderedQmp(value))).toEqual(okValue(orderedResults[index * 2]));
    expect(tag(orderedQmp(value, false))).toEqual(okValue(orderedResults[index * 2 + 1]));
  });
});

describe('the transcript', () => {
  beforeEach(() => resetTranscript());
  afterEach(() => setTranscriptEcho(undefined));

  test('each message is one entry ending in a newline; log("") is an empty line', () => {
    log('first');
    log('');
    log({ b: 1, a: [] });
    expect(transcript()).toBe('first\n\n{"a": [], "b": 1}\n');
  });

  test('resetTranscript starts over', () => {
    log('old');
    resetTranscript();
    log('new');
    expect(transcript()).toBe('new\n');
  });

  test('the echo gets each message without the newline, until it is removed', () => {
    const echoed: string[] = [];
    setTranscriptEcho((text) => echoed.push(text));
    log('one');
    log({ return: {} });
    setTranscriptEcho(undefined);
    log('not echoed');
    expect(echoed).toEqual(['one', '{"return": {}}']);
    expect(transcript()).toBe('one\n{"return": {}}\nnot echoed\n');
  });

  test('formatLogMessage is log without the side effects', () => {
    expect(formatLogMessage(qmpLogMessage('stop'))).toBe('{"execute": "stop", "arguments": {}}');
    expect(transcript()).toBe('');
  });

  test('filters run in order, each on the previous result', () => {
    const calls: string[] = [];
    const first = (msg: string): string => {
      calls.push(`first(${msg})`);
      return `${msg}1`;
    };
    const second = (msg: string): string => {
      calls.push(`second(${msg})`);
      return `${msg}2`;
    };
    log('x', { filters: [first, second] });
    expect(calls).toEqual(['first(x)', 'second(x1)']);
    expect(transcript()).toBe('x12\n');
  });

  test('bad input is refused with the value named and nothing logged', () => {
    expect(() => log(undefined)).toThrow('log cannot print undefined (accepted: string, number');
    expect(() => log({ a: 1 }, { indent: -2 })).toThrow('indent must be a non-negative integer');
    expect(() => qmpLogMessage('stop', [])).toThrow(
      'qmpLogMessage expects the arguments as an object, got a list of length 0',
    );
    expect(transcript()).toBe('');
  });

  test('quietly drops what its steps logged, however late, and returns their result', async () => {
    log('before');
    const result = await quietly(async () => {
      log('replayed step');
      await new Promise((resolve) => setTimeout(resolve, 5));
      log('logged after an await');
      return 42;
    });
    log('after');
    expect(result).toBe(42);
    expect(transcript()).toBe('before\nafter\n');
  });

  test('quietly keeps what failing steps logged, for the failure report', async () => {
    log('before');
    await expect(
      quietly(() => {
        log('the step that failed');
        return Promise.reject(new Error('setup failed'));
      }),
    ).rejects.toThrow('setup failed');
    expect(transcript()).toBe('before\nthe step that failed\n');
  });

  test('qmpLogMessage builds an OrderedQmp with execute first', () => {
    const message = qmpLogMessage('blockdev-del', { node_name: 'n' });
    expect(message).toBeInstanceOf(OrderedQmp);
    expect([...message.keys()]).toEqual(['execute', 'arguments']);
    expect(message.get('arguments')).toEqual(new OrderedQmp([['node-name', 'n']]));
  });
});
