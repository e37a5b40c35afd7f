// Reading the README's sections and code blocks, for the tests that check or run what it says.
import fs from 'node:fs';
import path from 'node:path';

const README = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');

/** The README's text. */
export function readmeText(): string {
  return README;
}

/** The README section under `heading` (e.g. '## Quick start'), up to the next heading of its level or higher. */
export function readmeSection(heading: string): string {
  const level = heading.indexOf(' ');
  const lines = README.split('\n');
  const start = lines.indexOf(heading);
  if (start === -1) throw new Error(`README has no "${heading}"`);
  let inFence = false;
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('```')) inFence = !inFence;
    const match = inFence ? null : /^(#+) /.exec(line);
    if (match !== null && match[1].length <= level) break;
    body.push(line);
  }
  return body.join('\n');
}

/** The contents of the fenced blocks opened with exactly "```<lang>" in `text`. */
export function fencedBlocks(text: string, lang: string): string[] {
  const found: string[] = [];
  let current: string[] | undefined;
  let inOther = false;
  for (const line of text.split('\n')) {
    if (current !== undefined) {
      if (line === '```') {
        found.push(current.map((l) => `${l}\n`).join(''));
        current = undefined;
      } else current.push(line);
    } else if (inOther) {
      if (line === '```') inOther = false;
    } else if (line === '```' + lang) current = [];
    else if (line.startsWith('```')) inOther = true;
  }
  return found;
}
