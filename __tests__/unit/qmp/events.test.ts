import { describe, expect, test } from '@jest/globals';

import { QmpConnectionLostError, QmpTimeoutError } from '../../../src/qmp/errors';
import { EventQueue } from '../../../src/qmp/events';
import type { QmpEvent } from '../../../src/qmp/types';

function ev(name: string, n: number): QmpEvent {
  return { event: name, data: { n }, timestamp: { seconds: n, microseconds: 0 } };
}

const numberOf = (event: QmpEvent): unknown => event.data?.n;
const named =
  (name: string) =>
  (event: QmpEvent): boolean =>
    event.event === name;

/** Small deterministic PRNG so the model test is reproducible. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('EventQueue', () => {
  test('take() removes the oldest match and leaves the rest in order', () => {
    const queue = new EventQueue(100);
    queue.push(ev('A', 1));
    queue.push(ev('B', 2));
    queue.push(ev('A', 3));
    queue.push(ev('B', 4));
    expect(numberOf(queue.take(named('B'))!)).toBe(2);
    expect(queue.take(named('C'))).toBeUndefined();
    expect(queue.size).toBe(3);
    expect(queue.drain().map(numberOf)).toEqual([1, 3, 4]);
    expect(queue.size).toBe(0);
  });

  test('a wait is served from the buffer first, else by the next matching arrival', async () => {
    const queue = new EventQueue(100);
    queue.push(ev('A', 1));
    await expect(queue.wait(named('A'), 'A', 1000)).resolves.toEqual(ev('A', 1));
    const waiting = queue.wait(named('B'), 'B', 1000);
    queue.push(ev('A', 2));
    queue.push(ev('B', 3));
    queue.push(ev('B', 4));
    await expect(waiting).resolves.toEqual(ev('B', 3));
    expect(queue.waiting).toBe(0);
    expect(queue.drain().map(numberOf)).toEqual([2, 4]);
  });

  test('concurrent waits each get their own event, first registered first', async () => {
    const queue = new EventQueue(100);
    const first = queue.wait(() => true, 'any', 1000);
    const second = queue.wait(() => true, 'any', 1000);
    queue.push(ev('X', 1));
    queue.push(ev('X', 2));
    await expect(first).resolves.toEqual(ev('X', 1));
    await expect(second).resolves.toEqual(ev('X', 2));
  });

  test('a wait times out with the event knob and a summary of what is buffered', async () => {
    const queue = new EventQueue(100);
    queue.push(ev('JOB_STATUS_CHANGE', 1));
    queue.push(ev('JOB_STATUS_CHANGE', 2));
    queue.push(ev('RESUME', 3));
    const error = await queue.wait(named('NEVER'), 'QMP event NEVER', 20).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpTimeoutError);
    expect((error as QmpTimeoutError).knob).toBe('IOTESTS_EVENT_TIMEOUT');
    expect((error as Error).message).toBe(
      'Timed out after 20 ms waiting for QMP event NEVER ' +
        '(3 other event(s) buffered: JOB_STATUS_CHANGE x2, RESUME); ' +
        'if QEMU is just slow, raise IOTESTS_EVENT_TIMEOUT (seconds)',
    );
    expect(queue.waiting).toBe(0);
  });

  test('connection loss rejects waits, but buffered events are still served', async () => {
    const queue = new EventQueue(100);
    queue.push(ev('SHUTDOWN', 1));
    const pending = queue.wait(named('NEVER'), 'QMP event NEVER', 10_000);
    queue.connectionLost('QEMU exited with code 0');
    await expect(pending).rejects.toThrow(
      'QMP connection lost while waiting for QMP event NEVER: QEMU exited with code 0',
    );
    await expect(queue.wait(named('SHUTDOWN'), 'x', 1000)).resolves.toEqual(ev('SHUTDOWN', 1));
    await expect(queue.wait(named('SHUTDOWN'), 'x', 1000)).rejects.toBeInstanceOf(
      QmpConnectionLostError,
    );
  });

  test('past the bound the oldest events are dropped and counted', () => {
    const queue = new EventQueue(3);
    for (let n = 1; n <= 5; n++) {
      queue.push(ev('E', n));
    }
    expect(queue.droppedEvents).toBe(2);
    expect(queue.drain().map(numberOf)).toEqual([3, 4, 5]);
  });

  test('holes left by take() are not counted against the bound', () => {
    const queue = new EventQueue(3);
    queue.push(ev('A', 1));
    queue.push(ev('B', 2));
    queue.push(ev('A', 3));
    queue.take(named('B'));
    queue.push(ev('A', 4));
    expect(queue.droppedEvents).toBe(0);
    queue.push(ev('A', 5));
    expect(queue.droppedEvents).toBe(1);
    expect(queue.drain().map(numberOf)).toEqual([3, 4, 5]);
  });

  test('100 000 events: buffering, taking oldest-first and from the far end, draining', () => {
    const queue = new EventQueue(100_000);
    for (let n = 0; n < 100_000; n++) {
      queue.push(ev(n % 2 === 0 ? 'EVEN' : 'ODD', n));
    }
    // Taking at the head must be O(1) amortised, not an array shift.
    const taken: unknown[] = [];
    for (let i = 0; i < 50_000; i++) {
      taken.push(numberOf(queue.take(() => true)!));
    }
    expect(taken).toEqual(Array.from({ length: 50_000 }, (_, n) => n));
    expect(numberOf(queue.take((e) => e.data?.n === 99_999)!)).toBe(99_999);
    expect(numberOf(queue.take(named('ODD'))!)).toBe(50_001);
    const rest = queue.drain();
    expect(rest).toHaveLength(49_998);
    expect(numberOf(rest[0])).toBe(50_000);
    expect(numberOf(rest[rest.length - 1])).toBe(99_998);
  });

  test('behaves like a naive list under a long random mix of operations', () => {
    const random = prng(42);
    const bound = 50;
    const queue = new EventQueue(bound);
    let model: QmpEvent[] = [];
    let modelDropped = 0;
    const mismatches: string[] = [];
    const names = ['A', 'B', 'C'];
    const pick = (): string => names[Math.floor(random() * names.length)];
    // Rare drains/clears let the slot list grow long enough for compaction to run many times.
    for (let step = 0; step < 30_000; step++) {
      const roll = random();
      if (roll < 0.6) {
        const event = ev(pick(), step);
        queue.push(event);
        model.push(event);
        if (model.length > bound) {
          model.shift();
          modelDropped++;
        }
      } else if (roll < 0.999) {
        const name = pick();
        const index = model.findIndex(named(name));
        const expected = index === -1 ? undefined : model.splice(index, 1)[0];
        if (queue.take(named(name)) !== expected) {
          mismatches.push(`step ${step}: take(${name})`);
        }
      } else if (roll < 0.9995) {
        const drained = queue.drain();
        if (drained.length !== model.length || drained.some((e, i) => e !== model[i])) {
          mismatches.push(`step ${step}: drain`);
        }
        model = [];
      } else {
        queue.clear();
        model = [];
      }
      if (queue.size !== model.length) {
        mismatches.push(`step ${step}: size ${queue.size} != ${model.length}`);
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(queue.droppedEvents).toBe(modelDropped);
    expect(modelDropped).toBeGreaterThan(1000);
  });
});
