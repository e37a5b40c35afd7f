// The summary reporter of `--preset qemu-iotests`, after Jest's own: like `check`, it names every
// test that was not run with its reason, and the files that failed.
import path from 'node:path';

import type { AggregatedResult, TestContext } from '@jest/test-result';

import { parseNotRunTitle } from './not-run';

/** One line per skipped file (or per skipped test when a file ran in part). */
export interface NotRunEntry {
  readonly file: string;
  /** The test's title without the reason; undefined when every test of the file was skipped for it. */
  readonly test: string | undefined;
  readonly reason: string;
}

/** Collect what was not run and why from Jest's aggregated results. */
export function collectNotRun(results: AggregatedResult, rootDir: string): NotRunEntry[] {
  const entries: NotRunEntry[] = [];
  for (const file of results.testResults) {
    const name = displayName(file.testFilePath, rootDir);
    const skipped = file.testResults.flatMap((test) => {
      const marked = test.status === 'pending' ? parseNotRunTitle(test.title) : undefined;
      return marked === undefined ? [] : [marked];
    });
    if (skipped.length === 0) continue;
    const reasons = new Set(skipped.map((s) => s.reason));
    if (skipped.length === file.testResults.length && reasons.size === 1) {
      entries.push({ file: name, test: undefined, reason: skipped[0].reason });
      continue;
    }
    for (const s of skipped) entries.push({ file: name, test: s.title, reason: s.reason });
  }
  return entries;
}

/** The summary text: "Not run:" lines, failures, and the totals. */
export function formatSummary(results: AggregatedResult, rootDir: string): string {
  const lines: string[] = [];
  const notRun = collectNotRun(results, rootDir);
  if (notRun.length > 0) {
    lines.push('Not run:');
    for (const entry of notRun) {
      const what = entry.test === undefined ? entry.file : `${entry.file} › ${entry.test}`;
      lines.push(`  ${what}: ${entry.reason}`);
    }
  }
  const failed = results.testResults
    .filter((file) => file.numFailingTests > 0 || file.testExecError !== undefined)
    .map((file) => displayName(file.testFilePath, rootDir));
  if (failed.length > 0) lines.push(`Failures: ${failed.join(' ')}`);
  // Like check, count test files (iotests), not test cases: those that ran at least one test.
  const ran = results.testResults.filter((file) =>
    file.testResults.some((test) => test.status === 'passed' || test.status === 'failed'),
  ).length;
  if (failed.length === 0 && ran > 0) lines.push(`Passed all ${ran} iotests`);
  return lines.join('\n');
}

function displayName(testFilePath: string, rootDir: string): string {
  const relative = path.relative(rootDir, testFilePath);
  return relative.startsWith('..') ? testFilePath : relative;
}

/** Jest reporter printing the summary after the run. */
export default class NotRunReporter {
  private readonly rootDir: string;

  constructor(globalConfig: { rootDir: string }) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts: Set<TestContext>, results: AggregatedResult): void {
    const summary = formatSummary(results, this.rootDir);
    if (summary !== '') process.stderr.write(`\n${summary}\n`);
  }
}
