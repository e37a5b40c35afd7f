// The CLI through its testable entry point, against the installed QEMU.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { main, type CliIo } from '../../../src/cli/cli';
import { KNOWN_VARIABLES, type ConfigSource } from '../../../src/config';

let scratch: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'qit-cli-'));
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], env: ConfigSource = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { PATH: process.env.PATH, ...env },
    cwd: scratch,
    cacheDir: path.join(scratch, 'cache'),
  };
  const status = await main(argv, io);
  return { status, stdout, stderr };
}

describe('qemu-iotests info', () => {
  test('prints the check-style header and the probe results', async () => {
    const result = await run(['info']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    const names = lines.map((line) => line.split(' ', 1)[0]);
    expect(names).toEqual([
      'QEMU',
      'QEMU_IMG',
      'QEMU_IO',
      'QEMU_NBD',
      'IMGFMT',
      'IMGPROTO',
      'PLATFORM',
      'TEST_DIR',
      'SOCK_DIR',
      'GDB_OPTIONS',
      'VALGRIND_QEMU',
      'PRINT_QEMU_OUTPUT',
      'QEMU_VERSION',
      'QEMU_RELEASE',
      'IOTESTS_PY',
      'ACCEL',
      'FORMATS',
      'DEVICES',
      'MACHINE',
      'QSD',
      'TOOLS',
      'LUKS',
      'QUORUM',
    ]);
    expect(result.stdout).toMatch(
      /^QEMU {10}-- "\/\S+\/qemu-system-\S+" -nodefaults -display none -accel tcg$/m,
    );
    expect(result.stdout).toContain('no qtest: virtual-clock tests will be skipped');
    expect(result.stdout).toMatch(/^FORMATS {7}-- .*\braw\b.*$/m);
    expect(result.stdout).toContain('LUKS          -- working\n');
    expect(result.stdout).toContain('QUORUM        -- yes\n');
  });

  test('shows the chosen format and its options', async () => {
    const result = await run(['info'], { IMGFMT: 'qcow2', IMGOPTS: 'compat=0.10' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('IMGFMT        -- qcow2 (compat=0.10)\n');
    expect(result.stdout).toContain('--cache writeback --aio threads -f qcow2\n');
  });

  test('--json prints the config and capabilities', async () => {
    const result = await run(['info', '--json']);
    expect(result.status).toBe(0);
    const parsed: unknown = JSON.parse(result.stdout);
    expect(parsed).toMatchObject({
      config: {
        imgfmt: 'raw',
        binaries: { qemuImg: expect.stringMatching(/^\/.*qemu-img$/) },
        qemuOptions: ['-nodefaults', '-display', 'none'],
      },
      capabilities: {
        hasQtest: false,
        accelerator: 'tcg',
        formatsRw: expect.arrayContaining(['raw', 'qcow2']),
        hasVirtioBlk: true,
      },
    });
  });

  test('a ConfigError is one line on stderr, exit 1, no stack', async () => {
    const result = await run(['info'], { CACHEMODE: 'fast' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'qemu-iotests: CACHEMODE="fast": not a cache mode; accepted: none, writeback, writethrough, directsync, unsafe\n',
    );
  });

  test("an IMGFMT outside check's image formats lists them", async () => {
    const result = await run(['info'], { IMGFMT: 'qcow3' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^qemu-iotests: IMGFMT="qcow3": not an image format qemu-iotests tests; accepted: raw, .*\bqcow2\b.*\n$/,
    );
  });

  test('a probe failure is one line too', async () => {
    const result = await run(['info'], { QEMU_OPTIONS: '-no-such-option' });
    expect(result.status).toBe(1);
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(result.stderr).toContain('-no-such-option: invalid option');
  });
});

describe('usage', () => {
  test('--help lists the commands and every variable', async () => {
    for (const argv of [['--help'], ['-h'], ['help'], ['info', '--help']]) {
      const result = await run(argv);
      expect(result.status).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/^Usage: qemu-iotests <command> \[options\]\n/);
      for (const variable of KNOWN_VARIABLES)
        expect(result.stdout).toContain(`  ${variable.name} `);
    }
  });

  test.each([
    [['frobnicate'], 'qemu-iotests: unknown command "frobnicate"'],
    [[], 'qemu-iotests: missing command'],
    [['info', '--yaml'], 'qemu-iotests: unknown option "--yaml" for info'],
  ])('%p is a usage error (exit 2, usage on stderr)', async (argv, first) => {
    const result = await run(argv);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toBe(first);
    expect(result.stderr).toContain('Usage: qemu-iotests <command>');
  });
});

describe('qemu-iotests transcript', () => {
  const snap = (): string => {
    const file = path.join(scratch, 'stored.test.ts.snap');
    fs.writeFileSync(
      file,
      '// Jest Snapshot v1, https://jestjs.io/docs/snapshot-testing\n\n' +
        'exports[`1. first 1`] = `\n{"return": {}}\nback\\`tick \\\\ \\${x}\n\n`;\n\n' +
        'exports[`2. second 1`] = `one line`;\n',
    );
    return file;
  };

  test('prints every entry in file order, or one test, as the bytes it logged', async () => {
    const file = snap();
    expect(await run(['transcript', file])).toEqual({
      status: 0,
      stdout: '{"return": {}}\nback`tick \\ ${x}\none line',
      stderr: '',
    });
    expect((await run(['transcript', file, '2. second'])).stdout).toBe('one line');
    expect((await run(['transcript', file, '1. first 1'])).stdout).toBe(
      '{"return": {}}\nback`tick \\ ${x}\n',
    );
    expect((await run(['transcript', 'stored.test.ts.snap', '--list'])).stdout).toBe(
      '1. first\n2. second\n',
    );
  });

  test('a missing file or test is one line; bad arguments are usage errors', async () => {
    const file = snap();
    expect(await run(['transcript', 'nope.snap'])).toEqual({
      status: 1,
      stdout: '',
      stderr: `qemu-iotests: ${path.join(scratch, 'nope.snap')}: no such snapshot file\n`,
    });
    expect((await run(['transcript', file, 'third'])).stderr).toBe(
      'qemu-iotests: no test named "third" in the snapshot file; its tests: "1. first", "2. second"\n',
    );
    const missing = await run(['transcript']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^qemu-iotests: transcript needs a \.snap file\n/);
    expect((await run(['transcript', file, 'a', 'b'])).status).toBe(2);
    expect((await run(['transcript', file, '--bogus'])).stderr).toContain(
      "Unknown option '--bogus'",
    );
  });
});
