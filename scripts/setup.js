#!/usr/bin/env node
// Brings a checkout to a runnable state: npm dependencies, QEMU binaries, a fresh build.
// Used by both quick-start commands (`npm run iotests`, `npm test`) and by CI.
// Plain CommonJS with no dependencies: it must run before `npm install` has ever happened.
//
//   node scripts/setup.js [--no-install] [--quiet] [--qemu <release>]
//     --no-install  never run npm or apt; report what is missing with the command to fix it
//     --quiet       print only what was done, not what was already in place
//     --qemu R      also install QEMU release R (e.g. 10.0) beside the system's; QEMU_RELEASE=R
//                   (the setting that makes runs use it) installs it too
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const { noInstall, quiet, releases } = parseArgs(process.argv.slice(2));

function parseArgs(argv) {
  const parsed = { noInstall: false, quiet: false, releases: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--no-install') parsed.noInstall = true;
    else if (arg === '--quiet') parsed.quiet = true;
    else if (arg === '--qemu' && i + 1 < argv.length) parsed.releases.add(argv[++i]);
    else if (arg.startsWith('--qemu=')) parsed.releases.add(arg.slice('--qemu='.length));
    else
      fail(
        `unknown option ${JSON.stringify(arg)} (accepted: --no-install, --quiet, --qemu <release>)`,
      );
  }
  const chosen = process.env.QEMU_RELEASE;
  if (chosen && chosen !== 'system') parsed.releases.add(chosen);
  return parsed;
}

// The binaries a test run needs, the variable that overrides each, and the Debian packages: the
// library's own table (plain JSON, readable before anything is built).
const BINARY_TABLE = require('../src/config/qemu-binaries.json');
const TARGET = BINARY_TABLE.targets[os.arch()] || os.arch();
const EMULATOR_PACKAGE = BINARY_TABLE.emulatorPackages.find((entry) =>
  new RegExp(entry.targetPattern).test(TARGET),
).package;
const fill = (text) =>
  text.replace('{target}', TARGET).replace('{emulatorPackage}', EMULATOR_PACKAGE);
const QEMU_BINARIES = BINARY_TABLE.binaries.map((entry) => ({
  variable: entry.variable,
  name: fill(entry.programName),
  build: entry.buildPath.map(fill).join('/'),
}));
const APT_PACKAGES = BINARY_TABLE.aptPackages.map(fill);

function say(msg) {
  process.stdout.write(`setup: ${msg}\n`);
}
function note(msg) {
  if (!quiet) say(msg);
}
function fail(msg) {
  process.stderr.write(`setup: ${msg}\n`);
  process.exit(1);
}

function run(cmd, cmdArgs, opts = {}) {
  say(`running: ${[cmd, ...cmdArgs].join(' ')}`);
  const res = spawnSync(cmd, cmdArgs, { stdio: 'inherit', cwd: root, ...opts });
  if (res.error) fail(`could not run ${cmd}: ${res.error.message}`);
  if (res.status !== 0) fail(`${cmd} ${cmdArgs.join(' ')} failed with exit code ${res.status}`);
}

function mtimeMs(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

// 1. npm dependencies: installed when node_modules is missing or older than the lockfile.
function ensureDependencies() {
  const lock = path.join(root, 'package-lock.json');
  const installed = path.join(root, 'node_modules', '.package-lock.json');
  const lockTime = mtimeMs(lock);
  const installedTime = mtimeMs(installed);
  if (installedTime !== undefined && (lockTime === undefined || installedTime >= lockTime)) {
    note('npm dependencies: up to date');
    return;
  }
  if (noInstall) fail('npm dependencies are missing or stale; run: npm install');
  // Not `npm ci`: npm 11 writes lockfiles without other platforms' optional native bindings
  // (unrs-resolver's) and `npm ci` then refuses them as out of sync. `npm install` installs the
  // same locked versions and leaves the lockfile as it is.
  run('npm', ['install', '--no-audit', '--no-fund']);
}

// 2. QEMU: every binary must resolve; defaults missing from PATH are installed from Debian's packages.
function resolveBinary(bin) {
  const override = process.env[bin.variable];
  if (override) {
    const resolved = override.includes('/') ? path.resolve(override) : onPath(override);
    if (!resolved || !isExecutable(resolved)) {
      return { problem: `${bin.variable}=${override} is not an executable file` };
    }
    return { path: resolved };
  }
  const buildDir = process.env.QEMU_BUILD_DIR;
  if (buildDir) {
    const candidate = path.join(buildDir, bin.build);
    if (!isExecutable(candidate)) {
      return {
        problem: `QEMU_BUILD_DIR=${buildDir} has no executable ${bin.build} (set ${bin.variable} to override)`,
      };
    }
    return { path: candidate };
  }
  const found = onPath(bin.name);
  return found ? { path: found } : { missing: true };
}

function ensureQemu() {
  const results = QEMU_BINARIES.map((bin) => ({ bin, ...resolveBinary(bin) }));
  const problems = results.filter((r) => r.problem);
  if (problems.length > 0) fail(problems.map((r) => r.problem).join('\n       '));
  const missing = results.filter((r) => r.missing);
  if (missing.length === 0) {
    note(`QEMU binaries: found (${results.map((r) => path.basename(r.path)).join(', ')})`);
    return;
  }
  const names = missing.map((r) => r.bin.name).join(', ');
  const installCmd = `apt-get install -y --no-install-recommends ${APT_PACKAGES.join(' ')}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = onPath('apt-get') !== undefined;
  if (noInstall || !isRoot || !hasApt) {
    const why = noInstall ? '--no-install given' : !hasApt ? 'apt-get not found' : 'not root';
    fail(
      `missing QEMU binaries: ${names} (${why}). Install them with:\n` +
        `    sudo apt-get update && sudo ${installCmd}\n` +
        `  or point ${missing.map((r) => r.bin.variable).join(', ')} (or QEMU_BUILD_DIR) at a QEMU build.`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', installCmd.split(' ').slice(1), { env });
  const still = QEMU_BINARIES.filter((bin) => resolveBinary(bin).missing).map((b) => b.name);
  if (still.length > 0) fail(`apt-get finished but these are still missing: ${still.join(', ')}`);
}

// 2b. Other QEMU releases asked for (--qemu, QEMU_RELEASE), each in its private prefix.
function ensureReleases() {
  const { ensureRelease } = require('./qemu-release');
  const binaries = QEMU_BINARIES.map((bin) => bin.name);
  for (const release of releases) {
    try {
      ensureRelease(release, {
        emulatorPackage: EMULATOR_PACKAGE,
        binaries,
        noInstall,
        note,
        say,
        env: process.env,
      });
    } catch (error) {
      fail(`QEMU ${release}: ${error.message}`);
    }
  }
}

// 3. Build: dist/ is rebuilt from scratch when any input is newer than the last build's stamp.
function newestInput() {
  let newest = 0;
  const visit = (p) => {
    let st;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const entry of fs.readdirSync(p)) visit(path.join(p, entry));
    } else if (st.mtimeMs > newest) {
      newest = st.mtimeMs;
    }
  };
  const inputs = ['src', 'matchers', 'scripts/bundle.js', 'tsconfig.json', 'tsconfig.build.json'];
  for (const input of [...inputs, 'package.json']) {
    visit(path.join(root, input));
  }
  return newest;
}

// A build interrupted (Ctrl-C, a killed CI job) leaves its dist.building-<pid> (or dist.old-<pid>)
// behind; once its process is gone, nothing will finish it.
function removeAbandonedBuilds() {
  for (const name of fs.readdirSync(root)) {
    const match = /^dist\.(?:building|old)-(\d+)$/.exec(name);
    if (match === null || processAlive(Number(match[1]))) continue;
    fs.rmSync(path.join(root, name), { recursive: true, force: true });
    note(`build: removed ${name}, left by an interrupted build`);
  }
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM'; // alive, someone else's
  }
}

function ensureBuild() {
  removeAbandonedBuilds();
  const dist = path.join(root, 'dist');
  const stampTime = mtimeMs(path.join(dist, '.build-stamp'));
  if (stampTime !== undefined && stampTime >= newestInput()) {
    note('build: up to date');
    return;
  }
  // Build beside dist/ and swap it in, so that a test run reading dist/ meanwhile never sees a
  // half-written tree (and deleted sources leave no stale outputs behind).
  const fresh = `${dist}.building-${process.pid}`;
  const old = `${dist}.old-${process.pid}`;
  fs.rmSync(fresh, { recursive: true, force: true });
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  say(`building dist/ (tsc -p tsconfig.build.json, then scripts/bundle.js)`);
  const res = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', fresh], {
    stdio: 'inherit',
    cwd: root,
  });
  if (res.status !== 0) {
    fs.rmSync(fresh, { recursive: true, force: true });
    fail(`the build failed (tsc exit code ${res.status}); dist/ is unchanged`);
  }
  try {
    require('./bundle').bundleRegistryEntries(fresh);
  } catch (error) {
    fs.rmSync(fresh, { recursive: true, force: true });
    fail(`the build failed (bundling: ${error.message}); dist/ is unchanged`);
  }
  fs.writeFileSync(path.join(fresh, '.build-stamp'), `${new Date().toISOString()}\n`);
  if (fs.existsSync(dist)) fs.renameSync(dist, old);
  fs.renameSync(fresh, dist);
  fs.rmSync(old, { recursive: true, force: true });
}

ensureDependencies();
ensureQemu();
ensureReleases();
ensureBuild();
note('ready');
