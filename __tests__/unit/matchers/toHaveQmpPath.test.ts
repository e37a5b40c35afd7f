import { describe, expect, test } from '@jest/globals';
import { queryBlockReply } from './fixtures';
import { failureOf, usageErrorOf } from './helpers';

describe('toHaveQmpPath', () => {
  test('passes when the path resolves, whatever the value', () => {
    expect(queryBlockReply).toHaveQmpPath('return[0]/inserted/image/backing-image');
    expect(queryBlockReply).toHaveQmpPath('return[-1]/locked');
    expect({ return: { job: null } }).toHaveQmpPath('return/job');
  });

  test('fails saying where the path broke', () => {
    const message = failureOf(() =>
      expect(queryBlockReply).toHaveQmpPath('return[0]/inserted/image/backing-image/backing-image'),
    );
    expect(message).toMatchInlineSnapshot(`
     "expect(received).toHaveQmpPath(path)

     Path:     "return[0]/inserted/image/backing-image/backing-image"
     Stopped at "backing-image": no key "backing-image" (keys: "filename")
     Value at "return[0]/inserted/image/backing-image": {"filename": "base.qcow2"}"
    `);
  });

  describe('.not (assert_qmp_absent)', () => {
    test('passes when a key is missing, an index is out of range or a step is not a list', () => {
      expect(queryBlockReply).not.toHaveQmpPath('return[0]/inserted/backing-image');
      expect(queryBlockReply).not.toHaveQmpPath('return[1]');
      expect(queryBlockReply).not.toHaveQmpPath('return[0]/device[0]');
      expect({ return: {} }).not.toHaveQmpPath('return/device');
    });

    test('fails showing the value found, null included', () => {
      expect(failureOf(() => expect({ return: { job: null } }).not.toHaveQmpPath('return/job')))
        .toMatchInlineSnapshot(`
       "expect(received).not.toHaveQmpPath(path)

       Path:     "return/job"
       Expected: no value at the path
       Received: null"
      `);
    });
  });

  describe('usage errors', () => {
    test('names the malformed path, with or without .not', () => {
      expect(usageErrorOf(() => expect(queryBlockReply).not.toHaveQmpPath('return/')))
        .toMatchInlineSnapshot(`
       "expect(received).not.toHaveQmpPath(path)

       Matcher error: path is malformed: path "return/" has an empty component

       Accepted: keys separated by '/', each optionally followed by one list index, e.g. 'return', 'return[0]/node-name', 'return/image/format-specific/data/compat'."
      `);
      expect(usageErrorOf(() => expect(queryBlockReply).toHaveQmpPath('return['))).toContain(
        'component "return[" of path "return[" is not of the form key or key[index]',
      );
    });

    test('rejects a receiver that is not an object', () => {
      expect(usageErrorOf(() => expect(42).not.toHaveQmpPath('return'))).toMatchInlineSnapshot(`
       "expect(received).not.toHaveQmpPath(path)

       Matcher error: received value must be a QMP reply or another JSON object

       Received has type:  number
       Received has value: 42"
      `);
    });
  });
});
