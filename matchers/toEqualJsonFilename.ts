import type { MatcherContext, SyncExpectationResult } from 'expect';
import { flattenQmpObject } from '../src/iotests/vm-qmp-objects';
import { describeValue, isJsonObject } from './json-kinds';
import { hintLine, type MatcherCall, undecidable, usageError, wrongReceiver } from './matcher-call';

const CALL: MatcherCall = {
  name: 'toEqualJsonFilename',
  receivedLabel: 'filename',
  expectedLabel: 'reference',
};

const PREFIX = 'json:';

/**
 * `expect(filename).toEqualJsonFilename(reference)`: iotests' assert_json_filename_equal. The
 * filename is `json:{...}` and its object equals `reference` once both are flattened to dotted
 * keys (so `{"file.driver": "file"}` equals `{file: {driver: 'file'}}`).
 */
export function toEqualJsonFilename(
  this: MatcherContext,
  received: unknown,
  reference: unknown,
): SyncExpectationResult {
  const { utils } = this;
  if (typeof received !== 'string') {
    throw wrongReceiver(
      this,
      CALL,
      `${utils.RECEIVED_COLOR('filename')} must be a string, got ${describeValue(received)}`,
      received,
    );
  }
  if (!isJsonObject(reference)) {
    throw usageError(
      this,
      CALL,
      `${utils.EXPECTED_COLOR('reference')} must be an object (the expected json: options), ` +
        `got ${describeValue(reference)}`,
      utils.printWithType('Reference', reference, utils.printExpected),
    );
  }
  if (!received.startsWith(PREFIX)) {
    return {
      pass: false,
      message: () =>
        `${hintLine(this, CALL)}\n\n` +
        `Expected: a json: filename equal to ${utils.printExpected(reference)}\n` +
        `Received: ${utils.printReceived(received)}, which does not start with "json:"`,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(received.slice(PREFIX.length));
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    return undecidable(
      this,
      CALL,
      `The JSON after "json:" does not parse: ${reason}\nReceived: ${utils.printReceived(received)}`,
    );
  }
  const actual = flattenQmpObject(parsed);
  const expected = flattenQmpObject(reference);
  const pass = this.equals(actual, expected, this.customTesters);
  return {
    pass,
    message: () =>
      `${hintLine(this, CALL)}\n\n` +
      (pass
        ? `Expected (flattened): not ${utils.printExpected(expected)}\n` +
          `Received: ${utils.printReceived(received)}`
        : utils.printDiffOrStringify(
            expected,
            actual,
            'Expected (flattened)',
            'Received (flattened)',
            this.expand !== false,
          )),
  };
}
