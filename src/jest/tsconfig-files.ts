// The tsconfig files ts-jest reads for a project: the nearest `tsconfig.json` at or above the
// project's rootDir (as TypeScript's findConfigFile looks for it) and every file it extends.
// Their text goes into the preset transform's cache key, so that editing any of them re-transpiles.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { findUp } from './find-up';

/** One tsconfig file and its text (undefined when it could not be read). */
export interface TsconfigFile {
  readonly path: string;
  readonly text: string | undefined;
}

/** A long `extends` chain is a cycle or a mistake; either way, stop following it. */
const MAX_CHAIN = 16;

/** The tsconfig.json ts-jest would pick up from `rootDir`, then the files it extends. */
export function tsconfigChain(rootDir: string): TsconfigFile[] {
  const first = findUp(rootDir, 'tsconfig.json');
  if (first === undefined) return [];
  const files: TsconfigFile[] = [];
  const pending = [first];
  const seen = new Set<string>();
  while (pending.length > 0 && files.length < MAX_CHAIN) {
    const file = pending.shift() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readText(file);
    files.push({ path: file, text });
    if (text === undefined) continue;
    for (const target of extendsOf(text)) {
      const resolved = resolveExtends(target, path.dirname(file));
      // An unresolvable target still counts by name: TypeScript reports it at transpile time.
      if (resolved === undefined) files.push({ path: target, text: undefined });
      else pending.push(resolved);
    }
  }
  return files;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The `extends` targets of a tsconfig text (JSON with comments and trailing commas). */
export function extendsOf(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stripJsonComments(text).replace(/,(\s*[}\]])/g, '$1'));
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null) return [];
  const value = (parsed as Record<string, unknown>).extends;
  if (typeof value === 'string') return [value];
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

// Removes // and /* */ comments outside strings, keeping everything else as it is.
function stripJsonComments(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      const end = endOfString(text, i);
      out += text.slice(i, end);
      i = end - 1;
    } else if (char === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (char === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 1;
    } else {
      out += char;
    }
  }
  return out;
}

function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

// Relative and absolute targets are files (`.json` optional); anything else is a package.
function resolveExtends(target: string, fromDir: string): string | undefined {
  if (target.startsWith('.') || path.isAbsolute(target)) {
    const file = path.resolve(fromDir, target);
    if (fs.existsSync(file) && fs.statSync(file).isFile()) return file;
    return fs.existsSync(`${file}.json`) ? `${file}.json` : undefined;
  }
  const requireFrom = createRequire(path.join(fromDir, 'tsconfig.json'));
  for (const candidate of [target, `${target}/tsconfig.json`, `${target}.json`]) {
    try {
      return requireFrom.resolve(candidate);
    } catch {
      // try the next spelling
    }
  }
  return undefined;
}
