import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';

import { resetFileContext, setFileContext } from '../../../src/iotests/context';
import { TranscriptText } from '../../../src/iotests/transcript-text';
import { isQmpMessage, serialize, test as accepts } from '../../../src/jest/serializer';

beforeEach(() => {
  setFileContext({
    testDir: '/tmp/run/206-abc',
    sockDir: '/tmp/s123',
    imgfmt: 'qcow2',
    filePrefix: '4242-',
  });
});
afterEach(() => {
  resetFileContext();
});

describe('snapshot serializer', () => {
  test('prints a transcript verbatim, ANSI stripped, scratch paths replaced', () => {
    const text = new TranscriptText(
      '\u001b[31m{"return": {}}\u001b[0m\nopened /tmp/run/206-abc/4242-t.qcow2 and /tmp/s123/nbd.sock\n',
    );
    expect(accepts(text)).toBe(true);
    expect(serialize(text)).toBe(
      '{"return": {}}\nopened TEST_DIR/PID-t.qcow2 and SOCK_DIR/nbd.sock\n',
    );
  });

  test('prints QMP messages as the seed logs them, made stable across runs', () => {
    const event = {
      event: 'BLOCK_JOB_COMPLETED',
      timestamp: { seconds: 1700000000, microseconds: 12 },
      data: { device: '#block123', file: '/tmp/run/206-abc/4242-t.qcow2', len: 512 },
    };
    expect(serialize(event)).toBe(
      [
        '{',
        '  "data": {',
        '    "device": "NODE_NAME",',
        '    "file": "TEST_DIR/PID-t.qcow2",',
        '    "len": 512',
        '  },',
        '  "event": "BLOCK_JOB_COMPLETED",',
        '  "timestamp": {',
        '    "microseconds": "USECS",',
        '    "seconds": "SECS"',
        '  }',
        '}',
      ].join('\n'),
    );
    expect(event.timestamp.seconds).toBe(1700000000); // the caller's object is not changed
  });

  test('only QMP-shaped plain objects and transcripts are taken', () => {
    expect(isQmpMessage({ return: [] })).toBe(true);
    expect(isQmpMessage({ error: { class: 'GenericError', desc: 'x' } })).toBe(true);
    expect(isQmpMessage({ name: 'not qmp' })).toBe(false);
    expect(isQmpMessage([{ return: {} }])).toBe(false);
    expect(isQmpMessage(new Map([['return', 1]]))).toBe(false);
    expect(accepts('a plain string')).toBe(false);
  });
});
