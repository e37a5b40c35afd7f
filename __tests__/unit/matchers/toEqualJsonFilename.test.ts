import { describe, expect, test } from '@jest/globals';
import { failureOf, usageErrorOf } from './helpers';

// The form QEMU prints for a node whose options cannot be expressed as a plain filename.
const filename =
  'json:{"driver": "raw", "file": {"driver": "blkdebug", "image.filename": "t.img", "set-state.0.event": "read_aio", "set-state.0.new_state": 42}}';

describe('toEqualJsonFilename', () => {
  test('compares after flattening, so dotted and nested keys are the same', () => {
    expect(filename).toEqualJsonFilename({
      driver: 'raw',
      'file.driver': 'blkdebug',
      file: { image: { filename: 't.img' }, 'set-state': [{ event: 'read_aio', new_state: 42 }] },
    });
  });

  test('ignores empty objects and lists, as the flattening drops them', () => {
    expect('json:{"driver": "null-co", "x": {}, "y": []}').toEqualJsonFilename({
      driver: 'null-co',
    });
  });

  test('accepts asymmetric matchers for volatile values', () => {
    expect(filename).toEqualJsonFilename({
      driver: 'raw',
      file: {
        driver: 'blkdebug',
        'image.filename': expect.stringMatching(/\.img$/),
        'set-state': [{ event: 'read_aio', new_state: expect.any(Number) }],
      },
    });
  });

  test('fails with a diff of the flattened objects', () => {
    const message = failureOf(() =>
      expect(filename).toEqualJsonFilename({
        driver: 'raw',
        file: {
          driver: 'blkdebug',
          image: { filename: 't.img' },
          'set-state.0.event': 'write_aio',
        },
      }),
    );
    expect(message).toMatchInlineSnapshot(`
     "expect(filename).toEqualJsonFilename(reference)

     - Expected (flattened)  - 1
     + Received (flattened)  + 2

       Object {
         "driver": "raw",
         "file.driver": "blkdebug",
         "file.image.filename": "t.img",
     -   "file.set-state.0.event": "write_aio",
     +   "file.set-state.0.event": "read_aio",
     +   "file.set-state.0.new_state": 42,
       }"
    `);
  });

  test('fails on a plain filename', () => {
    expect(failureOf(() => expect('/tmp/t.img').toEqualJsonFilename({ driver: 'file' })))
      .toMatchInlineSnapshot(`
     "expect(filename).toEqualJsonFilename(reference)

     Expected: a json: filename equal to {"driver": "file"}
     Received: "/tmp/t.img", which does not start with "json:""
    `);
  });

  test('fails, with and without .not, when the JSON does not parse', () => {
    const broken = 'json:{"driver": ';
    // Only our part of the message: the parser's own wording differs between Node versions.
    const message = failureOf(() => expect(broken).toEqualJsonFilename({}));
    expect(message).toContain('The JSON after "json:" does not parse: ');
    expect(message).toContain('Received: "json:{\\"driver\\": "');
    expect(failureOf(() => expect(broken).not.toEqualJsonFilename({}))).toContain(
      'The JSON after "json:" does not parse',
    );
  });

  describe('.not', () => {
    test('passes when the objects differ or the filename is not json:', () => {
      expect(filename).not.toEqualJsonFilename({ driver: 'raw' });
      expect('/tmp/t.img').not.toEqualJsonFilename({ driver: 'file' });
    });

    test('fails when they are equal', () => {
      expect(failureOf(() => expect('json:{"a": {"b": 1}}').not.toEqualJsonFilename({ 'a.b': 1 })))
        .toMatchInlineSnapshot(`
       "expect(filename).not.toEqualJsonFilename(reference)

       Expected (flattened): not {"a.b": 1}
       Received: "json:{\\"a\\": {\\"b\\": 1}}""
      `);
    });
  });

  describe('usage errors', () => {
    test('rejects a filename that is not a string', () => {
      expect(usageErrorOf(() => expect({ driver: 'raw' }).toEqualJsonFilename({ driver: 'raw' })))
        .toMatchInlineSnapshot(`
       "expect(filename).toEqualJsonFilename(reference)

       Matcher error: filename must be a string, got an object

       Received has type:  object
       Received has value: {"driver": "raw"}"
      `);
    });

    test('rejects a reference that is not an object', () => {
      const message = usageErrorOf(() =>
        expect(filename).toEqualJsonFilename('json:{}' as unknown as Record<string, unknown>),
      );
      expect(message).toContain(
        'reference must be an object (the expected json: options), got a string',
      );
    });
  });
});
