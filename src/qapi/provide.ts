// The QMP types of one binary, from the cache when it has them, else generated (or, when the
// source is not at hand, a shipped module with the same schema digest) and cached.
import { fetchSchema } from './fetch-schema';
import { generateQmpTypes, readQapiDir } from './generate';
import { findQapiDir } from './qapi-dir';
import { shippedTypesFor } from './shipped';
import {
  defaultTypesCacheDir,
  readTypesCache,
  typesCacheKey,
  writeTypesCache,
} from './types-cache';

export interface QmpTypesOptions {
  /** The QEMU system emulator to describe. */
  binary: string;
  /** QAPI source directory (with qapi-schema.json); default: found from a build tree, if any. */
  qapiDir?: string | undefined;
  cacheDir?: string | undefined;
  /** Generate again even when the cache has the types. */
  refresh?: boolean | undefined;
}

export interface QmpTypes {
  /** The declaration module's text. */
  text: string;
  /** `query-version`'s text. */
  version: string;
  /** Where the text came from this time. */
  origin: 'cache' | 'generated' | 'shipped';
  qapiDir: string | undefined;
  elapsedMs: number;
}

export async function qmpTypesFor(options: QmpTypesOptions): Promise<QmpTypes> {
  const started = performance.now();
  const qapiDir = findQapiDir(options.binary, options.qapiDir);
  const cacheDir = options.cacheDir ?? defaultTypesCacheDir();
  const key = await typesCacheKey(options.binary, qapiDir);
  const done = (text: string, version: string, origin: QmpTypes['origin']): QmpTypes => ({
    text,
    version,
    origin,
    qapiDir,
    elapsedMs: Math.round(performance.now() - started),
  });
  if (key !== undefined && options.refresh !== true) {
    const cached = await readTypesCache(cacheDir, key);
    if (cached !== undefined) return done(cached.text, cached.version, 'cache');
  }
  const schema = await fetchSchema(options.binary);
  const shipped =
    qapiDir === undefined ? shippedTypesFor(schema.digest, schema.version) : undefined;
  const text =
    shipped ??
    generateQmpTypes({
      ...schema,
      ...(qapiDir === undefined ? {} : { source: readQapiDir(qapiDir) }),
    });
  if (key !== undefined) await writeTypesCache(cacheDir, key, { version: schema.version, text });
  return done(text, schema.version, shipped === undefined ? 'generated' : 'shipped');
}

/** How many commands and events a generated module declares (for messages). */
export function countDeclared(text: string): { commands: number; events: number } {
  // Entries are the map's lines at its first indentation (tsc's .d.ts indents differently).
  const block = (name: string): number => {
    const start = text.indexOf(`export interface ${name} {\n`);
    const end = text.indexOf('\n}\n', start);
    if (start === -1 || end === -1) return 0;
    const lines = text.slice(start, end).split('\n').slice(1);
    const indent = /^ +(?=['\w])/.exec(lines.find((line) => /^ +['\w]/.test(line)) ?? '')?.[0];
    return indent === undefined
      ? 0
      : lines.filter((line) => line.startsWith(indent) && /['\w]/.test(line[indent.length] ?? ''))
          .length;
  };
  return { commands: block('QmpCommands'), events: block('QmpEvents') };
}
