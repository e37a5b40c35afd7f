import { describe, expect, test } from '@jest/globals';
import execa from 'execa';
import { join } from 'node:path';

// Jest replaces process-level 'unhandledRejection' listeners while tests run (and fails the test
// itself on one), so the listener this needs lives in a separate Node process. It loads the
// TypeScript sources through the compiler's transpileModule, as ts-jest does.
const PROBE = join(__dirname, 'unhandled-rejection-probe.ts');
const LOADER = `
const ts = require(${JSON.stringify(require.resolve('typescript'))});
const fs = require('node:fs');
require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};
require(${JSON.stringify(PROBE)});
`;

interface ProbeReport {
  unhandled?: string[];
  scenarios?: number;
  failed?: string;
}

async function runProbe(control: boolean): Promise<ProbeReport> {
  const { stdout } = await execa(process.execPath, ['-e', LOADER], {
    env: { PROBE_CONTROL: control ? '1' : '0' },
    timeout: 60_000,
  });
  const lastLine = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(lastLine) as ProbeReport;
}

describe('no unhandled rejections (process-level listener in a child process)', () => {
  test('every failure path of the client leaves nothing unhandled', async () => {
    const report = await runProbe(false);
    expect(report.failed).toBeUndefined();
    expect(report.scenarios).toBe(6);
    expect(report.unhandled).toEqual([]);
  });

  test('control: the probe does report a deliberate unhandled rejection', async () => {
    const report = await runProbe(true);
    expect(report.unhandled).toEqual(['Error: deliberately unhandled']);
  });
});
