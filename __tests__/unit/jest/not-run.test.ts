import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';

import type * as requirements from '../../../src/iotests/requirements';
import { NotRunError } from '../../../src/iotests/requirements';
import {
  NOT_RUN_LEDGER_VARIABLE,
  closeNotRunLedger,
  isNotRun,
  notRunLedgerDir,
  openNotRunLedger,
  takeNotRun,
  writeNotRun,
} from '../../../src/jest/not-run';

describe('the not-run ledger between the environment and the reporter', () => {
  const saved = process.env[NOT_RUN_LEDGER_VARIABLE];
  let tmp: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'not-run-'));
    process.env.TMPDIR = tmp; // userTempDir() follows os.tmpdir()
    openNotRunLedger();
  });

  afterEach(() => {
    closeNotRunLedger();
    if (saved === undefined) delete process.env[NOT_RUN_LEDGER_VARIABLE];
    else process.env[NOT_RUN_LEDGER_VARIABLE] = saved;
    delete process.env.TMPDIR;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const record = { ancestorTitles: ['outer'], title: 'creates', reason: 'no qtest' };

  test('a file records its skipped tests; the reporter takes them once', () => {
    expect(process.env[NOT_RUN_LEDGER_VARIABLE]).toBe(notRunLedgerDir());
    writeNotRun('/project/a.test.ts', [record]);
    expect(takeNotRun('/project/b.test.ts')).toEqual([]);
    expect(takeNotRun('/project/a.test.ts')).toEqual([record]);
    expect(takeNotRun('/project/a.test.ts')).toEqual([]);
  });

  test('closing removes the ledger; without one nothing is written or read', () => {
    const dir = notRunLedgerDir();
    closeNotRunLedger();
    expect(fs.existsSync(dir)).toBe(false);
    writeNotRun('/project/a.test.ts', [record]);
    expect(takeNotRun('/project/a.test.ts')).toEqual([]);
  });

  test('malformed entries on disk are dropped, well-formed ones kept', () => {
    writeNotRun('/project/a.test.ts', [record]);
    const [file] = fs.readdirSync(notRunLedgerDir());
    fs.writeFileSync(
      path.join(notRunLedgerDir(), file),
      JSON.stringify([record, { title: 1 }, null, { ...record, ancestorTitles: [2] }]),
    );
    expect(takeNotRun('/project/a.test.ts')).toEqual([record]);
    writeNotRun('/project/a.test.ts', [record]);
    fs.writeFileSync(path.join(notRunLedgerDir(), file), '{not json');
    expect(takeNotRun('/project/a.test.ts')).toEqual([]);
  });
});

describe('isNotRun', () => {
  test('recognises NotRunError, also from another copy of the module', () => {
    let foreign: unknown;
    jest.isolateModules(() => {
      // A second module instance, as Jest's registry gives each test file.
      const copy = jest.requireActual<typeof requirements>('../../../src/iotests/requirements');
      expect(copy.NotRunError).not.toBe(NotRunError);
      foreign = new copy.NotRunError('no qtest');
    });
    expect(isNotRun(new NotRunError('x'))).toBe(true);
    expect(isNotRun(foreign)).toBe(true);
    expect(isNotRun(new Error('not run: x'))).toBe(false);
    expect(isNotRun(undefined)).toBe(false);
  });
});
