import { describe, expect, test } from '@jest/globals';
import type { AggregatedResult, AssertionResult, TestResult } from '@jest/test-result';

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

function results(files: TestResult[]): AggregatedResult {
  const all = files.flatMap((f) => f.testResults);
  return {
    testResults: files,
    numTotalTests: all.length,
    numPendingTests: all.filter((t) => t.status === 'pending').length,
    numTodoTests: all.filter((t) => t.status === 'todo').length,
  } as unknown as AggregatedResult;
}

describe('not-run summary', () => {
  const fmtReason = 'not suitable for this image format: raw';
  const aggregated = results([
    file('206-qcow2-create.test.ts', [
      assertion(`1. defaults [not run: ${fmtReason}]`, 'pending'),
      assertion(`2. options [not run: ${fmtReason}]`, 'pending'),
    ]),
    file('041-mirror.test.ts', [
      assertion('completes', 'passed'),
      assertion('steps the clock [not run: requires the qtest accelerator]', 'pending'),
      assertion('plain skip', 'pending'),
    ]),
  ]);

  test('a file skipped whole is one entry; partial skips are listed per test', () => {
    expect(collectNotRun(aggregated, ROOT)).toEqual([
      { file: '__tests__/iotests/206-qcow2-create.test.ts', test: undefined, reason: fmtReason },
      {
        file: '__tests__/iotests/041-mirror.test.ts',
        test: 'steps the clock',
        reason: 'requires the qtest accelerator',
      },
    ]);
  });

  test('the summary reads like check: Not run, then the totals', () => {
    expect(formatSummary(aggregated, ROOT)).toBe(
      [
        'Not run:',
        `  __tests__/iotests/206-qcow2-create.test.ts: ${fmtReason}`,
        '  __tests__/iotests/041-mirror.test.ts › steps the clock: requires the qtest accelerator',
        'Passed all 1 iotests',
      ].join('\n'),
    );
  });

  test('failures are named instead of "Passed all"', () => {
    const failed = results([file('218-cancel.test.ts', [assertion('cancels', 'failed')], 1)]);
    expect(formatSummary(failed, ROOT)).toBe('Failures: __tests__/iotests/218-cancel.test.ts');
  });
});
