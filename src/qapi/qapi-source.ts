// Reads QEMU's QAPI schema source (qapi/*.json): Python-flavoured JSON (single quotes, `#`
// comments) where a `##` block before a definition documents it. Only what the type generator
// needs: the definitions with their doc text; includes are followed, pragmas ignored.
import fs from 'node:fs';
import path from 'node:path';

/** A value in a QAPI expression. */
export type QapiValue = string | boolean | QapiValue[] | { [key: string]: QapiValue };

/** One top-level definition and the doc block right before it (raw lines, `#` stripped). */
export interface QapiDefinition {
  expr: { [key: string]: QapiValue };
  doc: string[] | undefined;
  file: string;
}

export class QapiSourceError extends Error {
  override name = 'QapiSourceError';
}

/** Parses `entry` (e.g. `qapi/qapi-schema.json`) and every file it includes, in schema order. */
export function readQapiSource(entry: string): QapiDefinition[] {
  const definitions: QapiDefinition[] = [];
  const seen = new Set<string>();
  const visit = (file: string): void => {
    const resolved = path.resolve(file);
    if (seen.has(resolved)) return;
    seen.add(resolved);
    for (const definition of parseQapiText(fs.readFileSync(resolved, 'utf8'), resolved)) {
      const include = definition.expr.include;
      if (typeof include === 'string') visit(path.join(path.dirname(resolved), include));
      else if (definition.expr.pragma === undefined) definitions.push(definition);
    }
  };
  visit(entry);
  return definitions;
}

/** Parses the text of one QAPI file. */
export function parseQapiText(text: string, file = '<text>'): QapiDefinition[] {
  return new QapiParser(text, file).definitions();
}

class QapiParser {
  private pos = 0;
  private pendingDoc: string[] | undefined;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  definitions(): QapiDefinition[] {
    const result: QapiDefinition[] = [];
    for (;;) {
      this.skipSpace(true);
      if (this.pos >= this.text.length) return result;
      const doc = this.pendingDoc;
      this.pendingDoc = undefined;
      const expr = this.value();
      if (typeof expr !== 'object' || Array.isArray(expr)) {
        throw this.error('a top-level expression must be an object');
      }
      result.push({ expr, doc, file: this.file });
    }
  }

  // Whitespace and comments; at the top level, a `##` line opens a doc block kept for the next
  // definition (a block that documents no symbol, such as a section heading, is dropped later).
  private skipSpace(topLevel: boolean): void {
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
        this.pos += 1;
      } else if (ch === '#') {
        const atLineStart = this.pos === 0 || this.text[this.pos - 1] === '\n';
        if (topLevel && atLineStart && this.restOfLine().trimEnd() === '##') this.docBlock();
        else this.pos = this.lineEnd() + 1;
      } else {
        return;
      }
    }
  }

  private docBlock(): void {
    this.pos = this.lineEnd() + 1;
    const lines: string[] = [];
    while (this.pos < this.text.length) {
      const line = this.restOfLine().trimEnd();
      this.pos = this.lineEnd() + 1;
      if (line === '##') break;
      // A blank line inside a block is only whitespace between its comment lines.
      if (line.trim() === '') continue;
      if (!line.startsWith('#')) throw this.error('a doc comment line must start with #');
      lines.push(line.startsWith('# ') ? line.slice(2) : line.slice(1));
    }
    this.pendingDoc = lines;
  }

  private restOfLine(): string {
    return this.text.slice(this.pos, this.lineEnd());
  }

  private lineEnd(): number {
    const end = this.text.indexOf('\n', this.pos);
    return end === -1 ? this.text.length : end;
  }

  private value(): QapiValue {
    this.skipSpace(false);
    const ch = this.text[this.pos];
    if (ch === '{') return this.object();
    if (ch === '[') return this.array();
    if (ch === "'") return this.string();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    throw this.error(`unexpected ${ch === undefined ? 'end of file' : JSON.stringify(ch)}`);
  }

  private object(): { [key: string]: QapiValue } {
    const object: { [key: string]: QapiValue } = {};
    this.pos += 1;
    if (this.punct('}')) return object;
    for (;;) {
      this.skipSpace(false);
      if (this.text[this.pos] !== "'") throw this.error('expected a string key');
      const key = this.string();
      if (!this.punct(':')) throw this.error('expected :');
      Object.defineProperty(object, key, {
        value: this.value(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      if (this.punct('}')) return object;
      if (!this.punct(',')) throw this.error('expected , or }');
    }
  }

  private array(): QapiValue[] {
    const items: QapiValue[] = [];
    this.pos += 1;
    if (this.punct(']')) return items;
    for (;;) {
      items.push(this.value());
      if (this.punct(']')) return items;
      if (!this.punct(',')) throw this.error('expected , or ]');
    }
  }

  private string(): string {
    let result = '';
    for (this.pos += 1; this.pos < this.text.length; this.pos += 1) {
      const ch = this.text[this.pos];
      if (ch === "'") {
        this.pos += 1;
        return result;
      }
      if (ch === '\n') break;
      if (ch === '\\') this.pos += 1;
      result += this.text[this.pos];
    }
    throw this.error('unterminated string');
  }

  private punct(ch: string): boolean {
    this.skipSpace(false);
    if (this.text[this.pos] !== ch) return false;
    this.pos += 1;
    return true;
  }

  private error(what: string): QapiSourceError {
    const line = this.text.slice(0, this.pos).split('\n').length;
    return new QapiSourceError(`${this.file}:${line}: ${what}`);
  }
}
