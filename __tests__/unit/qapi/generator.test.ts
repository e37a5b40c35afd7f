// The generator on small hand-written schema fragments, one QAPI meta-type at a time, with and
// without the QAPI source. The output must also be valid TypeScript (checked by transpiling).
import { describe, expect, test } from '@jest/globals';
import ts from 'typescript';

import { generateQmpTypes } from '../../../src/qapi/generate';
import { parseIntrospection, SchemaShapeError } from '../../../src/qapi/introspection';
import { parseQapiText } from '../../../src/qapi/qapi-source';

const BUILTINS = [
  { name: 'str', 'meta-type': 'builtin', 'json-type': 'string' },
  { name: 'int', 'meta-type': 'builtin', 'json-type': 'int' },
  { name: 'number', 'meta-type': 'builtin', 'json-type': 'number' },
  { name: 'bool', 'meta-type': 'builtin', 'json-type': 'boolean' },
  { name: 'null', 'meta-type': 'builtin', 'json-type': 'null' },
  { name: 'any', 'meta-type': 'builtin', 'json-type': 'value' },
  { name: '0', 'meta-type': 'object', members: [] },
];

/** Generates from introspection entries (plus the builtins) and, optionally, QAPI source text. */
function generate(entries: object[], source?: string): string {
  const text = generateQmpTypes({
    entries: parseIntrospection([...BUILTINS, ...entries]),
    version: '9.9.9',
    digest: 'ab12',
    ...(source === undefined ? {} : { source: parseQapiText(source) }),
  });
  const output = ts.transpileModule(text, { reportDiagnostics: true });
  expect(output.diagnostics).toEqual([]);
  return text;
}

const command = (name: string, arg: string, ret = '0'): object => ({
  name,
  'meta-type': 'command',
  'arg-type': arg,
  'ret-type': ret,
});

describe('generateQmpTypes without the QAPI source', () => {
  test('builtins: strings, wide integers, numbers, booleans, null and JSON values (never any)', () => {
    const text = generate([
      command('set-things', '1', 'any'),
      {
        name: '1',
        'meta-type': 'object',
        members: [
          { name: 'name', type: 'str' },
          { name: 'size', type: 'int' },
          { name: 'ratio', type: 'number', default: null },
          { name: 'on', type: 'bool' },
          { name: 'nothing', type: 'null', default: null },
          { name: 'value', type: 'any' },
        ],
      },
    ]);
    expect(text).toContain("  'set-things': { args: SetThingsArguments; returns: JsonValue };");
    expect(text).toContain(
      [
        'export type SetThingsArguments = {',
        '  name: string;',
        '  size: number | bigint;',
        '  ratio?: number;',
        '  on: boolean;',
        '  nothing?: null;',
        '  value: JsonValue;',
        '};',
      ].join('\n'),
    );
    expect(text).not.toMatch(/\bany\b(?!`)/);
  });

  test('commands without arguments or reply take and return empty objects', () => {
    const text = generate([command('stop', '0')]);
    expect(text).toContain(
      '  stop: { args: Record<string, never>; returns: Record<string, never> };',
    );
  });

  test('enums become string-literal unions, arrays T[], names follow their first use', () => {
    const text = generate([
      command('query-jobs', '0', '[2]'),
      { name: '[2]', 'meta-type': 'array', 'element-type': '2' },
      { name: '2', 'meta-type': 'object', members: [{ name: 'status', type: '3' }] },
      { name: '3', 'meta-type': 'enum', values: ['created', 'running'] },
    ]);
    expect(text).toContain(
      "  'query-jobs': { args: Record<string, never>; returns: QueryJobsResultItem[] };",
    );
    expect(text).toContain(
      'export type QueryJobsResultItem = {\n  status: QueryJobsResultItemStatus;\n};',
    );
    expect(text).toContain(
      "export type QueryJobsResultItemStatus =\n  | 'created'\n  | 'running';",
    );
  });

  test('alternates become unions of their alternatives', () => {
    const text = generate([
      command('set-ref', '4'),
      { name: '4', 'meta-type': 'object', members: [{ name: 'ref', type: '5' }] },
      { name: '5', 'meta-type': 'alternate', members: [{ type: 'str' }, { type: 'null' }] },
    ]);
    expect(text).toContain('export type SetRefArgumentsRef =\n  | string\n  | null;');
  });

  test('flat unions: common members, then one branch per type with its tag values', () => {
    const text = generate([
      command('add-node', '6'),
      {
        name: '6',
        'meta-type': 'object',
        tag: 'driver',
        members: [
          { name: 'driver', type: '7' },
          { name: 'node-name', type: 'str', default: null },
        ],
        variants: [
          { case: 'file', type: '8' },
          { case: 'host_device', type: '8' },
          { case: 'null', type: '0' },
        ],
      },
      { name: '7', 'meta-type': 'enum', values: ['file', 'host_device', 'null', 'nbd'] },
      { name: '8', 'meta-type': 'object', members: [{ name: 'filename', type: 'str' }] },
    ]);
    expect(text).toContain(
      [
        'export type AddNodeArguments = {',
        "  'node-name'?: string;",
        '} & (',
        "  | ({ driver: 'file' | 'host_device' } & AddNodeArgumentsFile)",
        "  | { driver: 'null' | 'nbd' }",
        ');',
      ].join('\n'),
    );
  });

  test('events map to their data; features become doc comments', () => {
    const text = generate([
      { name: 'JOB_DONE', 'meta-type': 'event', 'arg-type': '9' },
      {
        name: 'old-cmd',
        'meta-type': 'command',
        'arg-type': '0',
        'ret-type': '0',
        features: ['deprecated'],
      },
      {
        name: '9',
        'meta-type': 'object',
        members: [{ name: 'id', type: 'str', features: ['unstable'] }],
      },
    ]);
    expect(text).toContain('  JOB_DONE: JobDoneEventData;');
    expect(text).toContain("  /** @deprecated */\n  'old-cmd'");
    expect(text).toContain('  /** Unstable: not a stable interface. */\n  id: string;');
  });

  test('a schema of the wrong shape is refused with the entry at fault', () => {
    expect(() => parseIntrospection([{ name: 'x', 'meta-type': 'command' }])).toThrow(
      new SchemaShapeError("schema entry 'x': 'arg-type' is not a string"),
    );
    expect(() => parseIntrospection({})).toThrow(SchemaShapeError);
  });
});

describe('generateQmpTypes with the QAPI source', () => {
  const entries = [
    command('blockdev-add', '6'),
    command('query-sizes', '0', '[10]'),
    { name: '[10]', 'meta-type': 'array', 'element-type': '10' },
    {
      name: '10',
      'meta-type': 'object',
      members: [
        { name: 'size', type: 'int' },
        { name: 'count', type: 'int' },
        { name: 'list', type: '[int]' },
      ],
    },
    { name: '[int]', 'meta-type': 'array', 'element-type': 'int' },
    {
      name: '6',
      'meta-type': 'object',
      tag: 'driver',
      members: [{ name: 'driver', type: '7' }],
      variants: [{ case: 'file', type: '8' }],
    },
    { name: '7', 'meta-type': 'enum', values: ['file'] },
    { name: '8', 'meta-type': 'object', members: [{ name: 'filename', type: 'str' }] },
  ];
  const source = `
# A plain comment.
##
# = A section heading, no symbol
##

##
# @Driver:
#
# Block drivers.
#
# @file: a host file
#
# Since: 1.0
##
{ 'enum': 'Driver', 'data': [ 'file', { 'name': 'gone', 'if': 'CONFIG_NOPE' } ] }

##
# @FileOptions:
#
# @filename: path to the image
#            (never */ in a comment)
##
{ 'struct': 'FileOptions', 'data': { 'filename': 'str' } }

##
# @Options:
#
# Options of a node, see @FileOptions.
#
# @driver: the driver
##
{ 'union': 'Options', 'base': { 'driver': 'Driver' }, 'discriminator': 'driver',
  'data': { 'file': 'FileOptions' } }

##
# @blockdev-add:
#
# Adds a node.
#
# Since: 2.9
##
{ 'command': 'blockdev-add', 'data': 'Options', 'boxed': true }

{ 'struct': 'Sizes', 'data': { 'size': 'size', 'count': 'uint32', '*unused': 'int8',
                               'list': [ 'uint16' ] } }
{ 'command': 'query-sizes', 'returns': [ 'Sizes' ] }
`;

  test('real type names replace masked ones; doc comments become JSDoc', () => {
    const text = generate(entries, source);
    expect(text).toContain(
      [
        '  /**',
        '   * Adds a node.',
        '   *',
        '   * @since 2.9',
        '   */',
        "  'blockdev-add': { args: Options; returns: Record<string, never> };",
      ].join('\n'),
    );
    expect(text).toContain(
      "/** Options of a node, see `FileOptions`. */\nexport type Options =\n  | ({ driver: 'file' } & FileOptions);",
    );
    expect(text).toContain(
      '  /**\n   * path to the image\n   * (never *\\/ in a comment)\n   */\n  filename: string;',
    );
    expect(text).toContain(
      "/**\n * Block drivers.\n *\n * - `file`: a host file\n *\n * @since 1.0\n */\nexport type Driver =\n  | 'file';",
    );
  });

  test('integers the source declares narrow are numbers; 64-bit ones may be bigint', () => {
    const text = generate(entries, source);
    expect(text).toContain(
      'export type Sizes = {\n  size: number | bigint;\n  count: number;\n  list: number[];\n};',
    );
  });

  test('a source type whose members do not match the binary is not used', () => {
    const text = generate(entries, source.replace("'filename': 'str'", "'path': 'str'"));
    expect(text).toContain("({ driver: 'file' } & OptionsFile)");
    expect(text).not.toContain('type FileOptions');
  });
});
