import { describe, expect, test } from '@jest/globals';
import { queryBlockReply } from './fixtures';
import { failureOf, fakeVm, usageErrorOf } from './helpers';

describe('toMatchQmp', () => {
  test('follows keys and list indices to the value', () => {
    expect(queryBlockReply).toMatchQmp('return[0]/inserted/node-name', 'd0');
    expect(queryBlockReply).toMatchQmp(
      'return[0]/inserted/image/backing-image/filename',
      'base.qcow2',
    );
    expect({ return: {} }).toMatchQmp('return', {});
  });

  test('compares objects deeply, whatever their key order', () => {
    expect(queryBlockReply).toMatchQmp('return[0]/inserted/cache', {
      writeback: true,
      direct: false,
      'no-flush': false,
    });
  });

  test('reads the index as Python int() would, negative indices included', () => {
    const reply = { return: ['a', 'b', 'c'] };
    expect(reply).toMatchQmp('return[ 1 ]', 'b');
    expect(reply).toMatchQmp('return[+0]', 'a');
    expect(reply).toMatchQmp('return[-1]', 'c');
    expect(reply).toMatchQmp('return[0_2]', 'c');
  });

  test('a non-empty array is a list of alternatives', () => {
    expect(queryBlockReply).toMatchQmp('return[0]/inserted/drv', ['raw', 'qcow2']);
    expect({ return: [1, 2] }).toMatchQmp('return', [[1, 2], [3]]);
  });

  test('an empty array is a plain value, not "no alternatives"', () => {
    expect({ return: [] }).toMatchQmp('return', []);
    expect({ return: [1] }).not.toMatchQmp('return', []);
  });

  test('keeps JSON types apart: 1 is not "1" and 1 is not true', () => {
    expect(queryBlockReply).not.toMatchQmp('return[0]/inserted/backing_file_depth', '1');
    expect(queryBlockReply).not.toMatchQmp('return[0]/inserted/backing_file_depth', true);
  });

  test('accepts asymmetric matchers as expected values', () => {
    expect(queryBlockReply).toMatchQmp('return[0]/inserted/image/virtual-size', expect.any(Number));
  });

  test('fails with both values when they differ', () => {
    expect(failureOf(() => expect(queryBlockReply).toMatchQmp('return[0]/inserted/drv', 'raw')))
      .toMatchInlineSnapshot(`
     "expect(received).toMatchQmp(path, expected)

     Path:     "return[0]/inserted/drv"
     Expected: "raw"
     Received: "qcow2""
    `);
  });

  test('fails with a diff when objects differ', () => {
    const message = failureOf(() =>
      expect(queryBlockReply).toMatchQmp('return[0]/inserted/cache', {
        'no-flush': false,
        direct: true,
        writeback: true,
      }),
    );
    expect(message).toMatchInlineSnapshot(`
     "expect(received).toMatchQmp(path, expected)

     Path:     "return[0]/inserted/cache"
     - Expected  - 1
     + Received  + 1

       Object {
     -   "direct": true,
     +   "direct": false,
         "no-flush": false,
         "writeback": true,
       }"
    `);
  });

  test('fails listing the alternatives when none matches', () => {
    const message = failureOf(() =>
      expect(queryBlockReply).toMatchQmp('return[0]/inserted/drv', ['raw', 'vmdk']),
    );
    expect(message).toMatchInlineSnapshot(`
     "expect(received).toMatchQmp(path, expected)

     Path:     "return[0]/inserted/drv"
     Expected: one of ["raw", "vmdk"]
     Received: "qcow2""
    `);
  });

  test('fails saying where the path broke: a missing key', () => {
    const message = failureOf(() =>
      expect(queryBlockReply).toMatchQmp('return[0]/inserted/image/format-specific', {}),
    );
    expect(message).toMatchInlineSnapshot(`
     "expect(received).toMatchQmp(path, expected)

     Path:     "return[0]/inserted/image/format-specific"
     Expected: {}
     Stopped at "format-specific": no key "format-specific" (keys: "format", "virtual-size", "backing-image")
     Value at "return[0]/inserted/image": {"backing-image": {"filename": "base.qcow2"}, "format": "qcow2", "virtual-size": 1048576}"
    `);
  });

  test('fails saying where the path broke: an index out of range', () => {
    const message = failureOf(() =>
      expect({ return: [] }).toMatchQmp('return[0]/device', ['x', 'y']),
    );
    expect(message).toMatchInlineSnapshot(`
     "expect(received).toMatchQmp(path, expected)

     Path:     "return[0]/device"
     Expected: one of ["x", "y"]
     Stopped at "return[0]": index 0 is out of range for "return" (a list of length 0)
     Received: {"return": []}"
    `);
  });

  test('fails saying where the path broke: indexing something that is not a list', () => {
    const message = failureOf(() =>
      expect(queryBlockReply).toMatchQmp('return[0]/inserted[0]', 'x'),
    );
    expect(message).toMatchInlineSnapshot(`
     "expect(received).toMatchQmp(path, expected)

     Path:     "return[0]/inserted[0]"
     Expected: "x"
     Stopped at "inserted[0]": "inserted" is an object, not a list
     Value at "return[0]": {"device": "drive0", "inserted": {"backing_file_depth": 1, "cache": [Object], "drv": "qcow2", "file": "top.qcow2", "image": [Object], "node-name": "d0", "ro": false}, "locked": false, "removable": true, "type": "unknown"}"
    `);
  });

  test('fails saying where the path broke: a key into something that is not an object', () => {
    const message = failureOf(() => expect(queryBlockReply).toMatchQmp('return/device', 'drive0'));
    expect(message).toMatchInlineSnapshot(`
     "expect(received).toMatchQmp(path, expected)

     Path:     "return/device"
     Expected: "drive0"
     Stopped at "device": cannot look up key "device" in a list of length 1
     Value at "return": [{"device": "drive0", "inserted": [Object], "locked": false, "removable": true, "type": "unknown"}]"
    `);
  });

  describe('.not', () => {
    test('passes when the value differs or the path is missing', () => {
      expect(queryBlockReply).not.toMatchQmp('return[0]/inserted/drv', 'raw');
      expect(queryBlockReply).not.toMatchQmp('return[0]/inserted/drv', ['raw', 'vmdk']);
      expect(queryBlockReply).not.toMatchQmp('return[1]/inserted/drv', 'qcow2');
    });

    test('fails when the value matches', () => {
      expect(failureOf(() => expect(queryBlockReply).not.toMatchQmp('return[0]/device', 'drive0')))
        .toMatchInlineSnapshot(`
       "expect(received).not.toMatchQmp(path, expected)

       Path:     "return[0]/device"
       Expected: not "drive0""
      `);
    });

    test('shows the received value when it prints differently from the expected one', () => {
      const message = failureOf(() =>
        expect(queryBlockReply).not.toMatchQmp('return[0]/device', expect.any(String)),
      );
      expect(message).toMatchInlineSnapshot(`
       "expect(received).not.toMatchQmp(path, expected)

       Path:     "return[0]/device"
       Expected: not Any<String>
       Received:     "drive0""
      `);
    });

    test('fails when one of the alternatives matches', () => {
      const message = failureOf(() =>
        expect(queryBlockReply).not.toMatchQmp('return[0]/device', ['drive0', 'drive1']),
      );
      expect(message).toMatchInlineSnapshot(`
       "expect(received).not.toMatchQmp(path, expected)

       Path:     "return[0]/device"
       Expected: none of ["drive0", "drive1"]
       Received: "drive0""
      `);
    });
  });

  describe('usage errors', () => {
    test.each([
      ['an empty path', ''],
      ['a trailing slash', 'return/'],
      ['a leading slash', '/return'],
      ['an unclosed index', 'return['],
      ['an index Python int() rejects', 'return[x]'],
      ['a float index', 'return[1.5]'],
      ['text after the index', 'return[0]x'],
      ['two indices in one component', 'return[0][1]'],
      ['an index without a key', '[0]'],
    ])('rejects %s', (_, path) => {
      const message = usageErrorOf(() => expect(queryBlockReply).toMatchQmp(path, 'x'));
      expect(message).toContain('Matcher error');
      expect(message).toContain(JSON.stringify(path));
      expect(message).toContain("Accepted: keys separated by '/'");
    });

    test('names the bad path and the accepted syntax', () => {
      expect(usageErrorOf(() => expect(queryBlockReply).toMatchQmp('return[x]', 'x')))
        .toMatchInlineSnapshot(`
       "expect(received).toMatchQmp(path, expected)

       Matcher error: path is malformed: component "return[x]" of path "return[x]" has index "x", which is not an integer

       Accepted: keys separated by '/', each optionally followed by one list index, e.g. 'return', 'return[0]/node-name', 'return/image/format-specific/data/compat'."
      `);
    });

    test('rejects a path that is not a string', () => {
      const message = usageErrorOf(() =>
        expect(queryBlockReply).toMatchQmp(0 as unknown as string, 'x'),
      );
      expect(message).toContain('path must be a string, got a number');
    });

    test.each([
      ['a string', 'return', 'Received has type:  string'],
      ['null', null, 'Received has value: null'],
      ['a list', [{ return: {} }], 'Received has type:  array'],
    ])('rejects %s as the receiver', (_, received, shown) => {
      const message = usageErrorOf(() => expect(received).toMatchQmp('return', {}));
      expect(message).toContain('value must be a QMP reply or another JSON object');
      expect(message).toContain(shown);
    });

    test('points a VM receiver at vm.qmp()', () => {
      expect(usageErrorOf(() => expect(fakeVm({})).toMatchQmp('return', {})))
        .toMatchInlineSnapshot(`
       "expect(received).toMatchQmp(path, expected)

       Matcher error: received value must be a QMP reply or another JSON object

       Received a VM (it has a qmp() method). Pass a reply instead: expect(await vm.qmp('query-block')).toMatchQmp(...)"
      `);
    });
  });
});
