// The checks QMPTestCase's job helpers make (dictpath, assert_qmp, assert_qmp_absent, assertEqual),
// failing with the seed's message texts. Values in messages print like Python's str()/repr(), so a
// failure reads the same as the Python test's would.
import { IotestsError } from '../common/errors';
import type { CheckedQmpPath, QmpPathValue } from '../qapi/calls';
import { PyFloat, dictEntries, pyRepr, pyStr } from './pyjson';
import { QMP_PATH_SYNTAX, lookupQmpPath, parseQmpPath } from './qmp-path';

/** A failed check of an iotests helper (the seed's AssertionError); `name` is 'AssertionError'. */
export class IotestsAssertionError extends IotestsError {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

/** Throws IotestsAssertionError(message) unless `condition` holds. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) {
    throw new IotestsAssertionError(message);
  }
}

/**
 * QMPTestCase.dictpath: the value at `path` ('a/b[1]/c': object keys and list indexes) in a QMP
 * reply, event or JSON value, e.g. `qmpPath(await vm.qmp('query-block-jobs'), 'return[0]/offset')`.
 * A missing step fails with the seed's texts (IotestsAssertionError); a malformed path (e.g.
 * 'a[x]', 'a//b') is a usage error (TypeError), not a failed check: the seed raises ValueError
 * there, which assert_qmp_absent does not take for "absent". The result is typed from the
 * value's type (`string` for 'return[0]/inserted/image/filename' of a typed query-block reply);
 * a path the type does not have is a compile error.
 */
export function qmpPath<T, Path extends string>(
  value: T,
  path: CheckedQmpPath<T, Path>,
): QmpPathValue<T, Path>;
export function qmpPath(value: unknown, path: string): unknown {
  const parsed = parseQmpPath(path);
  if (!parsed.ok) {
    throw new TypeError(`qmpPath: ${parsed.problem}. ${QMP_PATH_SYNTAX}`);
  }
  const lookup = lookupQmpPath(value, parsed.components);
  if (lookup.found) {
    return lookup.value;
  }
  switch (lookup.kind) {
    case 'not-a-list':
      throw new IotestsAssertionError(
        `path component "${lookup.key}" in "${path}" is not a list in "${pyStr(lookup.valueAtKey)}"`,
      );
    case 'index-out-of-range':
      throw new IotestsAssertionError(
        `invalid index "${lookup.index}" in path "${path}" in "${pyStr(lookup.valueAtKey)}"`,
      );
    case 'not-an-object':
    case 'no-key':
      throw new IotestsAssertionError(
        `failed path traversal for "${path}" in "${pyStr(lookup.container)}"`,
      );
  }
}

/** QMPTestCase.assert_qmp: the value at `path` equals `expected` (or one of them, for a non-empty list). */
export function assertQmp(value: unknown, path: string, expected: unknown): void {
  const result = qmpPath(value, path);
  if (Array.isArray(expected) && expected.length > 0) {
    if (!expected.some((candidate) => pyEqual(result, candidate))) {
      throw new IotestsAssertionError(`no match for "${pyStr(result)}" in ${pyStr(expected)}`);
    }
    return;
  }
  assertEqual(result, expected, `"${path}" is "${pyStr(result)}", expected "${pyStr(expected)}"`);
}

/** QMPTestCase.assert_qmp_absent: `path` does not exist in `value`. */
export function assertQmpAbsent(value: unknown, path: string): void {
  let result: unknown;
  try {
    result = qmpPath(value, path);
  } catch (error: unknown) {
    if (error instanceof IotestsAssertionError) {
      return;
    }
    throw error;
  }
  throw new IotestsAssertionError(`path "${path}" has value "${pyStr(result)}"`);
}

/** unittest's assertEqual: "first != second : message" (its longMessage form). */
export function assertEqual(actual: unknown, expected: unknown, message?: string): void {
  if (!pyEqual(actual, expected)) {
    const standard = `${pyRepr(actual)} != ${pyRepr(expected)}`;
    throw new IotestsAssertionError(message === undefined ? standard : `${standard} : ${message}`);
  }
}

/** Python's == on JSON-like values: deep, key order ignored, ints of any size compared exactly. */
export function pyEqual(a: unknown, b: unknown): boolean {
  const left = a instanceof PyFloat ? a.value : a;
  const right = b instanceof PyFloat ? b.value : b;
  if (isNumeric(left) && isNumeric(right)) {
    return numericEqual(left, right);
  }
  if (Array.isArray(left) || Array.isArray(right)) {
    return (
      Array.isArray(left) &&
      Array.isArray(right) &&
      left.length === right.length &&
      left.every((item: unknown, index) => pyEqual(item, right[index]))
    );
  }
  const leftEntries = dictEntries(left);
  const rightEntries = dictEntries(right);
  if (leftEntries !== undefined || rightEntries !== undefined) {
    if (leftEntries === undefined || rightEntries === undefined) return false;
    if (leftEntries.length !== rightEntries.length) return false;
    const rightMap = new Map(rightEntries);
    return leftEntries.every(
      ([key, item]) => rightMap.has(key) && pyEqual(item, rightMap.get(key)),
    );
  }
  // None is None: undefined (a missing value) counts as None too.
  return (left ?? null) === (right ?? null);
}

function isNumeric(value: unknown): value is number | bigint {
  return typeof value === 'number' || typeof value === 'bigint';
}

function numericEqual(a: number | bigint, b: number | bigint): boolean {
  if (typeof a === typeof b) return a === b;
  const [big, num] = typeof a === 'bigint' ? [a, b as number] : [b as bigint, a];
  return Number.isInteger(num) && BigInt(num) === big;
}
