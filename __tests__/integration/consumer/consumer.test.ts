// The package as users get it: built, packed with `npm pack`, installed from the tarball into a
// scratch project next to jest and typescript, and used there with `npx jest --preset qemu-iotests`
// and `npx tsc`, exactly as the README tells a user. Nothing here reaches into the repository's
// sources: what the tarball lacks, this test lacks.
//
// Needs the npm registry for the consumer's own dependencies; skipped (with the reason in the
// title) only when `npm ping` shows the registry is unreachable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import {
  type CommandResult,
  REPO_ROOT,
  copyFixtures,
  leftoversOf,
  packPackage,
  processesMentioning,
  probeRegistry,
  runCommand,
  runDirsFromHeader,
  runOrThrow,
  userEnv,
  writeConsumerPackageJson,
} from './consumer-project';
import { fencedBlocks, readmeSection } from '../../support/readme';

const FIXTURES = path.join(__dirname, 'fixtures');
// What examples/ may hold: the ports, their snapshots, and the two files that make them runnable.
const SHIPPED_EXAMPLES =
  /^examples\/(package\.json|jest\.config\.js|__tests__\/iotests\/[^/]+\.test\.ts|__snapshots__\/(qemu-[^/]+\/)?[^/]+\/__tests__\/iotests\/[^/]+\.test\.ts\.snap)$/;

/** The examples/ files the tarball must hold, from the repository's suite and snapshots. */
function expectedExamples(): string[] {
  const ports = fs
    .readdirSync(path.join(REPO_ROOT, '__tests__/iotests'))
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => `examples/__tests__/iotests/${name}`);
  // Every stored reference: per format, and per QEMU release where that release's differ.
  const snapshots = fs
    .readdirSync(path.join(REPO_ROOT, '__snapshots__'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.snap'))
    .map((name) => `examples/__snapshots__/${name}`);
  return [...ports, ...snapshots, 'examples/jest.config.js', 'examples/package.json'].sort();
}
const TEST_FILE = '__tests__/iotests/example.test.ts';
const SNAPSHOT_FILE = '__snapshots__/qcow2/__tests__/iotests/example.test.ts.snap';
const SNAPSHOT_TEST = 'creates and inspects a block node';
const REALM_TEST = 'an unknown command is a QmpCommandError';
const SKIPPED_TEST = 'needs the vdi format';
const SKIP_REASON = 'not suitable for this image format: qcow2';
// The fixture's transcript, as an NNN.out would hold it: raw lines, scratch paths filtered.
const TRANSCRIPT = [
  '{"execute": "blockdev-create", "arguments": {"job-id": "job0", "options": {"driver": "file", "filename": "TEST_DIR/PID-t.img", "size": 0}}}',
  '{"return": {}}',
  '{"execute": "job-dismiss", "arguments": {"id": "job0"}}',
  '{"return": {}}',
  '',
  '{"execute": "blockdev-add", "arguments": {"driver": "file", "filename": "TEST_DIR/PID-t.img", "node-name": "imgfile"}}',
  '{"return": {}}',
  'done',
  '',
].join('\n');

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Every file under `dir`, relative, sorted. */
function listTree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

const SETUP_TIMEOUT_MS = 10 * 60_000; // build + pack + npm install; install alone is ~10-60 s
const RUN_TIMEOUT_MS = 3 * 60_000; // one `jest` or `tsc` run in the consumer
const TEST_TIMEOUT_MS = 6 * 60_000; // a test does up to four runs

const registry = probeRegistry();
const describeIfRegistry = registry.reachable ? describe : describe.skip;
let title = 'qemu-iotests packed and installed in a consumer project';
if (!registry.reachable) {
  title += ` [skipped: ${registry.reason}]`;
  // Jest does not list the titles of a file whose tests are all skipped: say it here too.
  console.warn(`consumer test skipped: ${registry.reason}`);
}

describeIfRegistry(title, () => {
  let workDir: string;
  let consumerDir: string;
  let packedFiles: readonly string[];
  let tarball: string;
  const timings: Record<string, number> = {};
  // Every directory a preset run printed in its header (and the consumer itself), for the check
  // that nothing outlives the runs.
  const runDirs: string[] = [];

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qemu-iotests-consumer-'));
    consumerDir = path.join(workDir, 'consumer');
    fs.mkdirSync(consumerDir);
    // Another engineer's edits may have made dist/ stale: build what is in the tree now.
    const build = await runOrThrow(process.execPath, ['scripts/setup.js', '--quiet'], {
      cwd: REPO_ROOT,
      timeoutMs: SETUP_TIMEOUT_MS,
    });
    timings.build = build.durationMs;
    const packed = await packPackage(workDir);
    timings.pack = packed.durationMs;
    packedFiles = packed.files;
    tarball = packed.tarball;
    writeConsumerPackageJson(consumerDir, packed.tarball);
    const install = await runOrThrow(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline'],
      { cwd: consumerDir, timeoutMs: SETUP_TIMEOUT_MS },
    );
    timings.install = install.durationMs;
    copyFixtures(FIXTURES, consumerDir, {
      'example-iotest.ts': TEST_FILE,
      'tsconfig.json': 'tsconfig.json',
      'tsconfig.nodenext.json': 'tsconfig.nodenext.json',
      'tsconfig.without-types.json': 'tsconfig.without-types.json',
      'tsconfig.wrong.json': 'tsconfig.wrong.json',
      'types/globals-style.ts': 'types/globals-style.ts',
      'types/global-style.ts': 'types/global-style.ts',
      'types/qmp-types.ts': 'types/qmp-types.ts',
      'types/deprecated-names.ts': 'types/deprecated-names.ts',
      'type-errors/wrong-matcher-call.ts': 'type-errors/wrong-matcher-call.ts',
    });
  }, SETUP_TIMEOUT_MS);

  afterAll(() => {
    if (workDir !== undefined) fs.rmSync(workDir, { recursive: true, force: true });
    console.log(`consumer test timings (ms): ${JSON.stringify(timings)}`);
  });

  /** `npx <args>` in the consumer, with a user's environment and IMGFMT=qcow2. */
  function npx(args: readonly string[]): Promise<CommandResult> {
    return runCommand('npx', args, {
      cwd: consumerDir,
      env: userEnv({ IMGFMT: 'qcow2' }),
      timeoutMs: RUN_TIMEOUT_MS,
    });
  }

  /**
   * `npx jest --preset qemu-iotests <args>`, not in CI mode unless asked (an inherited CI=true
   * would otherwise refuse to write new snapshots). Checks that the run printed the header and
   * left neither its directories nor a process behind.
   */
  async function jest(label: string, args: readonly string[] = []): Promise<CommandResult> {
    const ciFlag = args.some((arg) => arg.startsWith('--ci')) ? [] : ['--ci=false'];
    const result = await npx(['jest', '--preset', 'qemu-iotests', ...ciFlag, ...args]);
    timings[`jest ${label}`] = result.durationMs;
    // The check-like header goes to stderr: stdout stays clean for --json.
    expect(result.stderr).toMatch(/^QEMU\s+-- ".*qemu-system-[^"]*"/m);
    expect(result.stderr).toMatch(/^IMGFMT\s+-- qcow2$/m);
    expect(result.stderr).toMatch(/^QEMU_VERSION\s+-- QEMU emulator version /m);
    const { testDir, sockDir } = runDirsFromHeader(result.stderr);
    runDirs.push(testDir, sockDir);
    expect(await leftoversOf([testDir, sockDir])).toEqual([]);
    return result;
  }

  function readSnapshot(): string {
    return fs.readFileSync(path.join(consumerDir, SNAPSHOT_FILE), 'utf8');
  }

  /** Run `work` and put the test file and its snapshot back as they were, whatever happens. */
  async function restoringFixture(work: () => Promise<void>): Promise<void> {
    const testFile = path.join(consumerDir, TEST_FILE);
    const snapshotFile = path.join(consumerDir, SNAPSHOT_FILE);
    const source = fs.readFileSync(testFile, 'utf8');
    const snapshot = fs.existsSync(snapshotFile)
      ? fs.readFileSync(snapshotFile, 'utf8')
      : undefined;
    try {
      await work();
    } finally {
      fs.writeFileSync(testFile, source);
      if (snapshot === undefined) fs.rmSync(snapshotFile, { force: true });
      else fs.writeFileSync(snapshotFile, snapshot);
    }
  }

  /** The snapshot as the first run writes it, so each test can also run alone (`-t`). */
  async function ensureSnapshot(): Promise<void> {
    if (fs.existsSync(path.join(consumerDir, SNAPSHOT_FILE))) return;
    const result = await jest('write snapshot');
    expect(result.exitCode).toBe(0);
  }

  test('the tarball holds the compiled package, and every entry point resolves from a consumer', async () => {
    for (const file of [
      'package.json',
      'README.md',
      'jest-preset.js',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/jest/vm-global.d.ts',
      'dist/matchers/typings.d.ts',
      'dist/src/cli/main.js',
      // The binary and release tables the config layer reads at run time (setup.js reads their
      // source copies).
      'dist/src/config/qemu-binaries.json',
      'dist/src/config/qemu-releases.json',
    ]) {
      expect(packedFiles).toContain(file);
    }
    const stray = packedFiles.filter(
      (file) =>
        !['package.json', 'README.md', 'jest-preset.js'].includes(file) &&
        !['dist/src/config/qemu-binaries.json', 'dist/src/config/qemu-releases.json'].includes(
          file,
        ) &&
        !(file.startsWith('dist/') && /\.(js|js\.map|d\.ts)$/.test(file)) &&
        // The sources the shipped source maps name, so stack frames point at shipped files.
        !/^src\/.*\.(ts|json)$/.test(file) &&
        !/^matchers\/[^/]+\.ts$/.test(file) &&
        !SHIPPED_EXAMPLES.test(file),
    );
    expect(stray).toEqual([]);
    // Every port of the bundled suite ships as an example, with every stored reference output.
    expect(packedFiles.filter((file) => file.startsWith('examples/')).sort()).toEqual(
      expectedExamples(),
    );

    // Every export, main, types and bin target is in the installed package, and Node resolves
    // every subpath the exports map offers.
    const resolved = await runOrThrow(
      process.execPath,
      [
        '-e',
        `const pkg = require('qemu-iotests/package.json');
         const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin)];
         const collect = (v) => typeof v === 'string' ? targets.push(v) : Object.values(v).forEach(collect);
         collect(pkg.exports);
         const fs = require('node:fs'), path = require('node:path');
         const root = path.dirname(require.resolve('qemu-iotests/package.json'));
         const missing = targets.filter((t) => !fs.existsSync(path.join(root, t)));
         const unresolved = Object.keys(pkg.exports).filter((key) => {
           try { require.resolve('qemu-iotests' + key.slice(1)); return false; } catch { return true; }
         });
         console.log(JSON.stringify({ missing, unresolved, keys: Object.keys(pkg.exports) }));`,
      ],
      { cwd: consumerDir, timeoutMs: RUN_TIMEOUT_MS },
    );
    const report = JSON.parse(resolved.stdout) as {
      missing: string[];
      unresolved: string[];
      keys: string[];
    };
    expect(report.missing).toEqual([]);
    expect(report.unresolved).toEqual([]);
    expect(report.keys).toEqual(expect.arrayContaining(['.', './jest-preset', './matchers']));
  });

  test(
    'jest --preset qemu-iotests runs the file: header, skip with reason, snapshot as an NNN.out',
    async () => {
      fs.rmSync(path.join(consumerDir, '__snapshots__'), { recursive: true, force: true });
      const result = await jest('first run', ['--verbose']);
      expect(result.exitCode).toBe(0);
      expect(result.output).toContain(`✓ ${SNAPSHOT_TEST}`);
      expect(result.output).toContain(`✓ ${REALM_TEST}`);
      // The title stays the test's own; the reason is in the preset reporter's line as the file
      // ends and in its "Not run:" summary.
      expect(result.output).toContain(`○ skipped ${SKIPPED_TEST}\n`);
      expect(result.output).toContain(`not run: ${TEST_FILE} › ${SKIPPED_TEST}: ${SKIP_REASON}`);
      expect(result.output).toContain(`Not run:\n  ${TEST_FILE} › ${SKIPPED_TEST}: ${SKIP_REASON}`);
      expect(result.output).toMatch(/Tests: +1 skipped, 2 passed, 3 total/);
      expect(result.output).toMatch(/Snapshots: +1 written, 1 total/);

      // One tree per image format at the project's top, and no __snapshots__ beside the test.
      expect(readSnapshot()).toBe(
        '// Jest Snapshot v1, https://jestjs.io/docs/snapshot-testing\n\n' +
          `exports[\`${SNAPSHOT_TEST} 1\`] = \`\n${TRANSCRIPT}\n\`;\n`,
      );
      expect(fs.existsSync(path.join(consumerDir, '__tests__/iotests/__snapshots__'))).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'a changed transcript fails with a diff until -u updates the snapshot',
    async () => {
      await ensureSnapshot();
      await restoringFixture(async () => {
        const testFile = path.join(consumerDir, TEST_FILE);
        const source = fs.readFileSync(testFile, 'utf8');
        const changed = source.replace(
          "iotests.log('done');",
          "iotests.log('done');\n  iotests.log('one more line');",
        );
        expect(changed).not.toBe(source);
        fs.writeFileSync(testFile, changed);

        const failing = await jest('changed transcript');
        expect(failing.exitCode).toBe(1);
        expect(failing.output).toContain(`✕ ${SNAPSHOT_TEST}`);
        expect(failing.output).toMatch(/^\s+\+ one more line$/m);
        expect(failing.output).toMatch(/Snapshots: +1 failed, 1 total/);
        expect(readSnapshot()).not.toContain('one more line');

        const updating = await jest('-u', ['-u']);
        expect(updating.exitCode).toBe(0);
        expect(updating.output).toMatch(/Snapshots: +1 updated, 1 total/);
        expect(readSnapshot()).toContain('done\none more line\n');

        const passing = await jest('after -u');
        expect(passing.exitCode).toBe(0);
        expect(passing.output).toMatch(/Snapshots: +1 passed, 1 total/);
      });
    },
    TEST_TIMEOUT_MS,
  );

  test(
    '--ci does not write a missing snapshot',
    async () => {
      await ensureSnapshot();
      await restoringFixture(async () => {
        fs.rmSync(path.join(consumerDir, SNAPSHOT_FILE));
        const result = await jest('--ci', ['--ci']);
        expect(result.exitCode).toBe(1);
        expect(result.output).toContain('New snapshot was not written');
        expect(fs.existsSync(path.join(consumerDir, SNAPSHOT_FILE))).toBe(false);
      });
    },
    TEST_TIMEOUT_MS,
  );

  test(
    '-t runs one test alone, as an IDE does, and leaves the snapshot as it is',
    async () => {
      await ensureSnapshot();
      const before = readSnapshot();
      const result = await jest('-t', [
        '--verbose',
        '--runTestsByPath',
        TEST_FILE,
        '-t',
        `^${REALM_TEST}$`,
      ]);
      expect(result.exitCode).toBe(0);
      expect(result.output).toContain(`✓ ${REALM_TEST}`);
      expect(result.output).toContain(`○ skipped ${SNAPSHOT_TEST}`);
      expect(result.output).toMatch(/Tests: +2 skipped, 1 passed, 3 total/);
      // Filtered out is not "not run": no reason, no summary line.
      expect(result.output).not.toContain('Not run:');
      expect(result.output).not.toContain('obsolete');
      expect(readSnapshot()).toBe(before);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "global setup puts the tested QEMU's QMP types where the package's types read them",
    async () => {
      const slot = path.join(consumerDir, 'node_modules/qemu-iotests/dist/src/qapi/current.d.ts');
      // The slot as built: a re-export of the shipped module. A run replaces it with a whole one.
      fs.writeFileSync(slot, "export type * from './generated/qemu-7.2';\n");
      const result = await jest('installs QMP types');
      expect(result.exitCode).toBe(0);
      expect(result.stderr).not.toContain('QMP types not updated');
      expect(fs.readFileSync(slot, 'utf8')).toMatch(/^export interface QmpCommands \{$/m);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'a strict tsconfig with "types": [..., "qemu-iotests"] type-checks both expect styles; a wrong call does not compile',
    async () => {
      const tsc = async (label: string, project: string): Promise<CommandResult> => {
        const result = await npx(['tsc', '--noEmit', '-p', project]);
        timings[`tsc ${label}`] = result.durationMs;
        return result;
      };

      // The consumer's tsconfig covers both styles, the example test itself and a test written
      // with the deprecated spellings, which the shipped declarations mark as such.
      const commonjs = await tsc('commonjs', '.');
      expect(commonjs.stdout).toBe('');
      expect(commonjs.exitCode).toBe(0);
      const nodenext = await tsc('nodenext', 'tsconfig.nodenext.json');
      expect(nodenext.stdout).toBe('');
      expect(nodenext.exitCode).toBe(0);
      const declarations = fs.readFileSync(
        path.join(consumerDir, 'node_modules/qemu-iotests/dist/src/index.d.ts'),
        'utf8',
      );
      expect(declarations).toContain(
        "/** @deprecated Use `iotests.qemuImgCreate`. */\nexport declare const qemuImgCreate: Iotests['qemuImgCreate'];",
      );

      // Leave "qemu-iotests" out of "types" and a file importing nothing loses `vm` and the
      // matchers: the entry is needed, not decoration.
      const withoutTypes = await tsc('without types entry', 'tsconfig.without-types.json');
      expect(withoutTypes.exitCode).toBe(2);
      expect(withoutTypes.stdout).toContain("error TS2304: Cannot find name 'vm'.");
      expect(withoutTypes.stdout).toContain("Property 'toMatchQmp' does not exist");

      // Exactly one error, on the wrong argument, not on a missing matcher (TS2339).
      const wrongFile = 'type-errors/wrong-matcher-call.ts';
      const wrongLine =
        fs
          .readFileSync(path.join(consumerDir, wrongFile), 'utf8')
          .split('\n')
          .findIndex((line) => line.includes('toHaveBlockPath(')) + 1;
      const wrong = await tsc('wrong call', 'tsconfig.wrong.json');
      expect(wrong.exitCode).toBe(2);
      const errors = wrong.stdout.split('\n').filter((line) => line.includes('error TS'));
      expect(errors).toEqual([expect.stringContaining(`${wrongFile}(${wrongLine},`)]);
      expect(errors[0]).toContain('error TS2345');
      expect(errors[0]).toContain('`/${string}`');
    },
    TEST_TIMEOUT_MS,
  );

  // ---- A second project, made from the README alone ----

  /**
   * The README's quick start, run as written (its first shell block, then its first test file
   * where it says, then its run command): only the install line's package name becomes the
   * tarball, and npm may use its cache. Done once; later tests reuse the project.
   */
  let readmeProject: Promise<{ dir: string; first: CommandResult }> | undefined;
  function fromReadme(): Promise<{ dir: string; first: CommandResult }> {
    readmeProject ??= (async () => {
      const quickStart = readmeSection('## Quick start');
      const [install, run] = fencedBlocks(quickStart, 'sh');
      const [firstTest] = fencedBlocks(quickStart, 'ts');
      const testPath = /first test in `([^`]+)`/.exec(quickStart)?.[1];
      expect(testPath).toBe('__tests__/first.test.ts');
      const script = install.replace(
        /^npm i -D qemu-iotests (.*)$/m,
        (_line, rest: string) =>
          `npm i -D ${shellQuote(tarball)} ${rest} --no-audit --no-fund --prefer-offline`,
      );
      expect(script).not.toBe(install);
      const made = await runOrThrow('sh', ['-euc', script], {
        cwd: workDir,
        env: userEnv(),
        timeoutMs: SETUP_TIMEOUT_MS,
      });
      timings['readme install'] = made.durationMs;
      const dir = path.join(workDir, /^mkdir (\S+)/m.exec(install)?.[1] ?? '');
      fs.mkdirSync(path.join(dir, path.dirname(testPath ?? '')), { recursive: true });
      fs.writeFileSync(path.join(dir, testPath ?? ''), firstTest);
      // No IMGFMT and no Jest config: what a user's shell has after the quick start.
      const first = await runCommand('sh', ['-euc', run], {
        cwd: dir,
        env: userEnv(),
        timeoutMs: RUN_TIMEOUT_MS,
      });
      timings['readme first run'] = first.durationMs;
      return { dir, first };
    })();
    return readmeProject;
  }

  test(
    "a project made from the README's quick start alone passes on the first try",
    async () => {
      const { dir, first } = await fromReadme();
      expect(first.output).toMatch(/Tests: +1 passed, 1 total/);
      expect(first.output).toMatch(/Snapshots: +1 written, 1 total/);
      expect(first.exitCode).toBe(0);
      expect(first.stderr).toMatch(/^IMGFMT\s+-- raw$/m);
      // Where the README says the reference output lands, holding what it shows.
      const snapshot = fs.readFileSync(
        path.join(dir, '__snapshots__/raw/__tests__/first.test.ts.snap'),
        'utf8',
      );
      const [shown] = fencedBlocks(readmeSection('## Quick start'), '');
      expect(snapshot).toContain(`\n${shown}`);
      // typescript@5 gave a TypeScript ts-jest accepts.
      const installed = JSON.parse(
        fs.readFileSync(path.join(dir, 'node_modules/typescript/package.json'), 'utf8'),
      ) as { version: string };
      expect(installed.version).toMatch(/^5\./);

      const again = await runCommand('npx', ['jest', '--preset', 'qemu-iotests'], {
        cwd: dir,
        env: userEnv(),
        timeoutMs: RUN_TIMEOUT_MS,
      });
      expect(again.exitCode).toBe(0);
      expect(again.output).toMatch(/Snapshots: +1 passed, 1 total/);
      runDirs.push(...Object.values(runDirsFromHeader(again.stderr)));
    },
    SETUP_TIMEOUT_MS,
  );

  test(
    'the shipped examples run from that project as the README says, against their references',
    async () => {
      const { dir } = await fromReadme();
      const [command] = fencedBlocks(readmeSection('### Examples'), 'sh');
      expect(command).toContain('node_modules/qemu-iotests/examples/jest.config.js --ci');
      const examples = path.join(dir, 'node_modules/qemu-iotests/examples');
      const before = listTree(examples);
      const result = await runCommand('sh', ['-euc', command], {
        cwd: dir,
        env: userEnv(),
        timeoutMs: RUN_TIMEOUT_MS,
      });
      timings['jest examples'] = result.durationMs;
      expect(result.output).toMatch(/PASS .*examples\/__tests__\/iotests\/206-qcow2-create/);
      expect(result.output).toMatch(/PASS .*examples\/__tests__\/iotests\/228-backing-filename/);
      expect(result.output).toMatch(/Test Suites: +2 passed, 2 total/);
      // Compared with the shipped reference outputs (none written, none missing).
      expect(result.output).toMatch(/Snapshots: +14 passed, 14 total/);
      expect(result.exitCode).toBe(0);
      expect(listTree(examples)).toEqual(before);
      runDirs.push(...Object.values(runDirsFromHeader(result.stderr)));
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'references: a skip keeps its snapshot under -u, a plain reference file, a forgotten await',
    async () => {
      const place = (fixture: string, target: string): string => {
        copyFixtures(FIXTURES, consumerDir, { [fixture]: target });
        return target;
      };
      const references = place('references-iotest.ts', '__tests__/iotests/references.test.ts');
      const forgetful = place('missing-await-iotest.ts', '__tests__/iotests/missing-await.test.ts');
      try {
        const first = await jest('references', ['--runTestsByPath', references]);
        expect(first.exitCode).toBe(0);
        const snapshot = path.join(consumerDir, '__snapshots__/qcow2', `${references}.snap`);
        const stored = fs.readFileSync(snapshot, 'utf8');
        expect(
          fs.readFileSync(path.join(consumerDir, '__tests__/iotests/references.out'), 'utf8'),
        ).toBe('{"execute": "query-name", "arguments": {}}\n{"return": {}}\n');

        const skipped = await runCommand(
          'npx',
          ['jest', '--preset', 'qemu-iotests', '-u', '--runTestsByPath', references],
          {
            cwd: consumerDir,
            env: userEnv({ IMGFMT: 'qcow2', IMGOPTS: 'compat=0.10' }),
            timeoutMs: RUN_TIMEOUT_MS,
          },
        );
        expect(skipped.exitCode).toBe(0);
        expect(skipped.output).not.toMatch(/obsolete|removed/);
        expect(skipped.output).toContain('not suitable for this imgopts: compat=0.10');
        expect(fs.readFileSync(snapshot, 'utf8')).toBe(stored);

        const forgot = await jest('missing await', ['--runTestsByPath', forgetful]);
        expect(forgot.exitCode).toBe(1);
        expect(forgot.output).toContain('✕ forgets an await');
        expect(forgot.output).toMatch(/\(missing await\?\):\n\s+vm\.qmpLog\('query-status'\)/);
        expect(forgot.output).toContain('✓ sees only its own output');
      } finally {
        for (const file of [
          references,
          forgetful,
          '__tests__/iotests/references.out',
          `__snapshots__/qcow2/${references}.snap`,
        ]) {
          fs.rmSync(path.join(consumerDir, file), { force: true });
        }
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'nothing outlives the runs: no QEMU, no Jest worker, no scratch or socket directory',
    async () => {
      // Each run was checked as it ended; this looks again once all are done (and runs one
      // when this test runs alone).
      if (runDirs.length === 0) expect((await jest('leftover check')).exitCode).toBe(0);
      expect(await leftoversOf(runDirs)).toEqual([]);
      expect(await processesMentioning([consumerDir])).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
