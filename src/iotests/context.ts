// The per-test-file context that filters, `log` and the file helpers read at call time: where the
// test's scratch files and sockets live, the image format under test, and the name prefix of the
// files it creates (the seed's `test_dir`, `sock_dir`, `imgfmt` and `"%s-" % os.getpid()`).
import os from 'node:os';

import { describeValue } from '../common/describe-value';
import { session, type FileContext } from './session';

export type { FileContext } from './session';

/** The context set by `setFileContext`, or else the default derived from the environment. */
export function fileContext(): FileContext {
  return session().context ?? defaultFileContext();
}

/** The default context: env TEST_DIR / SOCK_DIR / IMGFMT, else os.tmpdir(), 'raw', `${pid}-`. */
export function defaultFileContext(env: NodeJS.ProcessEnv = process.env): FileContext {
  // An empty variable counts as unset: an empty directory or format would filter everything.
  return Object.freeze({
    testDir: nonEmpty(env.TEST_DIR) ?? os.tmpdir(),
    sockDir: nonEmpty(env.SOCK_DIR) ?? os.tmpdir(),
    imgfmt: nonEmpty(env.IMGFMT) ?? 'raw',
    filePrefix: `${process.pid}-`,
  });
}

/** Set this file's context; fields left out keep their current value. Returns the new context. */
export function setFileContext(ctx: Partial<FileContext>): FileContext {
  const next = validateFileContext({ ...fileContext(), ...definedFields(ctx) });
  session().context = next;
  return next;
}

/** Forget what `setFileContext` set; `fileContext()` is the environment default again. */
export function resetFileContext(): void {
  session().context = undefined;
}

/** Check that a value is a complete FileContext and return a frozen copy of it. */
export function validateFileContext(ctx: unknown): FileContext {
  if (typeof ctx !== 'object' || ctx === null) {
    throw new TypeError(`file context must be an object, got ${describeValue(ctx)}`);
  }
  const fields = ctx as Record<string, unknown>;
  // Empty values are refused: Python's str.replace('') and re '' match between every character.
  return Object.freeze({
    testDir: requireString(fields, 'testDir', false),
    sockDir: requireString(fields, 'sockDir', false),
    imgfmt: requireString(fields, 'imgfmt', false),
    filePrefix: requireString(fields, 'filePrefix', true),
  });
}

function requireString(fields: Record<string, unknown>, name: string, allowEmpty: boolean): string {
  const value = fields[name];
  if (typeof value !== 'string' || (!allowEmpty && value === '')) {
    const accepted = allowEmpty ? 'a string' : 'a non-empty string';
    throw new TypeError(`file context ${name} must be ${accepted}, got ${describeValue(value)}`);
  }
  return value;
}

function definedFields(ctx: Partial<FileContext>): Partial<FileContext> {
  return Object.fromEntries(Object.entries(ctx).filter(([, value]) => value !== undefined));
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
