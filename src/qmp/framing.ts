// QMP is newline-delimited JSON. This turns a byte stream into parsed messages.
//
// Chunks without a newline are kept in a list and joined once, when the newline arrives, so a
// 10 MB message costs one copy rather than one per chunk. Bytes are joined before decoding, so
// a UTF-8 sequence split across chunks decodes correctly.

import { QmpProtocolError } from './errors';
import type { QmpObject } from './types';
import { parseJson } from './json';

const NEWLINE = 0x0a;

/** Where decoded messages and protocol errors go. */
export interface FrameSink {
  /** A complete message that parsed as a JSON object; `raw` is its text. */
  message(message: QmpObject, raw: string): void;
  /** A line that is not a JSON object, or an over-long message; the stream carries on. */
  protocolError(error: QmpProtocolError): void;
}

/** Default ceiling for one message, far above anything QEMU sends; guards against a runaway peer. */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

/** Splits a byte stream into newline-terminated JSON objects. */
export class JsonLineDecoder {
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** Set while skipping the rest of an over-long message, up to its newline. */
  private discarding = false;

  constructor(
    private readonly sink: FrameSink,
    private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
  ) {}

  /** Bytes of an incomplete message held so far. */
  get pendingBytes(): number {
    return this.partialBytes;
  }

  /** Feeds one chunk from the stream. */
  push(chunk: Buffer): void {
    let start = 0;
    let newline = chunk.indexOf(NEWLINE, start);
    while (newline !== -1) {
      this.completeLine(chunk, start, newline);
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) {
      this.keepPartial(start === 0 ? chunk : chunk.subarray(start));
    }
  }

  /** Ends the stream: a trailing message without a newline is still decoded if it is complete. */
  finish(): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    if (this.partialBytes === 0) {
      return;
    }
    const text = this.takePartial().toString('utf8');
    this.decode(text, 'Incomplete QMP message at end of stream');
  }

  private completeLine(chunk: Buffer, start: number, end: number): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    let text: string;
    if (this.partialBytes === 0) {
      text = chunk.toString('utf8', start, end);
    } else {
      this.keepPartial(chunk.subarray(start, end));
      if (this.discarding) {
        this.discarding = false;
        return;
      }
      text = this.takePartial().toString('utf8');
    }
    this.decode(text, 'Invalid JSON from QMP peer');
  }

  private keepPartial(piece: Buffer): void {
    if (this.discarding) {
      return;
    }
    this.partial.push(piece);
    this.partialBytes += piece.length;
    if (this.partialBytes > this.maxMessageBytes) {
      const held = this.partialBytes;
      this.partial = [];
      this.partialBytes = 0;
      this.discarding = true;
      this.sink.protocolError(
        new QmpProtocolError(
          `QMP message longer than ${this.maxMessageBytes} bytes (${held} bytes without a newline); skipped`,
        ),
      );
    }
  }

  private takePartial(): Buffer {
    const joined =
      this.partial.length === 1 ? this.partial[0] : Buffer.concat(this.partial, this.partialBytes);
    this.partial = [];
    this.partialBytes = 0;
    return joined;
  }

  private decode(line: string, problem: string): void {
    // QEMU ends lines with CRLF; the CR is not part of the message.
    const text = line.charCodeAt(line.length - 1) === 0x0d ? line.slice(0, -1) : line;
    let parsed: unknown;
    try {
      parsed = parseJson(text);
    } catch (error) {
      if (text.trim() === '') {
        return; // blank lines carry nothing; tolerate them
      }
      this.sink.protocolError(new QmpProtocolError(problem, text, { cause: error }));
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.sink.protocolError(new QmpProtocolError('QMP message is not a JSON object', text));
      return;
    }
    this.sink.message(parsed as QmpObject, text);
  }
}
