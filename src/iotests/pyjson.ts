// Python-compatible JSON text: what `json.dumps` prints (default separators, ensure_ascii=True,
// allow_nan=True), so transcripts match QEMU's reference `NNN.out` files byte for byte.
//
// JS numbers cannot tell 1 from 1.0, so the rule is: an integral `number` prints as a Python int,
// a non-integral one as a Python float. A float whose value is integral (1.0, 1e16, -0.0) must be
// wrapped in `PyFloat`. `bigint` prints as an int of any size.
import { describeValue } from '../common/describe-value';

// The describer lives in src/common; re-exported for the modules that still import it from here.

const PY_FLOAT_BRAND = Symbol.for('qemu-iotests.PyFloat');
const ORDERED_QMP_BRAND = Symbol.for('qemu-iotests.OrderedQmp');

/** A Python float: prints with Python's float repr even when its value is integral (1.0, 1e+16). */
export class PyFloat {
  readonly value: number;

  constructor(value: number) {
    this.value = value;
    brand(this, PY_FLOAT_BRAND);
  }

  static [Symbol.hasInstance](candidate: unknown): boolean {
    return hasBrand(candidate, PY_FLOAT_BRAND);
  }

  /** JSON.stringify sees the plain number. */
  toJSON(): number {
    return this.value;
  }
}

/**
 * An insertion-ordered dict, the counterpart of Python's OrderedDict: `log` prints a top-level
 * OrderedQmp without sorting keys (like the seed's `ordered_qmp` / `qmp_log`).
 */
export class OrderedQmp extends Map<string, unknown> {
  constructor(entries?: Iterable<readonly [string, unknown]> | null) {
    super(entries);
    brand(this, ORDERED_QMP_BRAND);
  }

  static override [Symbol.hasInstance](candidate: unknown): boolean {
    return hasBrand(candidate, ORDERED_QMP_BRAND);
  }

  /** JSON.stringify sees a plain object (a Map would print as `{}`). */
  toJSON(): Record<string, unknown> {
    return Object.fromEntries(this);
  }
}

/** Options of `pyJsonDumps`, named after `json.dumps`' keyword arguments. */
export interface PyJsonDumpsOptions {
  /** Sort dict keys by code point (Python's `sort_keys`). Default false. */
  sortKeys?: boolean;
  /** Pretty-print with this many spaces per level (0 = newlines only); null/undefined = one line. */
  indent?: number | null;
}

/**
 * Python's `json.dumps(value, sort_keys=..., indent=...)`, byte for byte.
 * Accepts null, booleans, numbers, bigints, strings, PyFloat, arrays, plain objects and Maps with
 * string keys (OrderedQmp included). Object properties whose value is `undefined` are left out,
 * as JSON.stringify (and so the QMP wire) does. Unsorted, a plain object prints in JS property
 * order (integer-like keys first); use a Map/OrderedQmp where exact insertion order matters.
 */
export function pyJsonDumps(value: unknown, options: PyJsonDumpsOptions = {}): string {
  const indent = checkIndent(options.indent);
  const encoder = new Encoder(
    options.sortKeys === true,
    indent === null ? null : ' '.repeat(indent),
  );
  return encoder.encode(value, '$', 0);
}

/** Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pyFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  // toExponential() without an argument yields the shortest digits that round-trip, like repr.
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
    const integerPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
    const fraction = digits.slice(exponent + 1);
    return `${sign}${integerPart}.${fraction === '' ? '0' : fraction}`;
  }
  const significand = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const exponentSign = exponent < 0 ? '-' : '+';
  return `${sign}${significand}e${exponentSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/** How json.dumps prints a float: repr, except NaN, Infinity and -Infinity (allow_nan=True). */
export function pyJsonFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return pyFloatRepr(value);
}

/** Python's `repr(int)` / `str(int)` for a JS number or bigint. */
export function pyIntRepr(value: number | bigint): string {
  return BigInt(value).toString();
}

/** Python's ordering of str: by code point (not by UTF-16 code unit, which misorders astral chars). */
export function compareCodePoints(a: string, b: string): number {
  let index = 0;
  while (index < a.length && index < b.length) {
    const left = a.codePointAt(index) as number;
    const right = b.codePointAt(index) as number;
    if (left !== right) return left < right ? -1 : 1;
    index += left > 0xffff ? 2 : 1;
  }
  if (a.length === b.length) return 0;
  return a.length < b.length ? -1 : 1;
}

/** Python's `json.dumps` string escaping with ensure_ascii=True (lower-case hex, UTF-16 pairs). */
export function pyJsonString(text: string): string {
  return `"${text.replace(NEEDS_ESCAPE, escapeCodeUnit)}"`;
}

/**
 * The entries of a JSON object-like value (plain object, Map, OrderedQmp), or undefined when the
 * value is not one. Works for objects made in another realm (Jest's module registries).
 */
export function dictEntries(value: unknown): Array<[string, unknown]> | undefined {
  if (isMap(value)) {
    const entries: Array<[string, unknown]> = [];
    for (const [key, item] of value) {
      if (typeof key !== 'string') {
        throw new TypeError(`JSON object keys must be strings, got Map key ${describeValue(key)}`);
      }
      entries.push([key, item]);
    }
    return entries;
  }
  if (isPlainObject(value)) return Object.entries(value);
  return undefined;
}

/** True for a value `dictEntries` accepts (a Python dict in the seed's terms). */
export function isDict(value: unknown): boolean {
  return isMap(value) || isPlainObject(value);
}

// Everything json.dumps escapes under ensure_ascii: outside printable ASCII, plus `"` and `\`.
// Each UTF-16 unit becomes its own \uXXXX, which is exactly Python's surrogate-pair output.
const NEEDS_ESCAPE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;
const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

function escapeCodeUnit(unit: string): string {
  return SHORT_ESCAPES[unit] ?? `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

class Encoder {
  private readonly ancestors = new Set<object>();

  constructor(
    private readonly sortKeys: boolean,
    private readonly indentUnit: string | null,
  ) {}

  encode(value: unknown, path: string, level: number): string {
    if (value === null) return 'null';
    switch (typeof value) {
      case 'boolean':
        return value ? 'true' : 'false';
      case 'string':
        return pyJsonString(value);
      case 'bigint':
        return value.toString();
      case 'number':
        return Number.isInteger(value) ? pyIntRepr(value) : pyJsonFloat(value);
      case 'object':
        break;
      default:
        throw notSerializable(value, path);
    }
    if (value instanceof PyFloat) return pyJsonFloat(value.value);
    if (Array.isArray(value)) {
      return this.container(value, path, level, '[', ']', (items) =>
        items.map((item: unknown, index) => {
          if (item === undefined) throw notSerializable(item, `${path}[${index}]`);
          return this.encode(item, `${path}[${index}]`, level + 1);
        }),
      );
    }
    const entries = dictEntries(value);
    if (entries === undefined) throw notSerializable(value, path);
    return this.container(value, path, level, '{', '}', () => {
      const present = entries.filter(([, item]) => item !== undefined);
      if (this.sortKeys) present.sort(([left], [right]) => compareCodePoints(left, right));
      return present.map(
        ([key, item]) => `${pyJsonString(key)}: ${this.encode(item, `${path}.${key}`, level + 1)}`,
      );
    });
  }

  private container<T extends object>(
    value: T,
    path: string,
    level: number,
    open: string,
    close: string,
    renderItems: (value: T) => string[],
  ): string {
    if (this.ancestors.has(value)) {
      throw new TypeError(`pyJsonDumps: circular reference at ${path}`);
    }
    this.ancestors.add(value);
    try {
      const items = renderItems(value);
      if (items.length === 0) return `${open}${close}`;
      if (this.indentUnit === null) return `${open}${items.join(', ')}${close}`;
      const inner = `\n${this.indentUnit.repeat(level + 1)}`;
      const outer = `\n${this.indentUnit.repeat(level)}`;
      return `${open}${inner}${items.join(`,${inner}`)}${outer}${close}`;
    } finally {
      this.ancestors.delete(value);
    }
  }
}

// Kept: no type says "non-negative integer", and ' '.repeat() would floor 1.5 silently and fail
// on -1 with an unhelpful "Invalid count value".
function checkIndent(indent: number | null | undefined): number | null {
  if (indent === undefined || indent === null) return null;
  if (!Number.isInteger(indent) || indent < 0) {
    throw new RangeError(
      `indent must be a non-negative integer, null or undefined; got ${describeValue(indent)}`,
    );
  }
  return indent;
}

function notSerializable(value: unknown, path: string): TypeError {
  return new TypeError(
    `pyJsonDumps: ${describeValue(value)} at ${path} is not JSON serializable ` +
      '(accepted: null, boolean, number, bigint, string, PyFloat, array, plain object, ' +
      'Map with string keys)',
  );
}

// `instanceof` checks this brand rather than the prototype, so values made by another copy of
// this module (Jest loads one per test file's registry) still count. Non-enumerable: invisible to
// Object.keys, spread and equality checks.
function brand(target: object, symbol: symbol): void {
  Object.defineProperty(target, symbol, { value: true });
}

function hasBrand(candidate: unknown, brand: symbol): boolean {
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    (candidate as Record<symbol, unknown>)[brand] === true
  );
}

/** True for a Map from any realm (OrderedQmp included). */
export function isMap(value: unknown): value is Map<unknown, unknown> {
  return Object.prototype.toString.call(value) === '[object Map]';
}

/**
 * A plain object from any realm: its prototype is null or some realm's Object.prototype. Not
 * isJsonObject's question (any non-list object, a Date or a class instance included): this one
 * decides what prints as a Python dict, where a Date must not.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.prototype.toString.call(value) !== '[object Object]') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

/** Python's str(): strings as they are, everything else as repr(). */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

/** Python's repr() of a JSON-like value: {'key': 'value'}, [1, 2], True, None. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (typeof value === 'bigint') return pyIntRepr(value);
  if (typeof value === 'number') {
    return Number.isInteger(value) ? pyIntRepr(value) : pyFloatRepr(value);
  }
  if (typeof value === 'string') return pyStrRepr(value);
  if (Array.isArray(value)) return `[${value.map((item: unknown) => pyRepr(item)).join(', ')}]`;
  const entries = dictEntries(value);
  if (entries !== undefined) {
    return `{${entries.map(([key, item]) => `${pyStrRepr(key)}: ${pyRepr(item)}`).join(', ')}}`;
  }
  return describeValue(value);
}

/** Python's repr() of a str: quotes chosen like Python, non-printable characters escaped. */
export function pyStrRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = '';
  for (const char of text) {
    body += escapeChar(char, quote);
  }
  return `${quote}${body}${quote}`;
}

// Python's str.isprintable() is false for the categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs
// (except the ASCII space).
const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

function escapeChar(char: string, quote: string): string {
  switch (char) {
    case '\\':
      return '\\\\';
    case '\t':
      return '\\t';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case quote:
      return `\\${quote}`;
    default:
      break;
  }
  if (char === ' ' || !NON_PRINTABLE.test(char)) {
    return char;
  }
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x100) {
    return `\\x${code.toString(16).padStart(2, '0')}`;
  }
  if (code < 0x10000) {
    return `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `\\U${code.toString(16).padStart(8, '0')}`;
}
