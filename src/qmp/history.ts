// The last few raw messages in both directions, for failure reports.

import type { QmpExchangeRecord } from './types';

/** Longest message text kept verbatim; a 10 MB reply must not pin 10 MB per history slot. */
export const HISTORY_MESSAGE_LIMIT = 64 * 1024;

function shorten(message: string): string {
  if (message.length <= HISTORY_MESSAGE_LIMIT) {
    return message;
  }
  // Copy through a Buffer: a plain slice may keep the whole original string alive.
  const head = Buffer.from(message.slice(0, HISTORY_MESSAGE_LIMIT), 'utf8').toString('utf8');
  return `${head}... (${message.length - HISTORY_MESSAGE_LIMIT} more chars)`;
}

/** A fixed-size ring of exchange records, oldest overwritten first. */
export class ExchangeHistory {
  private readonly ring: (QmpExchangeRecord | undefined)[];
  private next = 0;
  private count = 0;

  constructor(private readonly capacity: number) {
    this.ring = new Array<QmpExchangeRecord | undefined>(capacity);
  }

  /** Records one message. */
  record(direction: 'sent' | 'received', message: string): void {
    if (this.capacity === 0) {
      return;
    }
    this.ring[this.next] = { direction, message: shorten(message), at: Date.now() };
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) {
      this.count++;
    }
  }

  /** The records kept, oldest first. */
  list(): QmpExchangeRecord[] {
    const records: QmpExchangeRecord[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) {
      const record = this.ring[(start + i) % this.capacity];
      if (record !== undefined) {
        records.push({ ...record });
      }
    }
    return records;
  }
}
