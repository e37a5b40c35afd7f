import type { MatcherContext, SyncExpectationResult } from 'expect';
import { hintLine, type MatcherCall } from './matcher-call';
import { lookupQmpPath } from '../src/iotests/qmp-path';
import { describeMiss, PATH_LABEL, requireQmpObject, requireQmpPath } from './qmp-path-support';

const CALL: MatcherCall = {
  name: 'toHaveQmpPath',
  receivedLabel: 'received',
  expectedLabel: 'path',
};

/**
 * `expect(reply).toHaveQmpPath(path)`: the path resolves (iotests' dictpath succeeds);
 * `.not.toHaveQmpPath(path)` is iotests' assert_qmp_absent.
 */
export function toHaveQmpPath(
  this: MatcherContext,
  received: unknown,
  path: unknown,
): SyncExpectationResult {
  requireQmpObject(this, CALL, received);
  const components = requireQmpPath(this, CALL, path);
  const { utils } = this;
  // Built only for a message: formatting costs more than the lookup on every passing call.
  const head = (): string =>
    `${hintLine(this, CALL)}\n\n${PATH_LABEL}${utils.printExpected(path)}\n`;
  const lookup = lookupQmpPath(received, components);
  if (!lookup.found) {
    return { pass: false, message: () => head() + describeMiss(this, lookup) };
  }
  return {
    pass: true,
    message: () =>
      `${head()}Expected: no value at the path\nReceived: ${utils.printReceived(lookup.value)}`,
  };
}
