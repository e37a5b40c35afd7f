// Buffered QMP events and the waits that consume them.
//
// Events are kept in arrival order. A wait first takes the oldest buffered event it matches,
// else the next matching arrival; events nobody matched stay buffered for later waits and
// getEvents. The buffer is a list with a moving head plus holes for events taken from the
// middle, so neither a burst of 100 000 events nor draining it is quadratic.

import { QmpConnectionLostError, QmpTimeoutError } from './errors';
import type { QmpEvent } from './types';

/** Environment variable (seconds) behind the default event timeout; named in timeout errors. */
export const EVENT_TIMEOUT_KNOB = 'IOTESTS_EVENT_TIMEOUT';

/** Decides whether a waiter wants an event. */
export type EventPredicate = (event: QmpEvent) => boolean;

interface Waiter {
  readonly accepts: EventPredicate;
  readonly operation: string;
  readonly resolve: (event: QmpEvent) => void;
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/** Compact once this many slots are dead and they are at least half the list. */
const COMPACT_THRESHOLD = 1024;

/** A bounded, ordered event buffer with waiters. */
export class EventQueue {
  private slots: (QmpEvent | undefined)[] = [];
  private head = 0;
  private holes = 0;
  private dropped = 0;
  private readonly waiters = new Set<Waiter>();
  private lostReason: string | undefined;

  constructor(private readonly maxBuffered: number) {}

  /** Events currently buffered. */
  get size(): number {
    return this.slots.length - this.head - this.holes;
  }

  /** Events discarded because the buffer was full (oldest first). */
  get droppedEvents(): number {
    return this.dropped;
  }

  /** Waits still pending. */
  get waiting(): number {
    return this.waiters.size;
  }

  /** Hands a new event to the first waiter that wants it, else buffers it. */
  push(event: QmpEvent): void {
    if (this.waiters.size > 0) {
      for (const waiter of this.waiters) {
        if (waiter.accepts(event)) {
          this.settle(waiter);
          waiter.resolve(event);
          return;
        }
      }
    }
    this.slots.push(event);
    if (this.size > this.maxBuffered) {
      this.dropOldest();
    }
  }

  /** Removes and returns the oldest buffered event `accepts` wants, if any. */
  take(accepts: EventPredicate): QmpEvent | undefined {
    const slots = this.slots;
    for (let i = this.head; i < slots.length; i++) {
      const event = slots[i];
      if (event !== undefined && accepts(event)) {
        this.removeAt(i);
        return event;
      }
    }
    return undefined;
  }

  /** Removes and returns every buffered event, oldest first. */
  drain(): QmpEvent[] {
    const events: QmpEvent[] = [];
    for (let i = this.head; i < this.slots.length; i++) {
      const event = this.slots[i];
      if (event !== undefined) {
        events.push(event);
      }
    }
    this.clear();
    return events;
  }

  /** Forgets every buffered event (waiters are untouched). */
  clear(): void {
    this.slots = [];
    this.head = 0;
    this.holes = 0;
  }

  /**
   * Resolves with the oldest buffered event `accepts` wants, or the next one to arrive.
   * Rejects with QmpTimeoutError after `timeoutMs`, or QmpConnectionLostError once the
   * connection is gone (buffered events are still served after that).
   */
  wait(accepts: EventPredicate, operation: string, timeoutMs: number): Promise<QmpEvent> {
    const buffered = this.take(accepts);
    if (buffered !== undefined) {
      return Promise.resolve(buffered);
    }
    if (this.lostReason !== undefined) {
      return Promise.reject(new QmpConnectionLostError(this.lostReason, operation));
    }
    return new Promise<QmpEvent>((resolve, reject) => {
      const waiter: Waiter = { accepts, operation, resolve, reject, timer: undefined };
      waiter.timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new QmpTimeoutError(operation, timeoutMs, EVENT_TIMEOUT_KNOB, this.bufferedSummary()),
        );
      }, timeoutMs);
      // The socket keeps the process alive while it is open; a lone timer should not.
      waiter.timer.unref();
      this.waiters.add(waiter);
    });
  }

  /** Rejects every wait, now and later, with QmpConnectionLostError carrying `reason`. */
  connectionLost(reason: string): void {
    if (this.lostReason !== undefined) {
      return;
    }
    this.lostReason = reason;
    for (const waiter of [...this.waiters]) {
      this.settle(waiter);
      waiter.reject(new QmpConnectionLostError(reason, waiter.operation));
    }
  }

  /** What is buffered, by event name, for timeout messages: "3 buffered: JOB_STATUS_CHANGE x3". */
  bufferedSummary(): string {
    if (this.size === 0) {
      return 'no other events buffered';
    }
    const counts = new Map<string, number>();
    for (let i = this.head; i < this.slots.length; i++) {
      const event = this.slots[i];
      if (event !== undefined) {
        counts.set(event.event, (counts.get(event.event) ?? 0) + 1);
      }
    }
    const names = [...counts].map(([name, count]) => (count === 1 ? name : `${name} x${count}`));
    const shown = names.length > 10 ? [...names.slice(0, 10), '...'] : names;
    return `${this.size} other event(s) buffered: ${shown.join(', ')}`;
  }

  private settle(waiter: Waiter): void {
    this.waiters.delete(waiter);
    clearTimeout(waiter.timer);
  }

  /** Drops the event at the head; the head always points at a live event (or the end). */
  private dropOldest(): void {
    this.slots[this.head] = undefined;
    this.head++;
    this.dropped++;
    this.skipLeadingHoles();
    this.compactIfSparse();
  }

  private removeAt(index: number): void {
    this.slots[index] = undefined;
    if (index === this.head) {
      this.head++;
      this.skipLeadingHoles();
    } else {
      this.holes++;
    }
    this.compactIfSparse();
  }

  private skipLeadingHoles(): void {
    while (this.head < this.slots.length && this.slots[this.head] === undefined) {
      this.head++;
      this.holes--;
    }
  }

  private compactIfSparse(): void {
    const dead = this.head + this.holes;
    if (this.head === this.slots.length) {
      this.clear();
    } else if (dead >= COMPACT_THRESHOLD && dead * 2 >= this.slots.length) {
      const { slots, head } = this;
      this.slots = slots.filter((event, i) => i >= head && event !== undefined);
      this.head = 0;
      this.holes = 0;
    }
  }
}
