import type { MatcherContext, SyncExpectationResult } from 'expect';
import { hintLine, type MatcherCall } from './matcher-call';
import { lookupQmpPath } from '../src/iotests/qmp-path';
import { describeMiss, PATH_LABEL, requireQmpObject, requireQmpPath } from './qmp-path-support';

const CALL: MatcherCall = {
  name: 'toMatchQmp',
  receivedLabel: 'received',
  expectedLabel: 'path, expected',
};

/**
 * `expect(reply).toMatchQmp(path, expected)`: iotests' assert_qmp. The value at `path` deep-equals
 * `expected`; a non-empty array means "any of these" (`[]` itself is a plain value). As with
 * Jest's toHaveProperty, `.not` passes when the path does not resolve at all.
 */
export function toMatchQmp(
  this: MatcherContext,
  received: unknown,
  path: unknown,
  expected: unknown,
): SyncExpectationResult {
  requireQmpObject(this, CALL, received);
  const components = requireQmpPath(this, CALL, path);
  const { utils } = this;
  // Built only for a message: formatting costs more than the comparison on every passing call.
  const head = (): string =>
    `${hintLine(this, CALL)}\n\n${PATH_LABEL}${utils.printExpected(path)}\n`;
  const alternatives = asAlternatives(expected);
  const lookup = lookupQmpPath(received, components);
  if (!lookup.found) {
    const wanted = (alternatives === undefined ? '' : 'one of ') + utils.printExpected(expected);
    return {
      pass: false,
      message: () => `${head()}Expected: ${wanted}\n${describeMiss(this, lookup)}`,
    };
  }

  const actual = lookup.value;
  const equalsActual = (candidate: unknown): boolean =>
    this.equals(actual, candidate, this.customTesters);
  if (alternatives !== undefined) {
    const pass = alternatives.some(equalsActual);
    const expectation = pass ? 'none of' : 'one of';
    return {
      pass,
      message: () =>
        `${head()}Expected: ${expectation} ${utils.printExpected(alternatives)}\n` +
        `Received: ${utils.printReceived(actual)}`,
    };
  }

  const pass = equalsActual(expected);
  return {
    pass,
    message: () =>
      head() +
      (pass
        ? describeUnwantedMatch(this, expected, actual)
        : utils.printDiffOrStringify(
            expected,
            actual,
            'Expected',
            'Received',
            this.expand !== false,
          )),
  };
}

// assert_qmp's rule: a non-empty list lists acceptable values; [] is a value of its own.
function asAlternatives(expected: unknown): readonly unknown[] | undefined {
  return Array.isArray(expected) && expected.length > 0 ? expected : undefined;
}

// Like Jest's own `.not.toEqual`: the received value is shown only when it prints differently
// (e.g. the expected value was an asymmetric matcher).
function describeUnwantedMatch(
  context: MatcherContext,
  expected: unknown,
  actual: unknown,
): string {
  const { utils } = context;
  const line = `Expected: not ${utils.printExpected(expected)}`;
  if (utils.stringify(expected) === utils.stringify(actual)) return line;
  return `${line}\nReceived:     ${utils.printReceived(actual)}`;
}
