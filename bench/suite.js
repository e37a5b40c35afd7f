#!/usr/bin/env node
// `npm run bench:suite`: what a test file costs under the preset, and how the bundled suite scales.
//
//   node bench/suite.js [--runs N] [--no-suite] [--no-typecheck] [--keep]
//
// Everything runs Jest as child processes, the way a user does; only the bare QEMU floor asks the
// library which binary, accelerator and firmware its VMs use.
//   trivial_file_ms   a generated 40-file suite (in a temp dir, outside the repo) whose files each
//                     boot the preset's VM, issue one QMP command and end, run through the preset
//                     with 2 workers after one warm-up run (Jest's and ts-jest's caches warm):
//                     median wall time of --runs runs / 40: what a file costs under the preset,
//                     Jest's, the harness's and QEMU's share together (CPU time is printed too).
//   suite_wall_s_1w   the bundled suite, IMGFMT=qcow2 `node scripts/iotests.js --ci -w 1`, wall s
//   suite_wall_s_2w   the same with -w 2 (target: >= 1.6x faster than 1 worker)
// Printed before the last line: what a trivial file's time is made of (per phase, from Jest's
// per-file timings, marks inside the files and a timing wrapper around the preset's environment),
// the floors it sits on (bare Jest, bare QEMU), the cost of type-checking test files (ts-jest
// with full diagnostics vs the preset's transpile-only setup), and the suite's long poles.
//   py_trivial_file_ms  the anchor: QEMU's own Python `check` on the same kind of 40 trivial files
//                     with 2 workers (../shared/tools/qemu-iotests-py-trivial), run after each of
//                     the preset's --runs runs (interleaved, so both medians come from the same
//                     minutes of a shared machine): median of its runs; python_speedup = median py /
//                     trivial_file_ms (target >= 1.7); each pair's own ratio is printed too
// The last line is one JSON object: {"trivial_file_ms", "py_trivial_file_ms", "python_speedup",
// "suite_wall_s_1w", "suite_wall_s_2w"}.
// Timings on a shared machine move with its load; the load average is printed with them.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Buffer } = require('node:buffer');
const { spawn } = require('node:child_process');
const { performance } = require('node:perf_hooks');
const { setTimeout, clearTimeout } = require('node:timers');
const { RawQmp, listenForQemu, median, qmpMonitorArgs, round } = require('./lib');

const ROOT = path.resolve(__dirname, '..');
const JEST = require.resolve('jest/bin/jest', { paths: [ROOT] });
const TSC = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
const PRESET = path.join(ROOT, 'jest-preset.js');
const LIBRARY = path.join(ROOT, 'dist', 'src', 'index.js');
const ENVIRONMENT = path.join(ROOT, 'dist', 'src', 'jest', 'environment.js');

const TRIVIAL_FILES = 40;
const WORKERS = 2;
const TARGET_FILE_MS = 60;
const TARGET_SPEEDUP = 1.6;
const TARGET_PYTHON_SPEEDUP = 1.7;
const PYTHON_TRIVIAL = path.join(ROOT, '..', 'shared', 'tools', 'qemu-iotests-py-trivial');
const PYTHON_RUN_TIMEOUT_MS = 10 * 60_000;
const QEMU_LIFECYCLES = 20;
const TRIVIAL_RUN_TIMEOUT_MS = 5 * 60_000;
const SUITE_RUN_TIMEOUT_MS = 40 * 60_000;
const QEMU_STEP_TIMEOUT_MS = 30_000;
const LONG_POLES_SHOWN = 8;

// ---------------------------------------------------------------------------------------------
// Command line

function parseArgs(argv) {
  const options = { runs: 3, suite: true, typecheck: true, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--runs') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1) {
        fail(`--runs needs a positive integer, got ${JSON.stringify(argv[i])}`);
      }
      options.runs = value;
    } else if (arg === '--no-suite') options.suite = false;
    else if (arg === '--no-typecheck') options.typecheck = false;
    else if (arg === '--keep') options.keep = true;
    else {
      fail(
        `unknown option ${JSON.stringify(arg)} ` +
          '(accepted: --runs N, --no-suite, --no-typecheck, --keep)',
      );
    }
  }
  return options;
}

function fail(message) {
  process.stderr.write(`bench:suite: ${message}\n`);
  process.exit(2);
}

function say(text = '') {
  process.stdout.write(`${text}\n`);
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function mean(values) {
  return values.length === 0 ? NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function fixed(value, digits = 1) {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

function loadAverage() {
  return os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

function readJsonLines(file) {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

/**
 * CPU time (user + system) of every descendant this process has reaped, from /proc (NaN
 * elsewhere). Jest reaps its workers and they reap their QEMUs, so a run's delta is the CPU the
 * whole run used, which moves less with the machine's load than its wall time.
 */
function reapedChildrenCpuMs() {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of stat(5) (cutime, cstime), in clock ticks of 1/100 s on Linux.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return NaN;
  }
}

/**
 * Run a command in its own process group; resolves with its exit status, output and wall time.
 * On timeout the whole group (Jest, its workers, their QEMUs) is killed.
 */
function runCommand(command, args, { cwd, env, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const startedAt = Date.now();
    const cpuBefore = reapedChildrenCpuMs();
    const child = spawn(command, args, {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks = [];
    let size = 0;
    const keep = (chunk) => {
      // The tail is what explains a failure; keep at most ~4 MB.
      chunks.push(chunk);
      size += chunk.length;
      while (size > 4_000_000 && chunks.length > 1) size -= chunks.shift().length;
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const output = Buffer.concat(chunks).toString('utf8');
      if (timedOut) {
        reject(
          new Error(
            `${path.basename(command)} ${args.join(' ')} timed out after ${timeoutMs} ms\n${output.slice(-3000)}`,
          ),
        );
        return;
      }
      resolve({
        code,
        signal,
        output,
        wallMs: performance.now() - start,
        startedAt,
        cpuMs: reapedChildrenCpuMs() - cpuBefore,
      });
    });
  });
}

async function runJest(
  cwd,
  args,
  { env = {}, timeoutMs = TRIVIAL_RUN_TIMEOUT_MS, allowFailure = false } = {},
) {
  const result = await runCommand(process.execPath, [JEST, ...args], {
    cwd,
    env: { ...process.env, IMGFMT: 'qcow2', ...env },
    timeoutMs,
  });
  if (result.code !== 0 && !allowFailure) {
    throw new Error(
      `jest ${args.join(' ')} exited with ${result.code ?? result.signal}:\n${result.output.slice(-4000)}`,
    );
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// The generated project

const TRIVIAL_TEST = `// Generated by bench/suite.js: the preset boots the VM, the test issues one QMP command.
import { appendFileSync } from 'node:fs';

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import 'qemu-iotests';

const now = (): number => performance.timeOrigin + performance.now();
const marks = { loaded: now(), launched: 0, commandStart: 0, commandEnd: 0, shutDown: 0 };

// Declared after the preset's own hooks: runs once the VM is up.
beforeAll(() => {
  marks.launched = now();
});

test('one QMP command', async () => {
  marks.commandStart = now();
  expect(await vm.qmp('query-status')).toMatchQmp('return/running', true);
  marks.commandEnd = now();
});

// Runs after the preset's afterAll, which shut the VM down and ran the file's cleanups.
afterAll(() => {
  marks.shutDown = now();
  const out = process.env.BENCH_MARKS;
  if (out !== undefined) appendFileSync(out, \`\${JSON.stringify({ file: __filename, ...marks })}\\n\`);
});
`;

const BARE_TEST = `test('nothing', () => {
  expect(1).toBe(1);
});
`;

// A timing wrapper around the preset's environment, for the breakdown run only.
const TIMED_ENVIRONMENT = `'use strict';
const fs = require('node:fs');
const Base = require(${JSON.stringify(ENVIRONMENT)}).default;
module.exports = class TimedEnvironment extends Base {
  async setup() {
    const start = performance.now();
    await super.setup();
    this.benchSetupMs = performance.now() - start;
  }
  async teardown() {
    const start = performance.now();
    await super.teardown();
    const record = { setupMs: this.benchSetupMs, teardownMs: performance.now() - start };
    fs.appendFileSync(process.env.BENCH_ENV_TIMES, JSON.stringify(record) + '\\n');
  }
};
`;

// Jest's own per-file timings (perfStats), which --json does not include.
const PERF_REPORTER = `'use strict';
const fs = require('node:fs');
module.exports = class PerfStatsReporter {
  onTestResult(_test, result) {
    fs.appendFileSync(process.env.BENCH_PERF, JSON.stringify({ file: result.testFilePath, ...result.perfStats }) + '\\n');
  }
};
`;

function jestConfig(dir, overrides) {
  return {
    rootDir: dir,
    preset: PRESET,
    roots: ['<rootDir>/__tests__'],
    cacheDirectory: '<rootDir>/.jest-cache',
    moduleNameMapper: { '^qemu-iotests$': LIBRARY },
    ...overrides,
  };
}

function createProject() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qemu-iotests-bench-'));
  // Type-checking resolves @jest/globals and the library's types as a consumer project would.
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const tests = path.join(dir, '__tests__', 'iotests');
  const bare = path.join(dir, '__bare__');
  fs.mkdirSync(tests, { recursive: true });
  fs.mkdirSync(bare);
  for (let i = 1; i <= TRIVIAL_FILES; i++) {
    const name = String(i).padStart(3, '0');
    fs.writeFileSync(path.join(tests, `${name}-trivial.test.ts`), TRIVIAL_TEST);
    fs.writeFileSync(path.join(bare, `${name}-bare.test.js`), BARE_TEST);
  }
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022'],
          module: 'CommonJS',
          moduleResolution: 'node10',
          types: ['node'],
          strict: true,
          esModuleInterop: true,
          skipLibCheck: true,
          baseUrl: '.',
          paths: { 'qemu-iotests': [path.join(ROOT, 'dist', 'src', 'index.d.ts')] },
        },
        include: ['__tests__'],
      },
      null,
      2,
    )}\n`,
  );
  fs.writeFileSync(path.join(dir, 'timed-environment.js'), TIMED_ENVIRONMENT);
  fs.writeFileSync(path.join(dir, 'perf-reporter.js'), PERF_REPORTER);
  return dir;
}

// Jest configurations, passed as JSON on the command line (Jest 30 looks for a jest.config.* in
// rootDir when --config names a file with another name).
function jestConfigs(dir) {
  const reporters = ['default', path.join(ROOT, 'dist', 'src', 'jest', 'reporter.js')];
  return {
    preset: jestConfig(dir, {}),
    breakdown: jestConfig(dir, {
      testEnvironment: path.join(dir, 'timed-environment.js'),
      reporters: [...reporters, path.join(dir, 'perf-reporter.js')],
    }),
    // ts-jest as most projects set it up: the project's tsconfig, full type-checking.
    typecheck: jestConfig(dir, {
      cacheDirectory: '<rootDir>/.jest-cache-typecheck',
      transform: {
        '^.+\\.ts$': [
          require.resolve('ts-jest', { paths: [ROOT] }),
          { tsconfig: path.join(dir, 'tsconfig.json'), diagnostics: true },
        ],
      },
    }),
    transpileCold: jestConfig(dir, { cacheDirectory: '<rootDir>/.jest-cache-transpile' }),
    bare: {
      rootDir: dir,
      roots: ['<rootDir>/__bare__'],
      testEnvironment: 'node',
      transform: {},
      cacheDirectory: '<rootDir>/.jest-cache-bare',
    },
  };
}

function configArgs(dir, name) {
  return ['--config', JSON.stringify(jestConfigs(dir)[name])];
}

// ---------------------------------------------------------------------------------------------
// trivial_file_ms and its breakdown

// The preset's runs, each followed by one of Python's (when it can run): a machine whose speed
// drifts during the bench moves both figures alike.
async function measureTrivialBesidePython(dir, runs) {
  const args = [...configArgs(dir, 'preset'), '-w', String(WORKERS), '--ci'];
  await runJest(dir, args); // warm-up: fills Jest's transform cache and its test timings
  const walls = [];
  const cpus = [];
  const python = { fileMs: [], reason: undefined };
  for (let i = 0; i < runs; i++) {
    const run = await runJest(dir, args);
    walls.push(run.wallMs);
    cpus.push(run.cpuMs);
    if (python.reason === undefined) {
      const py = await measurePythonTrivial();
      if (py.fileMs === undefined) python.reason = py.reason;
      else python.fileMs.push(py.fileMs);
    }
  }
  return {
    walls,
    fileMs: median(walls) / TRIVIAL_FILES,
    cpuFileMs: median(cpus) / TRIVIAL_FILES,
    python,
  };
}

async function measureBareJest(dir, runs) {
  const args = [...configArgs(dir, 'bare'), '-w', String(WORKERS), '--ci'];
  await runJest(dir, args);
  const walls = [];
  for (let i = 0; i < runs; i++) walls.push((await runJest(dir, args)).wallMs);
  return median(walls) / TRIVIAL_FILES;
}

async function measureBreakdown(dir) {
  const files = {
    BENCH_MARKS: path.join(dir, 'marks.jsonl'),
    BENCH_ENV_TIMES: path.join(dir, 'env-times.jsonl'),
    BENCH_PERF: path.join(dir, 'perf.jsonl'),
  };
  const args = [...configArgs(dir, 'breakdown'), '-w', String(WORKERS), '--ci'];
  // Another configuration is another transform cache key: warm it first.
  await runJest(dir, args, { env: { BENCH_ENV_TIMES: os.devNull, BENCH_PERF: os.devNull } });
  for (const file of Object.values(files)) fs.rmSync(file, { force: true });
  const run = await runJest(dir, args, { env: files });
  const endedAt = run.startedAt + run.wallMs;
  const perf = readJsonLines(files.BENCH_PERF);
  const marks = new Map(readJsonLines(files.BENCH_MARKS).map((mark) => [mark.file, mark]));
  const envTimes = readJsonLines(files.BENCH_ENV_TIMES);
  if (perf.length !== TRIVIAL_FILES || marks.size !== TRIVIAL_FILES) {
    throw new Error(
      `breakdown run recorded ${perf.length} files and ${marks.size} marks, expected ${TRIVIAL_FILES}`,
    );
  }
  const envSetup = mean(envTimes.map((t) => t.setupMs));
  const envTeardown = mean(envTimes.map((t) => t.teardownMs));
  const phase = (fn) => mean(perf.map((p) => fn(p, marks.get(p.file))));
  const phases = [
    [
      'jest',
      'environment construction (vm context, globals)',
      phase((p) => p.loadTestEnvironmentEnd - p.loadTestEnvironmentStart),
    ],
    ['harness', 'environment setup (config, capabilities, scratch dirs)', envSetup],
    [
      'jest',
      'test framework init (circus, expect, snapshot state)',
      phase((p) => p.setupAfterEnvStart - p.setupFilesEnd) - envSetup,
    ],
    [
      'harness',
      'setup file (library + matchers into the file, VM object)',
      phase((p) => p.setupAfterEnvEnd - p.setupAfterEnvStart),
    ],
    [
      'both',
      'test file load (cached transform, imports)',
      phase((p, m) => m.loaded - p.setupAfterEnvEnd),
    ],
    ['harness', 'VM launch (QEMU start, QMP handshake)', phase((p, m) => m.launched - m.loaded)],
    ['test', 'the QMP command', phase((p, m) => m.commandEnd - m.commandStart)],
    [
      'harness',
      'VM shutdown and file cleanups (afterAll)',
      phase((p, m) => m.shutDown - m.commandEnd),
    ],
    [
      'jest',
      'between phases (hooks, events, results)',
      phase((p, m) => m.commandStart - m.launched + (p.end - m.shutDown)),
    ],
    ['harness', 'environment teardown (kill leftovers, remove dirs)', envTeardown],
  ];
  const firstStart = Math.min(...perf.map((p) => p.loadTestEnvironmentStart));
  const lastEnd = Math.max(...perf.map((p) => p.end));
  return {
    phases,
    startupMs: firstStart - run.startedAt,
    tailMs: endedAt - lastEnd,
    wallMs: run.wallMs,
  };
}

// ---------------------------------------------------------------------------------------------
// A bare QEMU lifecycle with the VM's command line: listen, spawn, accept, greeting,
// qmp_capabilities, one command, quit, exit. The floor under every file's VM.

// The VM's binary and arguments, as the library's VM builds them (dist/ is built: the trivial
// suite runs it; the capabilities come from the cache the preset runs just filled).
async function vmQemu(dir) {
  const dist = (file) => require(path.join(ROOT, 'dist', 'src', file));
  const config = dist('config/index.js').resolveConfig();
  const capabilities = await dist('capabilities/index.js').probeCapabilities(config);
  const context = { testDir: dir, sockDir: dir, imgfmt: config.imgfmt, filePrefix: '' };
  const vm = dist('iotests/vm-launch.js').vmMachineOptions({
    pathSuffix: '',
    config,
    capabilities,
    context,
  });
  return { binary: vm.binary, args: [...vm.accel.flatMap((name) => ['-accel', name]), ...vm.args] };
}

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} took over ${QEMU_STEP_TIMEOUT_MS} ms`)),
      QEMU_STEP_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function qemuLifecycle(dir, qemu) {
  const socketPath = path.join(dir, 'q.sock');
  fs.rmSync(socketPath, { force: true });
  const start = performance.now();
  const { server, connected } = await listenForQemu(socketPath);
  const child = spawn(qemu.binary, [...qmpMonitorArgs(socketPath), ...qemu.args], {
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const socket = await withTimeout(connected, 'QEMU connecting');
    server.close();
    const qmp = new RawQmp(socket);
    await withTimeout(qmp.next(), 'a QMP reply'); // greeting
    // No id: one command at a time, so the next reply is this command's.
    for (const command of ['qmp_capabilities', 'query-status', 'quit']) {
      const reply = await withTimeout(qmp.call(command), 'a QMP reply');
      if (reply.return === undefined)
        throw new Error(`${command} failed: ${JSON.stringify(reply)}`);
    }
    await withTimeout(exited, 'QEMU exiting');
    socket.destroy();
    return performance.now() - start;
  } finally {
    server.close();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

async function measureQemu(dir) {
  const qemu = await vmQemu(dir);
  await qemuLifecycle(dir, qemu); // warm-up
  const times = [];
  for (let i = 0; i < QEMU_LIFECYCLES; i++) times.push(await qemuLifecycle(dir, qemu));
  return median(times);
}

// ---------------------------------------------------------------------------------------------
// Type-checking cost

async function measureTypecheck(dir) {
  const args = (name) => [...configArgs(dir, name), '-w', String(WORKERS), '--ci'];
  for (const cache of ['.jest-cache-typecheck', '.jest-cache-transpile']) {
    fs.rmSync(path.join(dir, cache), { recursive: true, force: true });
  }
  const transpileCold = (await runJest(dir, args('transpileCold'))).wallMs;
  const transpileWarm = (await runJest(dir, args('transpileCold'))).wallMs;
  const typecheckCold = (await runJest(dir, args('typecheck'))).wallMs;
  const typecheckWarm = (await runJest(dir, args('typecheck'))).wallMs;
  const tsc = await runCommand(
    process.execPath,
    [TSC, '-p', path.join(dir, 'tsconfig.json'), '--noEmit'],
    {
      cwd: dir,
      env: process.env,
      timeoutMs: TRIVIAL_RUN_TIMEOUT_MS,
    },
  );
  if (tsc.code !== 0) throw new Error(`tsc --noEmit failed on the generated suite:\n${tsc.output}`);
  return { transpileCold, transpileWarm, typecheckCold, typecheckWarm, tscMs: tsc.wallMs };
}

// ---------------------------------------------------------------------------------------------
// The bundled suite

const WARM_UP_FILTER = '^bench:suite warm-up, matches no test$';

async function runSuite(dir, workers) {
  const outputFile = path.join(dir, `suite-${workers}w.json`);
  const result = await runCommand(
    process.execPath,
    [
      path.join(ROOT, 'scripts', 'iotests.js'),
      '--ci',
      '-w',
      String(workers),
      '--json',
      '--outputFile',
      outputFile,
    ],
    { cwd: ROOT, env: { ...process.env, IMGFMT: 'qcow2' }, timeoutMs: SUITE_RUN_TIMEOUT_MS },
  );
  const report = fs.existsSync(outputFile)
    ? JSON.parse(fs.readFileSync(outputFile, 'utf8'))
    : undefined;
  return { ...result, report };
}

function describeSuiteRun(label, run) {
  const report = run.report;
  if (report === undefined) {
    say(`  ${label}: ${fixed(run.wallMs / 1000)} s, exit ${run.code} (no JSON report)`);
    return;
  }
  say(
    `  ${label}: ${fixed(run.wallMs / 1000)} s wall, ${report.numTotalTestSuites} files, ` +
      `${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests} skipped` +
      (run.code === 0 ? '' : ` (exit ${run.code}: these times include failing files)`),
  );
}

function longPoles(report, wallS) {
  const files = report.testResults
    .map((file) => {
      const tests = file.assertionResults
        .filter((test) => typeof test.duration === 'number')
        .sort((a, b) => b.duration - a.duration);
      return {
        name: path.relative(ROOT, file.name),
        seconds: (file.endTime - file.startTime) / 1000,
        tests: file.assertionResults.length,
        slowest: tests.slice(0, 2).map((test) => `${test.title} ${fixed(test.duration / 1000)} s`),
      };
    })
    .sort((a, b) => b.seconds - a.seconds);
  const total = files.reduce((sum, file) => sum + file.seconds, 0);
  say(
    `  sum of file times ${fixed(total)} s; with ${WORKERS} workers the wall can not go below ` +
      `max(sum/${WORKERS}, longest file) = ${fixed(Math.max(total / WORKERS, files[0]?.seconds ?? 0))} s ` +
      `(measured ${fixed(wallS)} s)`,
  );
  for (const file of files.slice(0, LONG_POLES_SHOWN)) {
    say(
      `    ${fixed(file.seconds).padStart(6)} s ${(((file.seconds / total) * 100).toFixed(0) + '%').padStart(4)}  ` +
        `${file.name} (${file.tests} tests; slowest: ${file.slowest.join(', ')})`,
    );
  }
}

async function measureSuite(dir) {
  // Warm-up: every file is transformed (and cached) but no test runs, so Jest's record of each
  // file's duration, which orders the next runs, stays as real runs left it.
  await runCommand(
    process.execPath,
    [path.join(ROOT, 'scripts', 'iotests.js'), '--ci', '-w', String(WORKERS), '-t', WARM_UP_FILTER],
    { cwd: ROOT, env: { ...process.env, IMGFMT: 'qcow2' }, timeoutMs: SUITE_RUN_TIMEOUT_MS },
  );
  const one = await runSuite(dir, 1);
  const two = await runSuite(dir, 2);
  return { one, two };
}

// ---------------------------------------------------------------------------------------------

// QEMU's own harness on the same kind of trivial files: the anchor the preset is measured against.
function measurePythonTrivial() {
  if (!fs.existsSync(PYTHON_TRIVIAL)) {
    return Promise.resolve({ reason: `${PYTHON_TRIVIAL} is not there` });
  }
  return new Promise((resolve) => {
    const child = spawn(PYTHON_TRIVIAL, [String(TRIVIAL_FILES), String(WORKERS)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), PYTHON_RUN_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const match = /^py_trivial_file_ms ([\d.]+)/m.exec(output);
      if (code === 0 && match !== null) resolve({ fileMs: Number(match[1]) });
      else resolve({ reason: `exit ${code}: ${output.trim().split('\n').slice(-3).join(' / ')}` });
    });
  });
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(LIBRARY))
    fail('dist/ is missing; run `node scripts/setup.js` first (npm run bench:suite does)');
  const began = performance.now();
  const dir = createProject();
  say(`bench:suite: ${os.cpus().length} CPUs, load average ${loadAverage()}, scratch ${dir}`);
  const result = {
    trivial_file_ms: null,
    py_trivial_file_ms: null,
    python_speedup: null,
    suite_wall_s_1w: null,
    suite_wall_s_2w: null,
  };
  try {
    const trivial = await measureTrivialBesidePython(dir, options.runs);
    result.trivial_file_ms = round(trivial.fileMs, 1);
    const { python } = trivial;
    const pyFileMs = python.reason === undefined ? median(python.fileMs) : undefined;
    if (pyFileMs !== undefined) {
      result.py_trivial_file_ms = round(pyFileMs, 1);
      result.python_speedup = round(pyFileMs / trivial.fileMs, 2);
    }
    const breakdown = await measureBreakdown(dir);
    const bareJestMs = await measureBareJest(dir, options.runs);
    const qemuMs = await measureQemu(dir);

    say();
    say(
      `trivial suite: ${TRIVIAL_FILES} files, ${WORKERS} workers, warm caches; wall of ${options.runs} runs: ` +
        `${trivial.walls.map((ms) => fixed(ms / 1000, 2)).join(' / ')} s`,
    );
    say(
      `  trivial_file_ms = median wall / ${TRIVIAL_FILES} = ${fixed(trivial.fileMs)} ms ` +
        `(target <= ${TARGET_FILE_MS}: ${trivial.fileMs <= TARGET_FILE_MS ? 'met' : 'NOT met'}); ` +
        `CPU ${fixed(trivial.cpuFileMs)} ms a file (Jest, workers and QEMU together)`,
    );
    if (pyFileMs === undefined) {
      say(`  Python anchor: not measured (${python.reason})`);
    } else {
      const speedup = pyFileMs / trivial.fileMs;
      // Each Python run against the preset's run just before it.
      const pairs = python.fileMs.map((ms, i) => fixed(ms / (trivial.walls[i] / TRIVIAL_FILES), 2));
      say(
        `  Python anchor (QEMU's check, ${TRIVIAL_FILES} files, -j${WORKERS}, after each of the runs above): ` +
          `${python.fileMs.map((ms) => fixed(ms)).join(' / ')} ms a file, ` +
          `py_trivial_file_ms = median ${fixed(pyFileMs)} ms`,
      );
      say(
        `  the preset is ${fixed(speedup, 2)}x faster (target >= ${TARGET_PYTHON_SPEEDUP}: ` +
          `${speedup >= TARGET_PYTHON_SPEEDUP ? 'met' : 'NOT met'}); run by run: ${pairs.join(', ')}x`,
      );
    }
    say(
      `  floors: bare Jest (plain .js files, node environment) ${fixed(bareJestMs)} ms a file; ` +
        `bare QEMU lifecycle with the VM's command line ${fixed(qemuMs)} ms ` +
        `(${fixed(qemuMs / WORKERS)} ms a file at ${WORKERS} workers)`,
    );
    say();
    say(
      `what a file's time is made of (breakdown run: ${fixed(breakdown.wallMs / 1000, 2)} s; ` +
        `ms per file as seen inside a worker, ${WORKERS} workers run side by side):`,
    );
    let perFile = 0;
    let harness = 0;
    for (const [owner, what, ms] of breakdown.phases) {
      perFile += ms;
      if (owner === 'harness') harness += ms;
      say(`  ${fixed(ms).padStart(6)}  ${owner.padEnd(8)} ${what}`);
    }
    say(
      `  ${fixed(perFile).padStart(6)}  total per file in its worker (/ ${WORKERS} workers = ${fixed(perFile / WORKERS)} ms of wall)`,
    );
    say(
      `  ${fixed(harness).padStart(6)}  of it the harness's phases (VM launch and shutdown include QEMU's own time)`,
    );
    say(
      `  run-wide: Jest start-up to the first file ${fixed(breakdown.startupMs)} ms, ` +
        `last file to exit ${fixed(breakdown.tailMs)} ms (= ${fixed((breakdown.startupMs + breakdown.tailMs) / TRIVIAL_FILES)} ms a file)`,
    );

    if (options.typecheck) {
      const tc = await measureTypecheck(dir);
      say();
      say(`type-checking test files (${TRIVIAL_FILES}-file suite, ${WORKERS} workers, wall):`);
      say(
        `  preset (ts-jest transpile-only):   cold cache ${fixed(tc.transpileCold / 1000, 2)} s, warm ${fixed(tc.transpileWarm / 1000, 2)} s`,
      );
      say(
        `  ts-jest with full diagnostics:     cold cache ${fixed(tc.typecheckCold / 1000, 2)} s, warm ${fixed(tc.typecheckWarm / 1000, 2)} s`,
      );
      say(
        `  type-checking costs ${fixed((tc.typecheckCold - tc.transpileCold) / 1000, 2)} s a run when the files changed ` +
          `(${fixed((tc.typecheckCold - tc.transpileCold) / TRIVIAL_FILES)} ms a file), ` +
          `${fixed((tc.typecheckWarm - tc.transpileWarm) / 1000, 2)} s when nothing changed; ` +
          `\`tsc --noEmit\` over the same files once: ${fixed(tc.tscMs / 1000, 2)} s`,
      );
    }

    if (options.suite) {
      const suite = await measureSuite(dir);
      result.suite_wall_s_1w = round(suite.one.wallMs / 1000, 1);
      result.suite_wall_s_2w = round(suite.two.wallMs / 1000, 1);
      const speedup = suite.one.wallMs / suite.two.wallMs;
      say();
      say('bundled suite (IMGFMT=qcow2, node scripts/iotests.js --ci):');
      describeSuiteRun('1 worker ', suite.one);
      describeSuiteRun('2 workers', suite.two);
      say(
        `  speed-up ${fixed(speedup, 2)}x (target >= ${TARGET_SPEEDUP}: ${speedup >= TARGET_SPEEDUP ? 'met' : 'NOT met'})`,
      );
      if (suite.two.report !== undefined) {
        say('  long poles (2 workers):');
        longPoles(suite.two.report, suite.two.wallMs / 1000);
      }
    }
    say();
    say(
      `total bench time ${fixed((performance.now() - began) / 1000)} s, load average now ${loadAverage()}`,
    );
  } finally {
    if (options.keep) say(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  say(JSON.stringify(result));
}

main().catch((error) => {
  process.stderr.write(`bench:suite failed: ${error && error.stack ? error.stack : error}\n`);
  process.exitCode = 1;
});
