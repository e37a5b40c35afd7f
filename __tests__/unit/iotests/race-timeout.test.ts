// raceTimeout: the promise's outcome or onTimeout's after `ms`, the timer cleared either way, a
// late outcome dropped (a late rejection never unhandled).
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';

import { raceTimeout } from '../../../src/iotests/race-timeout';

/** A promise settled from outside, to control when it settles relative to the timer. */
function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: Error) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Settle state of `promise` without awaiting it, read after flushing microtasks. */
function track<T>(promise: Promise<T>): { state: () => 'pending' | 'fulfilled' | 'rejected' } {
  let state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  promise.then(
    () => {
      state = 'fulfilled';
    },
    () => {
      state = 'rejected';
    },
  );
  return { state: () => state };
}

describe('raceTimeout (fake timers)', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  test('a value before the timeout wins; onTimeout is not called and the timer is cleared', async () => {
    const onTimeout = jest.fn(() => 'fallback');
    const pending = deferred<number>();
    const raced = raceTimeout(pending.promise, 1_000, onTimeout);
    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(999);
    pending.resolve(42);
    await expect(raced).resolves.toBe(42);
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(onTimeout).not.toHaveBeenCalled();
  });

  test('an already settled promise wins even with a zero timeout', async () => {
    const onTimeout = jest.fn(() => 'fallback');
    const raced = raceTimeout(Promise.resolve('now'), 0, onTimeout);
    await expect(raced).resolves.toBe('now');
    expect(jest.getTimerCount()).toBe(0);
    expect(onTimeout).not.toHaveBeenCalled();
  });

  test('after `ms`, not before, it resolves with the fallback value', async () => {
    const onTimeout = jest.fn(() => new Error('too slow'));
    const raced = raceTimeout(deferred<undefined>().promise, 500, onTimeout);
    const tracked = track(raced);
    await jest.advanceTimersByTimeAsync(499);
    expect(tracked.state()).toBe('pending');
    expect(onTimeout).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    const value = await raced;
    expect(value).toBeInstanceOf(Error);
    expect((value as Error).message).toBe('too slow');
    expect(onTimeout).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('a fallback of undefined is a value, not a rejection', async () => {
    const raced = raceTimeout(deferred<{ exitCode: number }>().promise, 100, () => undefined);
    const tracked = track(raced);
    await jest.advanceTimersByTimeAsync(100);
    expect(tracked.state()).toBe('fulfilled');
    await expect(raced).resolves.toBeUndefined();
  });

  test('onTimeout throwing rejects with that very error', async () => {
    const thrown = new Error('Timeout waiting for job to pause');
    const raced = raceTimeout(deferred<string>().promise, 250, (): never => {
      throw thrown;
    });
    const settled = raced.then(
      () => 'fulfilled',
      (error: unknown) => error,
    );
    await jest.advanceTimersByTimeAsync(250);
    await expect(settled).resolves.toBe(thrown);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('a rejection before the timeout propagates as is and clears the timer', async () => {
    const onTimeout = jest.fn(() => 'fallback');
    const pending = deferred<number>();
    const raced = raceTimeout(pending.promise, 1_000, onTimeout);
    const failure = new Error('QMP connection closed');
    const settled = raced.then(
      () => 'fulfilled',
      (error: unknown) => error,
    );
    await jest.advanceTimersByTimeAsync(10);
    pending.reject(failure);
    await expect(settled).resolves.toBe(failure);
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(onTimeout).not.toHaveBeenCalled();
  });

  test('a late value does not replace the fallback', async () => {
    const pending = deferred<string>();
    const raced = raceTimeout(pending.promise, 100, () => 'fallback');
    await jest.advanceTimersByTimeAsync(100);
    pending.resolve('late');
    await expect(raced).resolves.toBe('fallback');
  });

  test('several races each clear their own timer', async () => {
    const first = deferred<number>();
    const second = deferred<number>();
    const a = raceTimeout(first.promise, 100, () => -1);
    const b = raceTimeout(second.promise, 200, () => -2);
    expect(jest.getTimerCount()).toBe(2);
    first.resolve(1);
    await expect(a).resolves.toBe(1);
    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(200);
    await expect(b).resolves.toBe(-2);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('raceTimeout (real timers)', () => {
  // Jest fails a test on an unhandled rejection, so this one fails if the late rejection of the
  // raced promise is left unhandled.
  test('a rejection after the timeout is dropped, not unhandled', async () => {
    const pending = deferred<number>();
    await expect(raceTimeout(pending.promise, 5, () => 'fallback')).resolves.toBe('fallback');
    pending.reject(new Error('late failure'));
    await new Promise((resolve) => setTimeout(resolve, 20));
  });

  test('a rejection after a throwing timeout keeps the timeout error', async () => {
    const pending = deferred<number>();
    const raced = raceTimeout(pending.promise, 5, (): never => {
      throw new Error('timed out');
    });
    await expect(raced).rejects.toThrow('timed out');
    pending.reject(new Error('late failure'));
    await new Promise((resolve) => setTimeout(resolve, 20));
  });
});
