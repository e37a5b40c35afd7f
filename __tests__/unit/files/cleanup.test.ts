// The per-file cleanup registry: LIFO order, errors collected (never thrown), bounded actions.
import { describe, expect, test } from '@jest/globals';

import { onFileCleanup, pendingFileCleanups, runFileCleanups } from '../../../src/iotests/cleanup';

describe('runFileCleanups', () => {
  test('runs every action, last registered first, and forgets them', async () => {
    const order: string[] = [];
    onFileCleanup(() => {
      order.push('first');
    });
    onFileCleanup(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push('second');
    });
    onFileCleanup(() => {
      order.push('third');
    });
    expect(pendingFileCleanups()).toBe(3);
    expect(await runFileCleanups()).toEqual([]);
    expect(order).toEqual(['third', 'second', 'first']);
    expect(pendingFileCleanups()).toBe(0);
    expect(await runFileCleanups()).toEqual([]);
  });

  test('a failing action does not stop the others; its error is returned, named', async () => {
    const ran: string[] = [];
    onFileCleanup(() => {
      ran.push('a');
    }, 'action a');
    onFileCleanup(() => {
      throw new Error('boom');
    }, 'action b');
    onFileCleanup(() => Promise.reject(new Error('async boom')), 'action c');
    onFileCleanup(() => {
      // Something that is not an Error.
      throw 'plain string'; // eslint-disable-line @typescript-eslint/only-throw-error
    }, 'action d');
    const errors = await runFileCleanups();
    expect(ran).toEqual(['a']);
    expect(errors.map((error) => error.message)).toEqual([
      'action d: plain string',
      'action c: async boom',
      'action b: boom',
    ]);
    expect((errors[2]?.cause as Error).message).toBe('boom');
  });

  test('an action that hangs is reported after the timeout and the rest still run', async () => {
    const ran: string[] = [];
    onFileCleanup(() => {
      ran.push('after');
    });
    onFileCleanup(() => new Promise<void>(() => undefined), 'hanging action');
    const errors = await runFileCleanups({ timeoutMs: 20 });
    expect(errors.map((error) => error.message)).toEqual([
      'hanging action: did not finish within 20 ms',
    ]);
    expect(ran).toEqual(['after']);
  });

  test('the returned function unregisters an action (idempotently)', async () => {
    const ran: string[] = [];
    const unregister = onFileCleanup(() => {
      ran.push('x');
    });
    unregister();
    unregister();
    expect(await runFileCleanups()).toEqual([]);
    expect(ran).toEqual([]);
  });

  test('a timeout that is not positive is refused', async () => {
    await expect(runFileCleanups({ timeoutMs: 0 })).rejects.toThrow(
      'timeoutMs must be a positive number, got 0',
    );
  });

  test('processes end before files, newest first within each', async () => {
    const order: string[] = [];
    onFileCleanup(() => void order.push('file 1'), 'file 1');
    onFileCleanup(() => void order.push('daemon 1'), 'daemon 1', 'processes');
    onFileCleanup(() => void order.push('file 2'), 'file 2');
    onFileCleanup(() => void order.push('daemon 2'), 'daemon 2', 'processes');
    expect(await runFileCleanups()).toEqual([]);
    expect(order).toEqual(['daemon 2', 'daemon 1', 'file 2', 'file 1']);
  });
});
