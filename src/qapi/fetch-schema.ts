// Asks a QEMU binary for its schema: a bare machine (no guest, no devices, no display) answering
// qmp_capabilities, query-version and query-qmp-schema on stdio, then quit.
import { createHash } from 'node:crypto';

import { parseJson, isJsonObject } from '../qmp/json';
import { parseIntrospection, SchemaShapeError, type IntrospectedEntry } from './introspection';

export interface BinarySchema {
  entries: IntrospectedEntry[];
  /** 'major.minor.micro' plus the package string, as `query-version` gives them. */
  version: string;
  /** sha256 of the schema as QEMU sent it: equal digests, equal types. */
  digest: string;
}

const ARGS = ['-machine', 'none', '-nodefaults', '-display', 'none', '-qmp', 'stdio'];
const REQUESTS = ['qmp_capabilities', 'query-version', 'query-qmp-schema', 'quit']
  .map((command) => JSON.stringify({ execute: command, id: command }))
  .join('\n');

export class SchemaFetchError extends Error {
  override name = 'SchemaFetchError';
}

/** Runs `binary` once and returns its schema; throws SchemaFetchError with QEMU's stderr. */
export async function fetchSchema(binary: string, timeoutMs = 30_000): Promise<BinarySchema> {
  const { default: execa } = await import('execa');
  const run = await execa(binary, ARGS, {
    input: `${REQUESTS}\n`,
    reject: false,
    timeout: timeoutMs,
  });
  const replies = new Map<string, unknown>();
  for (const line of run.stdout.split('\n')) {
    if (line.trim() === '') continue;
    let message: unknown;
    try {
      message = parseJson(line);
    } catch {
      continue;
    }
    if (isJsonObject(message) && typeof message.id === 'string') replies.set(message.id, message);
  }
  const reply = (id: string): unknown => {
    const message = replies.get(id);
    if (isJsonObject(message) && 'return' in message) return message.return;
    const why = run.timedOut
      ? `timed out after ${timeoutMs} ms`
      : `exit status ${String(run.exitCode)}`;
    throw new SchemaFetchError(`${binary} gave no reply to ${id} (${why}): ${run.stderr.trim()}`);
  };
  const raw = reply('query-qmp-schema');
  const entries = parseIntrospection(raw);
  const digest = createHash('sha256').update(JSON.stringify(raw)).digest('hex');
  return { entries, version: versionText(reply('query-version')), digest };
}

function versionText(value: unknown): string {
  if (!isJsonObject(value) || !isJsonObject(value.qemu)) {
    throw new SchemaShapeError('query-version returned no qemu version');
  }
  const { major, minor, micro } = value.qemu;
  const pkg = typeof value.package === 'string' ? value.package.trim() : '';
  const release = [major, minor, micro].map(String).join('.');
  return pkg === '' ? release : `${release} (${pkg})`;
}
