// JSON as QMP needs it. JavaScript numbers lose integers beyond 2^53, which QEMU sends and expects
// (image sizes such as 18446744073709551104): messages holding such a number are parsed exactly,
// big integers as `bigint`; all others take JSON.parse's fast path. Floats stay numbers.

import type { JsonValue, QmpObject } from './types';

/** Builds an object from its entries in textual order (default: a plain object). */
export type ObjectFactory = (entries: Array<[string, unknown]>) => unknown;

// A digit run long enough to exceed 2^53 (possibly inside a string: the exact parse is still right).
const NEEDS_EXACT = /\d{16}/;

/** Parse JSON text, keeping big integers and floats exact (see the file comment). */
export function parseJson(text: string): unknown {
  return NEEDS_EXACT.test(text) ? parseJsonExact(text) : JSON.parse(text);
}

/** How parseJsonExact builds objects and floats (numbers written with a fraction or exponent). */
export interface ExactParseOptions {
  makeObject?: ObjectFactory;
  makeFloat?: (value: number) => unknown;
}

/** Parse JSON text exactly: integers beyond 2^53 as bigint; objects and floats as `options` say. */
export function parseJsonExact(text: string, options: ExactParseOptions = {}): unknown {
  const parser = new ExactParser(
    text,
    options.makeObject ?? plainObject,
    options.makeFloat ?? Number,
  );
  const value = parser.value();
  parser.end();
  return value;
}

const BIGINT_MARK = '\u0000bigint:';
const BIGINT_STRING = /"\\u0000bigint:(-?\d+)"/g;

/** JSON.stringify that also writes `bigint` values as JSON integers. */
export function stringifyJson(value: unknown): string {
  let sawBigint = false;
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item !== 'bigint') return item;
    sawBigint = true;
    return `${BIGINT_MARK}${item.toString()}`;
  });
  return sawBigint ? text.replace(BIGINT_STRING, '$1') : text;
}

function plainObject(entries: Array<[string, unknown]>): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  // defineProperty: a "__proto__" key is data, not the prototype.
  for (const [key, item] of entries) {
    Object.defineProperty(object, key, {
      value: item,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return object;
}

const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(true|false|null)|([[\]{},:]))/y;

interface Token {
  string?: string;
  number?: string;
  literal?: string;
  punct?: string;
}

class ExactParser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly makeObject: ObjectFactory,
    private readonly makeFloat: (value: number) => unknown,
  ) {}

  value(): unknown {
    const token = this.next();
    if (token.string !== undefined) return JSON.parse(token.string) as string;
    if (token.number !== undefined) return this.number(token.number);
    if (token.literal !== undefined) return JSON.parse(token.literal) as boolean | null;
    if (token.punct === '[') return this.array();
    if (token.punct === '{') return this.object();
    throw this.error(`unexpected ${token.punct ?? 'end of input'}`);
  }

  end(): void {
    if (this.text.slice(this.position).trim() !== '') throw this.error('unexpected trailing text');
  }

  private array(): unknown[] {
    const items: unknown[] = [];
    if (this.peekPunct(']')) return items;
    for (;;) {
      items.push(this.value());
      const token = this.next();
      if (token.punct === ']') return items;
      if (token.punct !== ',') throw this.error('expected , or ]');
    }
  }

  private object(): unknown {
    const entries: Array<[string, unknown]> = [];
    if (this.peekPunct('}')) return this.makeObject(entries);
    for (;;) {
      const key = this.next();
      if (key.string === undefined) throw this.error('expected a string key');
      if (this.next().punct !== ':') throw this.error('expected :');
      entries.push([JSON.parse(key.string) as string, this.value()]);
      const token = this.next();
      if (token.punct === '}') return this.makeObject(entries);
      if (token.punct !== ',') throw this.error('expected , or }');
    }
  }

  private peekPunct(punct: string): boolean {
    const saved = this.position;
    if (this.next().punct === punct) return true;
    this.position = saved;
    return false;
  }

  private next(): Token {
    TOKEN.lastIndex = this.position;
    const match = TOKEN.exec(this.text);
    if (match === null) return {};
    this.position = TOKEN.lastIndex;
    return { string: match[1], number: match[2], literal: match[3], punct: match[4] };
  }

  private number(text: string): unknown {
    if (/[.eE]/.test(text)) return this.makeFloat(Number(text));
    const value = Number(text);
    return Number.isSafeInteger(value) ? value : BigInt(text);
  }

  private error(what: string): SyntaxError {
    return new SyntaxError(`${what} at offset ${this.position} of JSON text`);
  }
}

/**
 * Whether a value is a JSON object (Python's dict): a non-null object that is not a list. Of a
 * decoded JSON value that makes it a QmpObject; of anything else (what a user hands a matcher),
 * only a record of unknown values.
 */
export function isJsonObject(value: JsonValue | undefined): value is QmpObject;
export function isJsonObject(value: unknown): value is Record<string, unknown>;
export function isJsonObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
