// The generator on the installed QEMU: what the types say about real commands, the cache, the
// shipped 7.2 module (which must equal what the generator makes now, so it cannot go stale),
// and the two ways types reach a project (the package's slot, an augmenting --out file).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import ts from 'typescript';

import { main, type CliIo } from '../../../src/cli/cli';
import { resolveConfig } from '../../../src/config';
import { countDeclared, qmpTypesFor, type QmpTypes } from '../../../src/qapi/provide';
import {
  SHIPPED_RELEASES,
  shippedModuleFile,
  type ShippedRelease,
} from '../../../src/qapi/shipped';
import { consumerCompilerOptions } from '../../support/consumer-compiler-options';
import { findReferenceSource } from '../../support/qemu-reference';

const REPO = path.resolve(__dirname, '../../..');
const binary = resolveConfig({ env: process.env }).binaries.qemu;
const reference = findReferenceSource();
const qapiDir = reference.root === undefined ? undefined : path.join(reference.root, 'qapi');

let scratch: string;
let cold: QmpTypes;

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'qit-qapi-'));
  cold = await qmpTypesFor({ binary, qapiDir, cacheDir: path.join(scratch, 'cache') });
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('the types of the installed QEMU', () => {
  test('declare every command and event, more than 200 commands', () => {
    expect(cold.origin).toBe('generated');
    const { commands, events } = countDeclared(cold.text);
    expect(commands).toBeGreaterThan(200);
    expect(events).toBeGreaterThan(30);
  });

  test("blockdev-add takes the BlockdevOptions union, discriminated by 'driver'", () => {
    const args = /^ {2}'blockdev-add': \{ args: (\w+); returns: Record<string, never> \};$/m.exec(
      cold.text,
    )?.[1];
    expect(args).toBe(qapiDir === undefined ? 'BlockdevAddArguments' : 'BlockdevOptions');
    const union = new RegExp(`^export type ${args} = \\{\\n[^]*?\\n\\);$`, 'm').exec(
      cold.text,
    )?.[0];
    expect(union).toMatch(/\n {2}'node-name'\?: string;\n/);
    expect(union).toMatch(
      /\n {2}\| \(\{ driver: 'file' \| 'host_cdrom' \| 'host_device' \} & \w+\)\n/,
    );
    expect(union).toMatch(/\n {2}\| \(\{ driver: 'qcow2' \} & \w+\)\n/);
  });

  test('query-block returns a list whose items have inserted?.image', () => {
    const item =
      /^ {2}'query-block': \{ args: Record<string, never>; returns: (\w+)\[\] \};$/m.exec(
        cold.text,
      )?.[1];
    const body = (name: string | undefined): string =>
      new RegExp(`^export type ${name} = \\{\\n([^]*?)\\n\\};$`, 'm').exec(cold.text)?.[1] ?? '';
    const inserted = /^ {2}inserted\?: (\w+);$/m.exec(body(item))?.[1];
    expect(body(inserted)).toMatch(/^ {2}image: \w+;$/m);
  });

  test('a second request reads the cache and starts no QEMU', async () => {
    const cached = await qmpTypesFor({ binary, qapiDir, cacheDir: path.join(scratch, 'cache') });
    expect(cached.origin).toBe('cache');
    expect(cached.text).toBe(cold.text);
    expect(cached.elapsedMs).toBeLessThan(cold.elapsedMs);
  });
});

function versionOf(program: string): string | undefined {
  return /version (\S+)/.exec(
    spawnSync(program, ['--version'], { encoding: 'utf8' }).stdout ?? '',
  )?.[1];
}

/** The installed binary of `release` (the system's, or one setup installed) and its QAPI source. */
function releaseUnderTest(release: ShippedRelease): {
  binary?: string;
  qapiDir?: string;
  why?: string;
} {
  const system = versionOf(binary)?.startsWith(`${release}.`) === true;
  let candidate = binary;
  if (!system) {
    try {
      candidate = resolveConfig({ env: { ...process.env, QEMU_RELEASE: release } }).binaries.qemu;
    } catch {
      return { why: `QEMU ${release} is not installed (npm run setup -- --qemu ${release})` };
    }
    if (versionOf(candidate)?.startsWith(`${release}.`) !== true) {
      return { why: `no QEMU ${release} binary (${candidate})` };
    }
  }
  const source = system ? reference : findReferenceSource(release);
  if (source.root === undefined) return { why: `no QAPI source: ${source.reason ?? 'unknown'}` };
  return { binary: candidate, qapiDir: path.join(source.root, 'qapi') };
}

describe.each(SHIPPED_RELEASES.map((release) => [release]))(
  'the shipped QEMU %s types',
  (release) => {
    const under = releaseUnderTest(release);
    if (under.binary === undefined) {
      test.skip(`are what the generator makes now [skipped: ${under.why ?? ''}]`, () => undefined);
      return;
    }
    const releaseBinary = under.binary;
    test(`are what the generator makes now from the installed ${release} and its QAPI source`, async () => {
      // On a difference: npx qemu-iotests types --plain --qapi <source>/qapi --out <this file>
      const fresh = await qmpTypesFor({
        binary: releaseBinary,
        qapiDir: under.qapiDir,
        cacheDir: path.join(scratch, 'cache'),
      });
      const committed = fs.readFileSync(
        path.join(REPO, `src/qapi/generated/qemu-${release}.ts`),
        'utf8',
      );
      expect(fresh.text).toBe(committed);
    });

    test(`stand in for a ${release} binary whose QAPI source is not at hand (same schema digest)`, async () => {
      const types = await qmpTypesFor({
        binary: releaseBinary,
        cacheDir: path.join(scratch, 'no-source'),
      });
      expect(types.origin).toBe('shipped');
      expect(types.text).toBe(fs.readFileSync(shippedModuleFile(release), 'utf8'));
    });
  },
);

describe('qemu-iotests types', () => {
  async function run(argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      env: process.env,
      cwd: scratch,
      typesCacheDir: path.join(scratch, 'cache'),
      typesSlot: path.join(scratch, 'slot', 'current.d.ts'),
    };
    return { status: await main(argv, io), stdout, stderr };
  }

  test('installs the types into the slot the package reads', async () => {
    const result = await run(['types', ...(qapiDir === undefined ? [] : ['--qapi', qapiDir])]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /^QEMU \S+.*: \d+ commands, \d+ events \(cache, \d+ ms\)\ninstalled /,
    );
    expect(fs.readFileSync(path.join(scratch, 'slot', 'current.d.ts'), 'utf8')).toBe(cold.text);
  });

  test('--out writes a module that makes its types the package types where it is compiled', async () => {
    const result = await run(['types', '--out', 'qmp-types.ts']);
    expect(result.status).toBe(0);
    const file = path.join(scratch, 'qmp-types.ts');
    expect(fs.readFileSync(file, 'utf8')).toContain("declare module 'qemu-iotests' {");
    // A consumer file whose QmpCommandName must come from the augmenting module: remove one
    // command there and it must no longer compile.
    const edited = fs.readFileSync(file, 'utf8').replace(/^ {2}'query-block': .*$/m, '');
    fs.writeFileSync(file, edited);
    const consumer = path.join(scratch, 'consumer.ts');
    fs.writeFileSync(
      consumer,
      [
        "import type { QmpCommandName } from 'qemu-iotests';",
        "export const ok: QmpCommandName = 'query-named-block-nodes';",
        "export const gone: QmpCommandName = 'query-block';",
      ].join('\n'),
    );
    const program = ts.createProgram([file, consumer], consumerCompilerOptions('src/index.ts'));
    // Only the consumer is checked (the package's own sources have their typecheck).
    const messages = program
      .getSemanticDiagnostics(program.getSourceFile(consumer))
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    expect(messages).toEqual([`Type '"query-block"' is not assignable to type 'QmpCommandName'.`]);
  });

  test('--plain needs --out', async () => {
    const result = await run(['types', '--plain']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('types: --plain needs --out');
  });
});
