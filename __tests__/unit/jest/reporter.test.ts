import { describe, expect, test } from '@jest/globals';
import type { AggregatedResult, AssertionResult, TestResult } from '@jest/test-result';

import type { NotRunRecord } from '../../../src/jest/not-run';
import { collectNotRun, formatSummary } from '../../../src/jest/reporter';

const ROOT = '/project';

function assertion(title: string, status: AssertionResult['status']): AssertionResult {
  return {
    title,
    status,
    fullName: title,
    ancestorTitles: [],
    failureMessages: [],
  } as unknown as AssertionResult;
}

function file(name: string, tests: AssertionResult[], failing = 0): TestResult {
  return {
    testFilePath: `${ROOT}/__tests__/iotests/${name}`,
    testResults: tests,
    numFailingTests: failing,
    testExecError: undefined,
  } as unknown as TestResult;
}

function results(
  files: TestResult[],
  snapshot: Partial<AggregatedResult['snapshot']> = {},
): AggregatedResult {
  const all = files.flatMap((f) => f.testResults);
  return {
    testResults: files,
    snapshot: { failure: false, unchecked: 0, unmatched: 0, filesRemoved: 0, ...snapshot },
    numTotalTests: all.length,
    numPendingTests: all.filter((t) => t.status === 'pending').length,
    numTodoTests: all.filter((t) => t.status === 'todo').length,
  } as unknown as AggregatedResult;
}

describe('not-run summary', () => {
  const fmtReason = 'not suitable for this image format: raw';
  const aggregated = results([
    file('206-qcow2-create.test.ts', [
      assertion('1. defaults', 'pending'),
      assertion('2. options', 'pending'),
    ]),
    file('041-mirror.test.ts', [
      assertion('completes', 'passed'),
      assertion('steps the clock', 'pending'),
      assertion('plain skip', 'pending'),
    ]),
  ]);
  const skipped = (title: string, reason: string, ancestorTitles: string[] = []): NotRunRecord => ({
    ancestorTitles,
    title,
    reason,
  });
  const notRun = new Map([
    [
      `${ROOT}/__tests__/iotests/206-qcow2-create.test.ts`,
      [skipped('1. defaults', fmtReason), skipped('2. options', fmtReason)],
    ],
    [
      `${ROOT}/__tests__/iotests/041-mirror.test.ts`,
      [skipped('steps the clock', 'requires the qtest accelerator', ['TestSpeed'])],
    ],
  ]);

  test('a file skipped whole is one entry; partial skips are listed per test', () => {
    expect(collectNotRun(aggregated, notRun, ROOT)).toEqual([
      { file: '__tests__/iotests/206-qcow2-create.test.ts', test: undefined, reason: fmtReason },
      {
        file: '__tests__/iotests/041-mirror.test.ts',
        test: 'TestSpeed › steps the clock',
        reason: 'requires the qtest accelerator',
      },
    ]);
  });

  test('the summary reads like check: Not run, then the totals', () => {
    expect(formatSummary(aggregated, notRun, ROOT)).toBe(
      [
        'Not run:',
        `  __tests__/iotests/206-qcow2-create.test.ts: ${fmtReason}`,
        '  __tests__/iotests/041-mirror.test.ts › TestSpeed › steps the clock: requires the qtest accelerator',
        'Passed all 1 iotests',
      ].join('\n'),
    );
  });

  test('failures are named instead of "Passed all"', () => {
    const failed = results([file('218-cancel.test.ts', [assertion('cancels', 'failed')], 1)]);
    expect(formatSummary(failed, new Map(), ROOT)).toBe(
      'Failures: __tests__/iotests/218-cancel.test.ts',
    );
  });

  test('a run failed by its snapshots alone is not called passed', () => {
    const obsolete = results([file('218-cancel.test.ts', [assertion('cancels', 'passed')])], {
      failure: true,
      unchecked: 2,
    });
    expect(formatSummary(obsolete, new Map(), ROOT)).toBe('Snapshots failed the run: 2 obsolete');
  });
});
