import { describe, expect, test } from '@jest/globals';

import { QmpProtocolError } from '../../../src/qmp/errors';
import { JsonLineDecoder } from '../../../src/qmp/framing';
import type { QmpObject } from '../../../src/qmp/types';

interface Decoded {
  messages: QmpObject[];
  raws: string[];
  errors: QmpProtocolError[];
  decoder: JsonLineDecoder;
}

function decoder(maxMessageBytes?: number): Decoded {
  const decoded: Decoded = {
    messages: [],
    raws: [],
    errors: [],
    decoder: undefined as unknown as JsonLineDecoder,
  };
  decoded.decoder = new JsonLineDecoder(
    {
      message: (message, raw) => {
        decoded.messages.push(message);
        decoded.raws.push(raw);
      },
      protocolError: (error) => decoded.errors.push(error),
    },
    maxMessageBytes,
  );
  return decoded;
}

const push = (d: Decoded, text: string): void => d.decoder.push(Buffer.from(text, 'utf8'));

describe('JsonLineDecoder', () => {
  test('one message per chunk, CRLF or LF', () => {
    const d = decoder();
    push(d, '{"return": {}, "id": 1}\r\n');
    push(d, '{"return": 2, "id": 2}\n');
    expect(d.messages).toEqual([
      { return: {}, id: 1 },
      { return: 2, id: 2 },
    ]);
    expect(d.raws).toEqual(['{"return": {}, "id": 1}', '{"return": 2, "id": 2}']);
    expect(d.errors).toEqual([]);
  });

  test('several messages in one chunk, the last one partial', () => {
    const d = decoder();
    push(d, '{"a": 1}\n{"b": 2}\r\n{"c": ');
    expect(d.messages).toEqual([{ a: 1 }, { b: 2 }]);
    expect(d.decoder.pendingBytes).toBe(6);
    push(d, '3}\n');
    expect(d.messages).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
    expect(d.decoder.pendingBytes).toBe(0);
  });

  test('a message split into single bytes, with a multi-byte character cut in half', () => {
    const d = decoder();
    const bytes = Buffer.from('{"desc": "grüße ✓"}\n', 'utf8');
    for (let i = 0; i < bytes.length; i++) {
      d.decoder.push(bytes.subarray(i, i + 1));
    }
    expect(d.messages).toEqual([{ desc: 'grüße ✓' }]);
  });

  test('a 10 MB message in 64 KiB chunks decodes once and whole', () => {
    const d = decoder();
    const blob = 'x'.repeat(10 * 1024 * 1024);
    const bytes = Buffer.from(`{"return": {"blob": "${blob}"}, "id": 7}\r\n`);
    for (let offset = 0; offset < bytes.length; offset += 65536) {
      d.decoder.push(bytes.subarray(offset, offset + 65536));
    }
    expect(d.errors).toEqual([]);
    expect(d.messages).toHaveLength(1);
    const reply = d.messages[0] as { return: { blob: string }; id: number };
    expect(reply.id).toBe(7);
    expect(reply.return.blob.length).toBe(blob.length);
  });

  test('invalid JSON and non-object JSON become protocol errors and decoding carries on', () => {
    const d = decoder();
    push(d, 'garbage\n[1, 2]\n"text"\n{"ok": true}\n');
    expect(d.messages).toEqual([{ ok: true }]);
    expect(d.errors.map((e) => e.raw)).toEqual(['garbage', '[1, 2]', '"text"']);
    expect(d.errors.every((e) => e instanceof QmpProtocolError)).toBe(true);
    expect(d.errors[0]?.message).toBe('Invalid JSON from QMP peer: garbage');
    expect(d.errors[1]?.message).toBe('QMP message is not a JSON object: [1, 2]');
    expect(d.errors[0]?.cause).toBeInstanceOf(SyntaxError);
  });

  test('blank lines are ignored', () => {
    const d = decoder();
    push(d, '\n\r\n   \n{"x": 1}\n');
    expect(d.messages).toEqual([{ x: 1 }]);
    expect(d.errors).toEqual([]);
  });

  test('an over-long message is skipped up to its newline with one protocol error', () => {
    const d = decoder(100);
    push(d, '{"a": "' + 'y'.repeat(60));
    push(d, 'y'.repeat(60));
    push(d, 'y'.repeat(60));
    push(d, '"}\n{"next": 1}\n');
    expect(d.messages).toEqual([{ next: 1 }]);
    expect(d.errors).toHaveLength(1);
    expect(d.errors[0]?.message).toContain('longer than 100 bytes');
  });

  test('finish() decodes a complete trailing message without newline and reports a cut one', () => {
    const complete = decoder();
    push(complete, '{"return": {}, "id": 1}');
    complete.decoder.finish();
    expect(complete.messages).toEqual([{ return: {}, id: 1 }]);

    const cut = decoder();
    push(cut, '{"return": {}, "i');
    cut.decoder.finish();
    expect(cut.messages).toEqual([]);
    expect(cut.errors[0]?.message).toContain('Incomplete QMP message at end of stream');
    expect(cut.decoder.pendingBytes).toBe(0);
  });
});
