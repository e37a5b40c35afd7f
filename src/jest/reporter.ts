// The summary reporter of `--preset qemu-iotests`, after Jest's own: like `check`, it names every
// test that was not run with its reason as its file finishes and again at the end of the run,
// then the files that failed.
import path from 'node:path';

import type { AggregatedResult, TestContext, TestResult } from '@jest/test-result';

import { takeNotRun, type NotRunRecord } from './not-run';

/** One line per skipped file (or per skipped test when a file ran in part). */
export interface NotRunEntry {
  readonly file: string;
  /** The test's full title; undefined when every test of the file was skipped for one reason. */
  readonly test: string | undefined;
  readonly reason: string;
}

/** What each test file did not run, by its path (as the environment recorded it). */
export type NotRunByFile = ReadonlyMap<string, readonly NotRunRecord[]>;

/** The not-run entries of one file's results. */
export function notRunEntriesOf(
  file: Pick<TestResult, 'testFilePath' | 'testResults'>,
  records: readonly NotRunRecord[],
  rootDir: string,
): NotRunEntry[] {
  if (records.length === 0) return [];
  const name = displayName(file.testFilePath, rootDir);
  const reasons = new Set(records.map((record) => record.reason));
  if (records.length === file.testResults.length && reasons.size === 1) {
    return [{ file: name, test: undefined, reason: records[0].reason }];
  }
  return records.map((record) => ({
    file: name,
    test: [...record.ancestorTitles, record.title].join(' › '),
    reason: record.reason,
  }));
}

/** Collect what was not run and why, file by file in the order Jest finished them. */
export function collectNotRun(
  results: AggregatedResult,
  notRun: NotRunByFile,
  rootDir: string,
): NotRunEntry[] {
  return results.testResults.flatMap((file) =>
    notRunEntriesOf(file, notRun.get(file.testFilePath) ?? [], rootDir),
  );
}

/** An entry as one line: `file: reason` or `file › test: reason`. */
export function formatNotRunEntry(entry: NotRunEntry): string {
  const what = entry.test === undefined ? entry.file : `${entry.file} › ${entry.test}`;
  return `${what}: ${entry.reason}`;
}

/** The summary text: "Not run:" lines, failures, and the totals. */
export function formatSummary(
  results: AggregatedResult,
  notRun: NotRunByFile,
  rootDir: string,
): string {
  const lines: string[] = [];
  const entries = collectNotRun(results, notRun, rootDir);
  if (entries.length > 0) {
    lines.push('Not run:');
    for (const entry of entries) lines.push(`  ${formatNotRunEntry(entry)}`);
  }
  const failed = results.testResults
    .filter((file) => file.numFailingTests > 0 || file.testExecError !== undefined)
    .map((file) => displayName(file.testFilePath, rootDir));
  if (failed.length > 0) lines.push(`Failures: ${failed.join(' ')}`);
  const snapshotProblem = describeSnapshotFailure(results);
  if (snapshotProblem !== undefined) lines.push(`Snapshots failed the run: ${snapshotProblem}`);
  // Like check, count test files (iotests), not test cases: those that ran at least one test.
  const ran = results.testResults.filter((file) =>
    file.testResults.some((test) => test.status === 'passed' || test.status === 'failed'),
  ).length;
  const runFailed = failed.length > 0 || snapshotProblem !== undefined || results.runExecError;
  if (!runFailed && ran > 0) lines.push(`Passed all ${ran} iotests`);
  return lines.join('\n');
}

// Jest fails a run for snapshot trouble alone (obsolete or unmatched entries, removed files)
// unless it was told to update them: the summary must not call such a run passed.
function describeSnapshotFailure(results: AggregatedResult): string | undefined {
  const { snapshot } = results;
  if (snapshot === undefined || !snapshot.failure) return undefined;
  const parts: string[] = [];
  if (snapshot.unchecked > 0) parts.push(`${snapshot.unchecked} obsolete`);
  if (snapshot.unmatched > 0) parts.push(`${snapshot.unmatched} failed`);
  if (snapshot.filesRemoved > 0) parts.push(`${snapshot.filesRemoved} files removed`);
  return parts.length > 0 ? parts.join(', ') : 'see the snapshot summary above';
}

function displayName(testFilePath: string, rootDir: string): string {
  const relative = path.relative(rootDir, testFilePath);
  return relative.startsWith('..') ? testFilePath : relative;
}

/** Jest reporter: each file's not-run reasons as it finishes, the summary after the run. */
export default class NotRunReporter {
  private readonly rootDir: string;
  private readonly notRun = new Map<string, readonly NotRunRecord[]>();

  constructor(globalConfig: { rootDir: string }) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunStart(): void {
    this.notRun.clear(); // watch mode: one reporter, many runs
  }

  onTestResult(_test: unknown, result: TestResult): void {
    const records = takeNotRun(result.testFilePath);
    if (records.length === 0) return;
    this.notRun.set(result.testFilePath, records);
    const lines = notRunEntriesOf(result, records, this.rootDir).map(
      (entry) => `not run: ${formatNotRunEntry(entry)}\n`,
    );
    process.stderr.write(lines.join(''));
  }

  onRunComplete(_contexts: Set<TestContext>, results: AggregatedResult): void {
    const summary = formatSummary(results, this.notRun, this.rootDir);
    if (summary !== '') process.stderr.write(`\n${summary}\n`);
  }
}
