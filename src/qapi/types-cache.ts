// Generated QMP types, cached per binary (path, size, mtime) and QAPI source (files' sizes and
// mtimes): a run with the same QEMU reads the module text instead of starting QEMU.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

import { userTempDir } from '../config';
import { readPrivateJson, writePrivateFile } from '../config/private-files';
import { qapiDirStamp } from './qapi-dir';

/** Bumped whenever the generated text changes for the same input, so old entries are ignored. */
export const GENERATOR_REVISION = 3;

export interface CachedTypes {
  /** `query-version`'s text. */
  version: string;
  text: string;
}

/** `<tmpdir>/qemu-iotests-<uid>/qmp-types`. */
export function defaultTypesCacheDir(): string {
  return path.join(userTempDir(), 'qmp-types');
}

/** The cache key of a binary (and its QAPI source); undefined when the binary is gone. */
export async function typesCacheKey(
  binary: string,
  qapiDir: string | undefined,
): Promise<string | undefined> {
  let stat;
  try {
    stat = await fs.stat(binary);
  } catch {
    return undefined;
  }
  const material = JSON.stringify({
    revision: GENERATOR_REVISION,
    binary: [path.resolve(binary), stat.size, stat.mtimeMs],
    qapi: qapiDir === undefined ? null : [qapiDir, qapiDirStamp(qapiDir)],
  });
  return createHash('sha256').update(material).digest('hex');
}

export async function readTypesCache(dir: string, key: string): Promise<CachedTypes | undefined> {
  const parsed = await readPrivateJson(dir, entryName(key));
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const entry = parsed as Record<string, unknown>;
  if (entry.revision !== GENERATOR_REVISION || entry.key !== key) return undefined;
  if (typeof entry.version !== 'string' || typeof entry.text !== 'string') return undefined;
  return { version: entry.version, text: entry.text };
}

/** Stores generated types; a failure only costs the next run a generation. */
export async function writeTypesCache(dir: string, key: string, types: CachedTypes): Promise<void> {
  await writePrivateFile(
    dir,
    entryName(key),
    JSON.stringify({ revision: GENERATOR_REVISION, key, ...types }),
  );
}

function entryName(key: string): string {
  return `${key.slice(0, 32)}.json`;
}
