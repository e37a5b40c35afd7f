// Shared by the matcher tests: read failure messages without colours, and a canned-reply VM.
import { expect } from '@jest/globals';
import stripAnsi from 'strip-ansi';
import { MatcherUsageError, registerMatchers } from '../../../matchers';

registerMatchers(expect);

/** The colourless message of a failed assertion; throws if `assertion` passes or misuses. */
export function failureOf(assertion: () => unknown): string {
  try {
    assertion();
  } catch (error: unknown) {
    return assertionMessage(error);
  }
  throw new Error('expected the assertion to fail, but it passed');
}

/** Like failureOf for an assertion that returns a promise (a VM receiver). */
export async function asyncFailureOf(assertion: () => Promise<unknown>): Promise<string> {
  try {
    await assertion();
  } catch (error: unknown) {
    return assertionMessage(error);
  }
  throw new Error('expected the assertion to fail, but it passed');
}

/** The colourless message of a MatcherUsageError; throws if anything else happens. */
export function usageErrorOf(call: () => unknown): string {
  try {
    call();
  } catch (error: unknown) {
    if (error instanceof MatcherUsageError) return stripAnsi(error.message);
    throw error;
  }
  throw new Error('expected a MatcherUsageError, but the call returned');
}

function assertionMessage(error: unknown): string {
  // Jest's assertion errors carry the matcher result; anything else is a bug in the matcher.
  if (error instanceof Error && 'matcherResult' in error) return stripAnsi(error.message);
  throw error;
}

/** A VM stand-in: answers each command from `replies`, QMP's CommandNotFound otherwise. */
export function fakeVm(replies: Record<string, unknown>): {
  qmp(command: string, args?: object): Promise<unknown>;
  readonly commands: string[];
} {
  const commands: string[] = [];
  return {
    commands,
    qmp(command: string): Promise<unknown> {
      commands.push(command);
      if (Object.prototype.hasOwnProperty.call(replies, command)) {
        return Promise.resolve(replies[command]);
      }
      const desc = `The command ${command} has not been found`;
      return Promise.resolve({ error: { class: 'CommandNotFound', desc } });
    },
  };
}
