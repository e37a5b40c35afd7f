// JSON.parse that keeps what the reference outputs need to be re-printed exactly: integers beyond
// 2^53 as bigint, numbers written with a fraction or exponent as PyFloat (Python parsed them as
// float), and object keys in their textual order (never reordered, even when integer-like).
import { OrderedQmp, PyFloat } from '../../../../src/iotests/pyjson';

const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(true|false|null)|([[\]{},:]))/y;

/** Parse JSON text; objects become OrderedQmp (to keep key order), see the file comment. */
export function parseExactJson(text: string): unknown {
  const parser = new Parser(text);
  const value = parser.value();
  parser.end();
  return value;
}

class Parser {
  private position = 0;

  constructor(private readonly text: string) {}

  value(): unknown {
    const token = this.next();
    if (token.string !== undefined) return JSON.parse(token.string) as string;
    if (token.number !== undefined) return toNumber(token.number);
    if (token.literal !== undefined) return JSON.parse(token.literal) as boolean | null;
    if (token.punct === '[') return this.array();
    if (token.punct === '{') return this.object();
    throw this.error(`unexpected ${token.punct ?? 'end'}`);
  }

  end(): void {
    if (this.text.slice(this.position).trim() !== '') throw this.error('trailing text');
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

  private object(): OrderedQmp {
    const entries = new OrderedQmp();
    if (this.peekPunct('}')) return entries;
    for (;;) {
      const key = this.next();
      if (key.string === undefined) throw this.error('expected a key');
      if (this.next().punct !== ':') throw this.error('expected :');
      entries.set(JSON.parse(key.string) as string, this.value());
      const token = this.next();
      if (token.punct === '}') return entries;
      if (token.punct !== ',') throw this.error('expected , or }');
    }
  }

  private peekPunct(punct: string): boolean {
    const saved = this.position;
    if (this.next().punct === punct) return true;
    this.position = saved;
    return false;
  }

  private next(): { string?: string; number?: string; literal?: string; punct?: string } {
    TOKEN.lastIndex = this.position;
    const match = TOKEN.exec(this.text);
    if (match === null) return {};
    this.position = TOKEN.lastIndex;
    return { string: match[1], number: match[2], literal: match[3], punct: match[4] };
  }

  private error(what: string): SyntaxError {
    return new SyntaxError(`${what} at offset ${this.position} of ${JSON.stringify(this.text)}`);
  }
}

function toNumber(text: string): number | bigint | PyFloat {
  if (/[.eE]/.test(text)) return new PyFloat(Number(text));
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : BigInt(text);
}

/** Turn the parser's OrderedQmp objects into plain dicts (what Python's json.loads returns). */
export function toPlainDicts(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item: unknown) => toPlainDicts(item));
  if (value instanceof OrderedQmp) {
    const plain: Record<string, unknown> = {};
    for (const [key, item] of value) {
      Object.defineProperty(plain, key, {
        value: toPlainDicts(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return plain;
  }
  return value;
}
