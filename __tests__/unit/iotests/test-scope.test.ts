import { describe, expect, test } from '@jest/globals';

import {
  beginTestScope,
  callLabel,
  currentTestScope,
  describePendingOperations,
  endTestScope,
  trackOperation,
} from '../../../src/iotests/test-scope';
import { log, transcript } from '../../../src/iotests/transcript';

/** A promise and the function that settles it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

describe('a test scope', () => {
  test('a closed scope drops what is written to it and counts it', () => {
    const scope = beginTestScope('t');
    expect(scope.write('a\n')).toBe(true);
    endTestScope();
    expect(scope.write('late\n')).toBe(false);
    expect(scope.text()).toBe('a\n');
    expect(scope.lateWrites).toBe(1);
  });

  test('an operation is pending until it settles, rejected or not', async () => {
    const scope = beginTestScope('t');
    const gate = deferred();
    const ok = trackOperation(
      () => 'ok()',
      () => gate.promise,
    );
    const failing = trackOperation(
      () => 'failing()',
      () => Promise.reject(new Error('no')),
    );
    await expect(failing).rejects.toThrow('no');
    expect(scope.pendingOperations().map((operation) => operation.describe())).toEqual(['ok()']);
    gate.resolve();
    await ok;
    expect(scope.pendingOperations()).toEqual([]);
    endTestScope();
  });

  test("an operation's late output goes to its own test, never to the next one", async () => {
    const first = beginTestScope('first');
    const gate = deferred();
    const operation = trackOperation(
      () => 'slow()',
      async () => {
        log('started');
        await gate.promise;
        log('finished late');
        // A nested operation belongs to the outer one: same scope, not tracked on its own.
        await trackOperation(
          () => 'nested()',
          async () => {
            await Promise.resolve();
            log('nested late');
          },
        );
      },
    );
    endTestScope();
    const second = beginTestScope('second');
    log('second test');
    gate.resolve();
    await operation;
    expect(first.text()).toBe('started\n');
    expect(first.lateWrites).toBe(2);
    expect(second.text()).toBe('second test\n');
    expect(transcript()).toBe('second test\n');
    expect(second.pendingOperations()).toEqual([]);
    endTestScope();
  });

  test('the report names the calls, and its stack starts at the caller', () => {
    beginTestScope('t');
    function libraryCall(): Promise<void> {
      return trackOperation(
        () => "vm.qmp('query-status')",
        () => new Promise(() => undefined),
        libraryCall,
      );
    }
    void libraryCall(); // the forgotten await
    const report = describePendingOperations(currentTestScope().pendingOperations(), 'now');
    expect(report?.message).toBe(
      'The test ended now while an operation it started was still pending (missing await?):\n' +
        "  vm.qmp('query-status')\n" +
        'Await every call of the library; output that arrives after the test is discarded.',
    );
    const firstFrame = report?.stack.split('\n').find((line) => line.includes(' at '));
    expect(firstFrame).toContain('test-scope.test.ts');
    expect(firstFrame).not.toContain('libraryCall');
    expect(describePendingOperations([], 'now')).toBeUndefined();
    endTestScope();
  });
});

describe('callLabel', () => {
  test('shows a call as a test writes it, shortening long arguments', () => {
    expect(callLabel('vm.qmp', ['query-status'])).toBe("vm.qmp('query-status')");
    expect(callLabel('vm.runJob', ['job0', { wait: 5, preFinalize: () => 1 }])).toBe(
      'vm.runJob(\'job0\', {"wait":5,"preFinalize":"[function]"})',
    );
    expect(callLabel('f', [{ size: 2n ** 64n }, undefined])).toBe(
      'f({"size":"18446744073709551616"}, undefined)',
    );
    const long = callLabel('f', ['x'.repeat(500)]);
    expect(long.length).toBeLessThan(130);
    expect(long.endsWith('...)')).toBe(true);
  });
});
