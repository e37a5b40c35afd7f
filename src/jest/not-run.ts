// How a skipped test's reason reaches the reporters. Jest's results have no field for it, and the
// test's title must stay the user's own: Jest marks a skipped test's snapshots as checked by its
// full name, so a renamed test would make its references "obsolete" (and `-u` would delete them).
// The environment (in a worker) writes each file's reasons to a run-wide ledger directory that
// global setup creates; the summary reporter (in the parent) reads them back per test file.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { userTempDir } from '../config';
import { NotRunError } from '../iotests/requirements';

/** Environment variable naming this run's ledger directory (workers inherit it). */
export const NOT_RUN_LEDGER_VARIABLE = 'QEMU_IOTESTS_NOT_RUN_DIR';

/** One test that was not run, named as Jest names it in its results. */
export interface NotRunRecord {
  /** The titles of the describe blocks around the test, outermost first. */
  readonly ancestorTitles: readonly string[];
  readonly title: string;
  readonly reason: string;
}

/** The ledger directory of the Jest run whose parent process is `pid`. */
export function notRunLedgerDir(pid: number = process.pid): string {
  return path.join(userTempDir(), `not-run-${pid}`);
}

/** Global setup: create this run's ledger and publish it to the workers. */
export function openNotRunLedger(): void {
  const dir = notRunLedgerDir();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  process.env[NOT_RUN_LEDGER_VARIABLE] = dir;
}

/** Global teardown: remove this run's ledger; safe to call twice. */
export function closeNotRunLedger(): void {
  const dir = process.env[NOT_RUN_LEDGER_VARIABLE];
  if (dir === undefined) return;
  fs.rmSync(dir, { recursive: true, force: true });
  delete process.env[NOT_RUN_LEDGER_VARIABLE];
}

/** The environment: record what `testPath` did not run (nothing without a ledger or records). */
export function writeNotRun(testPath: string, records: readonly NotRunRecord[]): void {
  const file = ledgerFile(testPath);
  if (file === undefined || records.length === 0) return;
  // Written whole, then renamed: the reporter never reads half a file.
  const partial = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(partial, JSON.stringify(records), { mode: 0o600 });
  fs.renameSync(partial, file);
}

/** The reporter: what `testPath` did not run, taken out of the ledger ([] when none). */
export function takeNotRun(testPath: string): NotRunRecord[] {
  const file = ledgerFile(testPath);
  if (file === undefined) return [];
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  fs.rmSync(file, { force: true });
  return parseRecords(text);
}

function ledgerFile(testPath: string): string | undefined {
  const dir = process.env[NOT_RUN_LEDGER_VARIABLE];
  if (dir === undefined || dir === '') return undefined;
  const key = crypto.createHash('sha1').update(testPath).digest('hex');
  return path.join(dir, `${key}.json`);
}

// JSON from disk: keep only well-formed records.
function parseRecords(text: string): NotRunRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(data)) return [];
  return data.filter((entry: unknown): entry is NotRunRecord => {
    if (typeof entry !== 'object' || entry === null) return false;
    const record = entry as Record<string, unknown>;
    return (
      typeof record.title === 'string' &&
      typeof record.reason === 'string' &&
      Array.isArray(record.ancestorTitles) &&
      record.ancestorTitles.every((title) => typeof title === 'string')
    );
  });
}

/** A reason on one line, for titles and summaries. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Whether an error thrown by a test means "not run" (iotests.requires/notrun), from any module copy. */
export function isNotRun(error: unknown): error is NotRunError {
  return error instanceof NotRunError;
}
