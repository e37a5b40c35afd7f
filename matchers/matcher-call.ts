// Shared message plumbing: every matcher opens its messages with Jest's own hint line, so
// usage errors and failures read like the built-in matchers'.
import type { MatcherContext, SyncExpectationResult } from 'expect';
import { MatcherUsageError } from './errors';

/** How a matcher call is shown in the hint line: `expect(received).name(expected)`. */
export interface MatcherCall {
  readonly name: string;
  readonly receivedLabel: string;
  readonly expectedLabel: string;
}

/** The `expect(received)[.not].name(expected)` line that opens every message. */
export function hintLine(context: MatcherContext, call: MatcherCall): string {
  return context.utils.matcherHint(call.name, call.receivedLabel, call.expectedLabel, {
    isNot: context.isNot,
    promise: context.promise,
  });
}

/** A usage error in Jest's "Matcher error" layout: what is wrong, then what is accepted. */
export function usageError(
  context: MatcherContext,
  call: MatcherCall,
  problem: string,
  accepted: string,
): MatcherUsageError {
  return new MatcherUsageError(
    context.utils.matcherErrorMessage(hintLine(context, call), problem, accepted),
  );
}

/**
 * The usage error for a receiver the matcher cannot use. A Promise gets its own: it almost always
 * is a forgotten `await` (`expect(vm.qmp(...))`), and "must be a JSON object" would not say so.
 */
export function wrongReceiver(
  context: MatcherContext,
  call: MatcherCall,
  problem: string,
  received: unknown,
): MatcherUsageError {
  const { utils } = context;
  if (isThenable(received)) {
    return usageError(
      context,
      call,
      `${utils.RECEIVED_COLOR('received')} value is a Promise: missing await?`,
      `Await the value first: expect(await vm.qmp('query-block')).${call.name}(...), ` +
        `or await expect(promise).resolves.${call.name}(...)`,
    );
  }
  return usageError(
    context,
    call,
    problem,
    utils.printWithType('Received', received, utils.printReceived),
  );
}

/** True for a Promise or any other thenable (a matcher's receiver is never one). */
export function isThenable(value: unknown): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * A result that fails with and without `.not`: for when the matcher cannot decide at all, e.g.
 * QEMU answered with an error or the path to the leaf is broken, so neither outcome holds.
 */
export function undecidable(
  context: MatcherContext,
  call: MatcherCall,
  explanation: string,
): SyncExpectationResult {
  return {
    pass: context.isNot === true,
    message: () => `${hintLine(context, call)}\n\n${explanation}`,
  };
}
