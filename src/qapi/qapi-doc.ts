// Splits a QAPI doc block into what the hover text needs: the description, one text per member
// and per feature, and the tagged sections (Returns:, Since:, Note:, …).

export interface QapiDoc {
  /** The symbol the block documents (its `@Name:` first line). */
  symbol: string;
  body: string;
  members: Map<string, string>;
  features: Map<string, string>;
  /** Tagged sections in order, tag without the colon ('Returns', 'Since', 'Example', …). */
  sections: Array<{ tag: string; text: string }>;
}

const SYMBOL_LINE = /^@([\w.-]+):\s*$/;
const ARG_LINE = /^@([\w.-]+):\s*(.*)$/;
const SECTION_LINE = /^(Returns|Since|Notes?|Examples?|TODO|Errors|Caution|Features):\s*(.*)$/;

/** Parses a doc block; undefined when it documents no symbol (a section heading, free text). */
export function parseQapiDoc(lines: readonly string[]): QapiDoc | undefined {
  const first = SYMBOL_LINE.exec(lines[0] ?? '');
  if (first?.[1] === undefined) return undefined;
  const doc: QapiDoc = {
    symbol: first[1],
    body: '',
    members: new Map(),
    features: new Map(),
    sections: [],
  };
  const body: string[] = [];
  let inFeatures = false;
  // Where the next lines go: the member, feature or section being read, or the body.
  const into: { lines: string[]; kind: 'body' | 'member' | 'section' } = {
    lines: body,
    kind: 'body',
  };
  const stores: Array<() => void> = [];
  const open = (kind: 'member' | 'section', firstLine: string, store: (text: string) => void) => {
    const text: string[] = firstLine === '' ? [] : [firstLine];
    stores.push(() => store(joinLines(text)));
    into.lines = text;
    into.kind = kind;
  };
  for (const line of withoutExamples(lines.slice(1))) {
    const arg = ARG_LINE.exec(line);
    const section = SECTION_LINE.exec(line);
    if (arg?.[1] !== undefined) {
      const name = arg[1];
      const map = inFeatures ? doc.features : doc.members;
      open('member', arg[2] ?? '', (text) => map.set(name, text));
    } else if (section?.[1] !== undefined) {
      const tag = section[1];
      inFeatures = tag === 'Features';
      if (inFeatures) {
        into.lines = body;
        into.kind = 'body';
      } else {
        open('section', section[2] ?? '', (text) => doc.sections.push({ tag, text }));
      }
    } else if (line.trim() === '' && into.kind === 'member') {
      // A blank line ends a member's or feature's text (sections, examples above all, run on).
      into.lines = body;
      into.kind = 'body';
      body.push('');
    } else {
      into.lines.push(line);
    }
  }
  for (const store of stores) store();
  doc.body = joinLines(body);
  return doc;
}

const DIRECTIVE = /^\.\. ([\w-]+)::\s*(.*)$/;

// Newer QAPI docs are reStructuredText: examples are `.. qmp-example::` blocks (dropped: long, and
// not what hover text is for), notes are `.. note::` blocks (kept as "Note: ...").
function withoutExamples(lines: readonly string[]): string[] {
  const kept: string[] = [];
  let skipping = false;
  for (const line of lines) {
    const directive = DIRECTIVE.exec(line);
    if (directive !== null) {
      skipping = directive[1]?.includes('example') ?? false;
      if (!skipping)
        kept.push(`${capitalize(directive[1] ?? '')}: ${directive[2] ?? ''}`.trimEnd());
    } else if (skipping && (line.trim() === '' || /^\s/.test(line))) {
      continue;
    } else {
      skipping = false;
      kept.push(line);
    }
  }
  return kept;
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Joins doc lines: the continuation indentation dropped, blank-line runs and ends trimmed. */
function joinLines(lines: readonly string[]): string {
  const text = dedent(lines.map((line) => line.trimEnd()));
  return text.replace(/\n{3,}/g, '\n\n').trim();
}

// The first line follows `@name:` or `Tag:`; the others share an indentation that means nothing.
function dedent(lines: readonly string[]): string {
  const indents = lines
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => /^ */.exec(line)?.[0].length ?? 0);
  const common = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((line, index) => (index === 0 ? line.trim() : line.slice(common))).join('\n');
}
