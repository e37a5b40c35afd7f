// The real bin file: the one package.json names, built by setup as for every user, run as a
// separate node process.
import fs from 'node:fs';
import path from 'node:path';
import execa from 'execa';
import { beforeAll, describe, expect, test } from '@jest/globals';

import { ROOT, buildDist } from '../../faults/support/jest-child';

const bin = path.join(ROOT, 'dist/src/cli/main.js');

beforeAll(() => buildDist(), 150_000);

function runBin(args: string[], env: Record<string, string> = {}): Promise<execa.ExecaReturnValue> {
  return execa(process.execPath, [bin, ...args], {
    reject: false,
    timeout: 60_000,
    cwd: ROOT,
    env,
  });
}

describe('qemu-iotests bin', () => {
  test('package.json points the bin at the compiled src/cli/main.ts, which has a shebang', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(pkg.bin['qemu-iotests']).toBe('./dist/src/cli/main.js');
    expect(fs.readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  test('info exits 0 with the header', async () => {
    const result = await runBin(['info']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^QEMU {10}-- "/);
    expect(result.stdout).toContain('no qtest: virtual-clock tests will be skipped');
  });

  test('an unknown command exits 2 with usage on stderr', async () => {
    const result = await runBin(['bogus']);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Usage: qemu-iotests');
  });

  test('a bad variable exits 1 with one line and no stack trace', async () => {
    const result = await runBin(['info'], { AIOMODE: 'posix' });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      'qemu-iotests: AIOMODE="posix": not an AIO mode; accepted: threads, native, io_uring',
    );
  });
});
