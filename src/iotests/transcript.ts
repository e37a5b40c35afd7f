// The test transcript: what the seed's `log()` writes through its 'qemu.iotests.diff_io' logger,
// i.e. the text a reference `NNN.out` holds. Each test has its own (its TestScope); an operation
// that logs after an await writes to the scope it was started in, never to a later test's.
import { describeValue } from '../common/describe-value';
import { OrderedQmp, PyFloat, compareCodePoints, dictEntries, pyJsonDumps, pyStr } from './pyjson';
import { session } from './session';
import { beginTestScope, currentTestScope, type TestScope } from './test-scope';

/**
 * A filter in a `log` filter list: takes the message and returns the filtered one. Typed loosely
 * (like the seed) so string filters and QMP filters fit the same list; each filter checks its input.
 */
export type LogFilter = (msg: never) => unknown;

/** Options of `log`, as the seed's keyword arguments. */
export interface LogOptions {
  /** Applied in order before printing. */
  filters?: readonly LogFilter[];
  /** JSON indentation for dicts/lists (pretty-printed when set); null/undefined = one line. */
  indent?: number | null;
}

/** Receives each logged message (without the trailing newline). */
export type TranscriptEcho = (text: string) => void;

/**
 * The seed's `log(msg, filters, indent)`: filter, then print dicts/arrays as Python's json.dumps
 * (keys sorted unless the message is an OrderedQmp) and anything else as Python's str(); the text
 * plus '\n' goes to the transcript (and to the echo, when set).
 */
export function log(msg: unknown, options: LogOptions = {}): void {
  logTo(currentTestScope(), msg, options);
}

/** `log` into the transcript of `scope`: what an operation started by a test logs, however late. */
export function logTo(scope: TestScope, msg: unknown, options: LogOptions = {}): void {
  const text = formatLogMessage(msg, options);
  if (scope.write(`${text}\n`)) session().transcriptEcho?.(text);
}

/** The text `log(msg, options)` would write, without its trailing newline. */
export function formatLogMessage(msg: unknown, options: LogOptions = {}): string {
  const filtered = applyFilters(msg, options.filters ?? []);
  if (Array.isArray(filtered) || dictEntries(filtered) !== undefined) {
    // The seed: "Don't sort if it's already sorted" -- only a top-level OrderedDict is unsorted.
    return pyJsonDumps(filtered, {
      sortKeys: !(filtered instanceof OrderedQmp),
      indent: options.indent,
    });
  }
  return scalarStr(filtered);
}

/** Everything the current test logged so far. */
export function transcript(): string {
  return currentTestScope().text();
}

/** Start an empty transcript: a new test scope (the preset begins one at every test's start). */
export function resetTranscript(title = '(transcript reset)'): void {
  beginTestScope(title);
}

/** A position in the current test's transcript, to roll back to with `truncateTranscript`. */
export function transcriptMark(): number {
  return currentTestScope().mark();
}

/** Forget everything logged after `mark` (e.g. an attempt that is about to be repeated). */
export function truncateTranscript(mark: number): void {
  currentTestScope().truncate(mark);
}

/**
 * Run `steps` without logging: what they log (through `log`, `qmpLog`, the tools' `*Log`
 * helpers, job and migration helpers) is dropped from the test's transcript once they are done.
 * For a test that repeats, as its setup, steps another test logs: a later test of a script-style
 * port run alone (an IDE's "run this test") first makes the state the tests before it leave, and
 * their output is theirs. If `steps` throws, what they logged stays, for the failure report.
 */
export async function quietly<T>(steps: () => Promise<T>): Promise<T> {
  const mark = transcriptMark();
  const result = await steps();
  truncateTranscript(mark);
  return result;
}

/** What was logged after `mark`. */
export function transcriptSince(mark: number): string {
  return currentTestScope().since(mark);
}

/** Also pass every logged message to `fn` (e.g. to stdout, like the seed's activate_logging); undefined stops it. */
export function setTranscriptEcho(fn: TranscriptEcho | undefined): void {
  session().transcriptEcho = fn;
}

/**
 * The seed's `ordered_qmp`: dicts become OrderedQmp with keys sorted (by code point) and, when
 * `convKeys`, '_' -> '-' in the top-level keys. As in the seed, dicts inside a list convert their
 * keys again, nested dict values do not, and keys are sorted before they are converted.
 */
export function orderedQmp(value: readonly unknown[], convKeys?: boolean): unknown[];
export function orderedQmp(value: PyFloat, convKeys?: boolean): PyFloat;
export function orderedQmp(value: object, convKeys?: boolean): OrderedQmp;
export function orderedQmp<T>(value: T, convKeys?: boolean): T;
export function orderedQmp(value: unknown, convKeys = true): unknown {
  if (Array.isArray(value)) return value.map((atom: unknown) => orderedQmp(atom));
  const entries = dictEntries(value);
  if (entries === undefined) return value;
  entries.sort(([left], [right]) => compareCodePoints(left, right));
  const ordered = new OrderedQmp();
  for (const [key, item] of entries) {
    ordered.set(convKeys ? key.replaceAll('_', '-') : key, orderedQmp(item, false));
  }
  return ordered;
}

/** The message the seed's `qmp_log` logs first: {"execute": cmd, "arguments": orderedQmp(args)}. */
export function qmpLogMessage(cmd: string, args: object = {}): OrderedQmp {
  // `object` also admits arrays and class instances, which are no QMP arguments.
  if (dictEntries(args) === undefined) {
    throw new TypeError(
      `qmpLogMessage expects the arguments as an object, got ${describeValue(args)}`,
    );
  }
  return new OrderedQmp([
    ['execute', cmd],
    ['arguments', orderedQmp(args)],
  ]);
}

function applyFilters(msg: unknown, filters: readonly LogFilter[]): unknown {
  let current = msg;
  for (const filter of filters) current = (filter as (value: unknown) => unknown)(current);
  return current;
}

// Python's str() of a scalar, which is what the logging handler prints for a non-dict message;
// anything else is a mistake in the test, named as such.
function scalarStr(value: unknown): string {
  const scalar =
    value === null ||
    value instanceof PyFloat ||
    ['string', 'boolean', 'bigint', 'number'].includes(typeof value);
  if (!scalar) {
    throw new TypeError(
      `log cannot print ${describeValue(value)} (accepted: string, number, bigint, boolean, null, ` +
        'PyFloat, array, plain object, Map, OrderedQmp)',
    );
  }
  return pyStr(value);
}
