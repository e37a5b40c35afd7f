// Runs Jest as a child process with the preset (built dist/) on fixture test files, the way a user
// runs it, so that faults of the Jest process itself (signals, --bail, crashing workers) can be
// observed from outside: its exit, its output, its JSON results and what it left behind.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { FormattedTestResults } from '@jest/test-result';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '../../..');
/** The fixture test files of the fault suite. */
export const FIXTURES = path.join(__dirname, '../fixtures');

const JEST_BIN = require.resolve('jest/bin/jest', { paths: [ROOT] });

/** Builds dist/ when stale: the preset runs the compiled library. */
export function buildDist(): void {
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/setup.js'), '--quiet'], {
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`setup failed: ${build.stdout}${build.stderr}`);
}

/** Where a run keeps its scratch: explicit TEST_DIR/SOCK_DIR, or the per-run defaults. */
export type RunDirs =
  { kind: 'explicit'; testDir: string; sockDir: string } | { kind: 'default'; tmpDir: string };

/** What to run. */
export interface JestRunOptions {
  /** testMatch globs, relative to rootDir. */
  testMatch: string[];
  /** The project directory (default: the fault suite's fixtures). */
  rootDir?: string;
  dirs: RunDirs;
  args?: string[];
  /** More Jest configuration (e.g. testSequencer). */
  config?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** Start Jest under this umask (e.g. '000'), through /bin/sh. */
  umask?: string;
  /** Bound on the whole run; the child is SIGKILLed past it (default 120 s). */
  timeoutMs?: number;
  /** Called with the child's pid once `marker` has appeared `markerCount` times in its output. */
  onMarker?: { marker: string; count: number; act: (jestPid: number) => void };
}

/** How a run ended, and where to look for leftovers. */
export interface JestRun {
  pid: number;
  status: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  /** Jest's --json results; undefined when Jest died before writing them. */
  results: FormattedTestResults | undefined;
  resultsText: string;
  /** The run's TEST_DIR and SOCK_DIR (the defaults pinned for its pid, or the explicit ones). */
  testDir: string;
  sockDir: string;
  ms: number;
}

/** The default TEST_DIR/SOCK_DIR global setup pins for a Jest parent (see src/config/directories). */
export function defaultRunDirs(
  tmpDir: string,
  jestPid: number,
): { testDir: string; sockDir: string } {
  const uid = String(process.getuid?.() ?? os.userInfo().username);
  return {
    testDir: path.join(tmpDir, `qemu-iotests-${uid}`, `run-${jestPid}`),
    sockDir: path.join('/tmp', `qemu-iotests-${uid}-${jestPid}`),
  };
}

/** Runs Jest on fixtures with the preset; never rejects for a failing run, only for a hang. */
export function runJest(options: JestRunOptions): Promise<JestRun> {
  const rootDir = options.rootDir ?? FIXTURES;
  const outputFile = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), 'faults-json-')),
    'results.json',
  );
  const config = {
    rootDir,
    preset: path.join(ROOT, 'jest-preset.js'),
    testMatch: options.testMatch,
    moduleNameMapper: { '^qemu-iotests$': path.join(ROOT, 'dist/src/index.js') },
    ...options.config,
  };
  const env: NodeJS.ProcessEnv = { ...process.env, IMGFMT: 'qcow2' };
  // The outer Jest's own markers must not leak into the run under test.
  delete env.JEST_WORKER_ID;
  if (options.dirs.kind === 'explicit') {
    env.TEST_DIR = options.dirs.testDir;
    env.SOCK_DIR = options.dirs.sockDir;
  } else {
    delete env.TEST_DIR;
    delete env.SOCK_DIR;
    env.TMPDIR = options.dirs.tmpDir;
  }
  Object.assign(env, options.env);
  const args = [
    JEST_BIN,
    '--config',
    JSON.stringify(config),
    '--json',
    '--outputFile',
    outputFile,
    '--verbose',
    ...(options.args ?? []),
  ];
  const started = performance.now();
  // With a umask, sh sets it and execs node: the child's pid stays Jest's.
  const child =
    options.umask === undefined
      ? spawn(process.execPath, args, { cwd: rootDir, env, stdio: 'pipe' })
      : spawn(
          '/bin/sh',
          ['-c', `umask ${options.umask} && exec "$0" "$@"`, process.execPath, ...args],
          { cwd: rootDir, env, stdio: 'pipe' },
        );
  const pid = child.pid as number;
  let output = '';
  let acted = false;
  const onData = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    const marker = options.onMarker;
    if (marker !== undefined && !acted && output.split(marker.marker).length - 1 >= marker.count) {
      acted = true;
      marker.act(pid);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const limit = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`jest did not finish within ${limit} ms; output so far:\n${output}`));
    }, limit);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      let resultsText = '';
      try {
        resultsText = fs.readFileSync(outputFile, 'utf8');
      } catch {
        // Jest died before writing its results.
      }
      fs.rmSync(path.dirname(outputFile), { recursive: true, force: true });
      const dirs =
        options.dirs.kind === 'explicit' ? options.dirs : defaultRunDirs(options.dirs.tmpDir, pid);
      resolve({
        pid,
        status,
        signal,
        output,
        results: resultsText === '' ? undefined : (JSON.parse(resultsText) as FormattedTestResults),
        resultsText,
        testDir: dirs.testDir,
        sockDir: dirs.sockDir,
        ms: performance.now() - started,
      });
    });
  });
}

/** The socket directories explicitDirs made outside `scratch`; see removeSocketDirs. */
const socketDirs: string[] = [];

/** Fresh, empty TEST_DIR and SOCK_DIR for one run (SOCK_DIR under /tmp: AF_UNIX paths are short). */
export function explicitDirs(scratch: string): Extract<RunDirs, { kind: 'explicit' }> {
  const sockDir = fs.mkdtempSync(path.join('/tmp', 'flt'));
  socketDirs.push(sockDir);
  return { kind: 'explicit', testDir: fs.mkdtempSync(path.join(scratch, 'test-')), sockDir };
}

/** Removes the socket directories explicitDirs made (call in afterAll). */
export function removeSocketDirs(): void {
  for (const dir of socketDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** The status of every test of a run, by title. */
export function statuses(run: JestRun): Record<string, string> {
  const byTitle: Record<string, string> = {};
  for (const file of run.results?.testResults ?? []) {
    for (const test of file.assertionResults) byTitle[test.title] = test.status;
  }
  return byTitle;
}

/** The failure messages of the test titled `title`, joined. */
export function failureOf(run: JestRun, title: string): string {
  for (const file of run.results?.testResults ?? []) {
    for (const test of file.assertionResults) {
      if (test.title === title) return (test.failureMessages ?? []).join('\n');
    }
  }
  throw new Error(`no test titled ${JSON.stringify(title)} in the run:\n${run.output}`);
}

/** The file-level failure message (e.g. an afterAll error, a crashed worker) of `fileName`. */
export function fileMessageOf(run: JestRun, fileName: string): string {
  const file = run.results?.testResults.find((f) => path.basename(f.name) === fileName);
  if (file === undefined) throw new Error(`no results for ${fileName}:\n${run.output}`);
  return file.message;
}
