// Helpers of the consumer test: pack the package, install the tarball into a scratch project the
// way a user does, run commands there with a user's environment, and look for what a run left.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import execa from 'execa';
import stripAnsi from 'strip-ansi';

/** The repository root (where package.json of qemu-iotests lives). */
export const REPO_ROOT = path.resolve(__dirname, '../../..');

/** The consumer's own dependencies besides the tarball, pinned like the project's toolchain. */
export const CONSUMER_DEPENDENCIES: Readonly<Record<string, string>> = {
  jest: '30.5.2',
  typescript: '5.9.3',
  '@types/jest': '30.0.0',
  '@jest/globals': '30.5.2',
};

// npm reports these when it cannot reach the registry at all (as opposed to a registry error).
const UNREACHABLE_CODES = [
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'ENETUNREACH',
  'EHOSTUNREACH',
];
const PROBE_TIMEOUT_MS = 30_000;

/** Whether the npm registry answers, and if not, why (for the skip reason). */
export type RegistryProbe = { reachable: true } | { reachable: false; reason: string };

/**
 * Ask the configured registry for a ping (`npm ping`, so proxies and .npmrc apply as they do for
 * `npm install`). Only a network failure counts as unreachable; any other failure is left for the
 * install to report. Synchronous: Jest decides at definition time whether to skip.
 */
export function probeRegistry(): RegistryProbe {
  const result = spawnSync('npm', ['ping', '--fetch-retries=0'], {
    env: userEnv(),
    encoding: 'utf8',
    timeout: PROBE_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  if (result.error !== undefined && (result.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    return { reachable: false, reason: `npm ping got no answer within ${PROBE_TIMEOUT_MS} ms` };
  }
  if (result.status === 0) return { reachable: true };
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  const code = UNREACHABLE_CODES.find((candidate) => output.includes(candidate));
  if (code === undefined) return { reachable: true };
  const registry = /PING (\S+)/.exec(output)?.[1] ?? 'the npm registry';
  return { reachable: false, reason: `${registry} is unreachable (npm ping: ${code})` };
}

// Variables that shape a test run (format, protocol, directories, echo): a consumer run sets its
// own. Which QEMU runs it (QEMU_PROG, QEMU_BUILD_DIR, ...) stays the caller's choice.
const RUN_SHAPING_VARIABLES = [
  'IMGFMT',
  'IMGPROTO',
  'CACHEMODE',
  'CACHEMODE_IS_DEFAULT',
  'AIOMODE',
  'IMGOPTS',
  'IMGOPTSSYNTAX',
  'IMGKEYSECRET',
  'IMGFMT_GENERIC',
  'MISALIGN',
  'TEST_DIR',
  'SOCK_DIR',
  'OUTPUT_DIR',
  'IOTESTS_ECHO',
  'QEMU_IOTESTS_RUN_DIRS',
];
// What this Jest worker and an enclosing `npm test` put into the environment; a user's shell has
// none of it. npm's prefix variables would even point a nested `npm install` at this repo.
// CI too: the README's quick start is a user's first run at a desk, where Jest writes new
// snapshots; under CI=true (this repo's CI) Jest would refuse to.
const OUTER_RUN_VARIABLES = /^(CI$|JEST_WORKER_ID|NODE_ENV|FORCE_COLOR|INIT_CWD|npm_(?!config_))/;
const NPM_CONFIG_KEPT =
  /^npm_config_(cache|registry|userconfig|globalconfig|proxy|https_proxy|noproxy)$/i;

/** The environment of a user's shell: this process's, minus what the test run itself added. */
export function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || RUN_SHAPING_VARIABLES.includes(name)) continue;
    if (OUTER_RUN_VARIABLES.test(name)) continue;
    if (/^npm_config_/i.test(name) && !NPM_CONFIG_KEPT.test(name)) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/** What a finished command printed and how it ended. */
export interface CommandResult {
  readonly command: string;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr interleaved, ANSI colour removed. */
  readonly output: string;
  readonly durationMs: number;
}

/** Options of runCommand. */
export interface RunOptions {
  readonly cwd: string;
  readonly env?: Record<string, string>;
  /** Bound that only catches hangs: the command and everything it started are killed then. */
  readonly timeoutMs: number;
}

/** Run a command to completion (never rejects on a non-zero exit); kills its whole tree on timeout. */
export async function runCommand(
  file: string,
  args: readonly string[],
  options: RunOptions,
): Promise<CommandResult> {
  const command = [file, ...args].join(' ');
  const started = performance.now();
  const child = execa(file, [...args], {
    cwd: options.cwd,
    env: options.env ?? userEnv(),
    extendEnv: false,
    reject: false,
    all: true,
    stdin: 'ignore',
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) killTree(child.pid);
  }, options.timeoutMs);
  try {
    const result = await child;
    if (timedOut) {
      throw new Error(
        `${command} (in ${options.cwd}) did not finish within ${options.timeoutMs} ms`,
      );
    }
    return {
      command,
      exitCode: result.exitCode,
      stdout: stripAnsi(result.stdout),
      stderr: stripAnsi(result.stderr),
      output: stripAnsi(result.all ?? ''),
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Like runCommand, but a non-zero exit is an error showing what the command printed. */
export async function runOrThrow(
  file: string,
  args: readonly string[],
  options: RunOptions,
): Promise<CommandResult> {
  const result = await runCommand(file, args, options);
  if (result.exitCode !== 0) {
    throw new Error(
      `${result.command} (in ${options.cwd}) exited with ${result.exitCode}:\n${result.output}`,
    );
  }
  return result;
}

// SIGKILL `pid` and its descendants (npx -> npm exec -> jest -> workers -> QEMU).
function killTree(pid: number): void {
  const table = spawnSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' }).stdout ?? '';
  const children = new Map<number, number[]>();
  for (const line of table.split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (!Number.isInteger(child) || !Number.isInteger(parent)) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const doomed: number[] = [];
  const visit = (p: number): void => {
    doomed.push(p);
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  for (const p of doomed) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** The packed tarball and the paths (relative to the package root) it holds. */
export interface PackedPackage {
  readonly tarball: string;
  readonly files: readonly string[];
  readonly durationMs: number;
}

/** `npm pack --pack-destination <dir>` in the repository, as a release would. */
export async function packPackage(destination: string): Promise<PackedPackage> {
  const result = await runOrThrow('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: REPO_ROOT,
    timeoutMs: 120_000,
  });
  const parsed = JSON.parse(result.stdout) as Array<{
    filename: string;
    files: { path: string }[];
  }>;
  const [pack] = parsed;
  return {
    tarball: path.join(destination, pack.filename),
    files: pack.files.map((file) => file.path),
    durationMs: result.durationMs,
  };
}

/** Write the consumer's package.json: its toolchain and the tarball, as devDependencies. */
export function writeConsumerPackageJson(consumerDir: string, tarball: string): void {
  const manifest = {
    name: 'qemu-iotests-consumer',
    version: '1.0.0',
    private: true,
    devDependencies: { ...CONSUMER_DEPENDENCIES, 'qemu-iotests': `file:${tarball}` },
  };
  fs.writeFileSync(
    path.join(consumerDir, 'package.json'),
    `${JSON.stringify(manifest, null, 2)}\n`,
  );
}

/** Copy fixture files into the consumer: `{ 'fixture/path': 'consumer/path' }`. */
export function copyFixtures(
  fixturesDir: string,
  consumerDir: string,
  mapping: Readonly<Record<string, string>>,
): void {
  for (const [from, to] of Object.entries(mapping)) {
    const target = path.join(consumerDir, to);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(fixturesDir, from), target);
  }
}

/** The run-wide scratch and socket directories a preset run printed in its header. */
export function runDirsFromHeader(stdout: string): { testDir: string; sockDir: string } {
  const read = (name: string): string => {
    const match = new RegExp(`^${name}\\s+-- (\\S.*)$`, 'm').exec(stdout);
    if (match === null) throw new Error(`no ${name} line in the header:\n${stdout}`);
    return match[1];
  };
  return { testDir: read('TEST_DIR'), sockDir: read('SOCK_DIR') };
}

/** Processes whose command line mentions any of `paths` (QEMU keeps its sockets and images there). */
export async function processesMentioning(paths: readonly string[]): Promise<string[]> {
  const result = await runOrThrow('ps', ['-eo', 'pid=,args='], {
    cwd: REPO_ROOT,
    timeoutMs: 30_000,
  });
  return result.stdout.split('\n').filter((line) => paths.some((p) => line.includes(p)));
}

/**
 * What a finished run left behind: its directories if they still exist, processes that still
 * mention them. Polls for a short while, since a killed process can take a moment to disappear.
 */
export async function leftoversOf(paths: readonly string[], graceMs = 5_000): Promise<string[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const dirs = paths.filter((p) => fs.existsSync(p)).map((p) => `directory ${p}`);
    const processes = (await processesMentioning(paths)).map((line) => `process ${line.trim()}`);
    const found = [...dirs, ...processes];
    if (found.length === 0 || Date.now() >= deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
