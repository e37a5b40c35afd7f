// QAPI doc text as JSDoc, so that the editor shows it on hover: `@member` references become code
// spans (a bare `@` would start a JSDoc tag), rST literals become Markdown ones, `*/` is escaped.

/** One paragraph of QAPI doc text made safe and readable inside a JSDoc comment. */
export function docText(text: string): string {
  return text
    .replace(/``([^`]+)``/g, '`$1`')
    .replace(/(^|[^\w`])@([\w.-]*\w)/g, '$1`$2`')
    .replace(/\*\//g, '*\\/');
}

/** What a comment says: paragraphs of text, then tags (`@since 2.9`, `@deprecated …`). */
export interface DocParts {
  text: string[];
  tags: string[];
}

/** A JSDoc comment at `indent`, or '' when there is nothing to say. */
export function jsdoc(parts: DocParts, indent: string): string {
  const paragraphs = parts.text.map((text) => docText(text).trim()).filter((text) => text !== '');
  // A tag's name stays a tag; only its text is QAPI's.
  const tags = parts.tags.map((tag) =>
    tag
      .replace(/^(@\w+)(.*)$/s, (_all, name: string, text: string) => `${name}${docText(text)}`)
      .trim(),
  );
  const blocks = [...paragraphs, ...(tags.length > 0 ? [tags.join('\n')] : [])];
  if (blocks.length === 0) return '';
  const lines = blocks.join('\n\n').split('\n');
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  const body = lines.map((line) => (line === '' ? `${indent} *` : `${indent} * ${line}`));
  return `${indent}/**\n${body.join('\n')}\n${indent} */\n`;
}

/** What the features of a command, event, type or member add to its comment. */
export function featureDoc(
  features: readonly string[] | undefined,
  described: ReadonlyMap<string, string> | undefined,
): DocParts {
  const parts: DocParts = { text: [], tags: [] };
  for (const feature of features ?? []) {
    const text = described?.get(feature) ?? '';
    if (feature === 'deprecated') parts.tags.push(`@deprecated ${text}`.trimEnd());
    else if (feature === 'unstable')
      parts.text.push(`Unstable: ${text || 'not a stable interface.'}`);
    else parts.text.push(`Feature \`${feature}\`${text === '' ? '' : `: ${text}`}`);
  }
  return parts;
}
