// Doc blocks in both QAPI styles: 7.2's (Example: sections) and 10.0's reStructuredText directives.
import { expect, test } from '@jest/globals';

import { parseQapiDoc } from '../../../src/qapi/qapi-doc';

test('members, features and tagged sections; continuation lines lose their indentation', () => {
  const doc = parseQapiDoc([
    '@blockdev-add:',
    '',
    'Creates a node.',
    '',
    '@driver: the driver',
    '@node-name: the name,',
    '             at most 31 characters',
    '',
    'Features:',
    '@deprecated: use something else',
    '',
    'Since: 2.9',
    '',
    'Example:',
    '',
    '-> { "execute": "blockdev-add" }',
  ]);
  expect(doc?.symbol).toBe('blockdev-add');
  expect(doc?.body).toBe('Creates a node.');
  expect([...(doc?.members ?? [])]).toEqual([
    ['driver', 'the driver'],
    ['node-name', 'the name,\nat most 31 characters'],
  ]);
  expect([...(doc?.features ?? [])]).toEqual([['deprecated', 'use something else']]);
  expect(doc?.sections.map((section) => section.tag)).toEqual(['Since', 'Example']);
});

test('reStructuredText examples are dropped, notes kept', () => {
  const doc = parseQapiDoc([
    '@query-block:',
    '',
    'Lists block devices.',
    '',
    '.. note:: Filter nodes are not listed.',
    '',
    'Since: 0.14',
    '',
    '.. qmp-example::',
    '',
    '    -> { "execute": "query-block" }',
    '    <- { "return": [] }',
  ]);
  expect(doc?.sections).toEqual([
    { tag: 'Note', text: 'Filter nodes are not listed.' },
    { tag: 'Since', text: '0.14' },
  ]);
});

test('a block that documents no symbol is not a definition doc', () => {
  expect(parseQapiDoc(['= Block devices', '', 'Text.'])).toBeUndefined();
});
