import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { IotestsConfig } from '../config';
import { userTempDir } from '../config';
import { readPrivateJson, writePrivateFile } from '../config/private-files';
import type { Capabilities, ToolInfo } from './types';

/** Bumped whenever the probe or the stored shape changes, so old entries are ignored. */
const CACHE_SCHEMA = 1;

/** What is cached: everything but the platform line, which is cheap and host-specific. */
export type CachedCapabilities = Omit<Capabilities, 'platform'>;

/** The default cache location: `<tmpdir>/qemu-iotests-<uid>/capabilities`. */
export function defaultCacheDir(): string {
  return path.join(userTempDir(), 'capabilities');
}

/**
 * Hash of everything the probe's answers depend on: each binary's absolute
 * path, size and mtime, plus the options and secret the probes pass. The
 * secret only enters the hash, never the file. Undefined if a binary is gone.
 */
export async function computeCacheKey(config: IotestsConfig): Promise<string | undefined> {
  const { qemu, qemuImg, qemuIo, qemuNbd, qsd } = config.binaries;
  const files = [qemu, qemuImg, qemuIo, qemuNbd, qsd];
  let stats: Array<{ path: string; size: number; mtimeMs: number }>;
  try {
    stats = await Promise.all(
      files.map(async (file) => {
        const stat = await fs.stat(file);
        return { path: file, size: stat.size, mtimeMs: stat.mtimeMs };
      }),
    );
  } catch {
    return undefined;
  }
  const material = JSON.stringify({
    schema: CACHE_SCHEMA,
    stats,
    qemuOptions: config.qemuOptions,
    qemuImgOptions: config.qemuImgOptions,
    imgKeySecret: config.imgKeySecret,
  });
  return createHash('sha256').update(material).digest('hex');
}

/** Reads a cached probe; undefined on a miss, a foreign directory or a damaged file. */
export async function readCache(
  cacheDir: string,
  key: string,
): Promise<CachedCapabilities | undefined> {
  const parsed = await readPrivateJson(cacheDir, entryName(key));
  if (!isRecord(parsed) || parsed.schema !== CACHE_SCHEMA || parsed.key !== key) return undefined;
  return isCachedCapabilities(parsed.capabilities) ? parsed.capabilities : undefined;
}

/**
 * Stores a probe result. Written to a temp file and renamed so that parallel
 * Jest workers never read half a file. Failures only cost the next probe time.
 */
export async function writeCache(
  cacheDir: string,
  key: string,
  capabilities: CachedCapabilities,
): Promise<void> {
  // A read-only or full temp dir must not fail the run: the probe result is still returned.
  await writePrivateFile(
    cacheDir,
    entryName(key),
    JSON.stringify({ schema: CACHE_SCHEMA, key, capabilities }),
  );
}

function entryName(key: string): string {
  return `${key.slice(0, 32)}.json`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isToolInfo(value: unknown): value is ToolInfo {
  return (
    isRecord(value) &&
    typeof value.path === 'string' &&
    (value.version === undefined || typeof value.version === 'string') &&
    typeof value.present === 'boolean'
  );
}

/** Shape check of a parsed cache entry (the file may come from an older or broken writer). */
export function isCachedCapabilities(value: unknown): value is CachedCapabilities {
  if (!isRecord(value)) return false;
  const { tools, luks } = value;
  return (
    typeof value.qemuVersion === 'string' &&
    typeof value.qemuVersionFull === 'string' &&
    isStringArray(value.accelerators) &&
    typeof value.hasQtest === 'boolean' &&
    typeof value.accelerator === 'string' &&
    isStringArray(value.formatsRw) &&
    isStringArray(value.formatsRo) &&
    isStringArray(value.devices) &&
    typeof value.hasVirtioBlk === 'boolean' &&
    typeof value.hasVirtioScsi === 'boolean' &&
    (value.defaultMachine === undefined || typeof value.defaultMachine === 'string') &&
    isRecord(tools) &&
    isToolInfo(tools.qemuImg) &&
    isToolInfo(tools.qemuIo) &&
    isToolInfo(tools.qemuNbd) &&
    isToolInfo(tools.qsd) &&
    isRecord(luks) &&
    typeof luks.working === 'boolean' &&
    typeof luks.reason === 'string' &&
    typeof value.quorum === 'boolean' &&
    typeof value.qcow2Zstd === 'boolean'
  );
}
