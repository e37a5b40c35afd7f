// scripts/setup.js, the provisioning step of both quick-start commands: idempotent, and when
// something is missing it either installs it or stops with the exact command to run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

const ROOT = path.resolve(__dirname, '../../..');
const SETUP = path.join(ROOT, 'scripts', 'setup.js');

let scratch: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'setup-test-'));
  // Bring the checkout up to date first, so the runs below have nothing to do but check.
  const first = runSetup([]);
  if (first.status !== 0) throw new Error(`setup failed: ${first.output}`);
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

function runSetup(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const run = spawnSync(process.execPath, [SETUP, ...args], { encoding: 'utf8', env, cwd: ROOT });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** An environment whose PATH has node but no QEMU binaries (node may live beside QEMU in /usr/bin). */
function envWithoutQemu(): NodeJS.ProcessEnv {
  const bin = path.join(scratch, 'bin');
  if (!fs.existsSync(bin)) {
    fs.mkdirSync(bin);
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  }
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin };
  for (const variable of [
    'QEMU_PROG',
    'QEMU_IMG_PROG',
    'QEMU_IO_PROG',
    'QEMU_NBD_PROG',
    'QSD_PROG',
  ]) {
    delete env[variable];
  }
  delete env.QEMU_BUILD_DIR;
  return env;
}

describe('scripts/setup.js', () => {
  test('a second run with everything present does nothing but check', () => {
    const stamp = path.join(ROOT, 'dist', '.build-stamp');
    const before = fs.statSync(stamp).mtimeMs;
    const run = runSetup([]);
    expect(run.status).toBe(0);
    expect(run.output).toContain('setup: npm dependencies: up to date');
    expect(run.output).toMatch(
      /setup: QEMU binaries: found \(qemu-system-\S+, qemu-img, qemu-io, qemu-nbd, qemu-storage-daemon\)/,
    );
    expect(run.output).toContain('setup: build: up to date');
    expect(run.output).not.toContain('running:');
    expect(fs.statSync(stamp).mtimeMs).toBe(before);
  });

  test('a build left half-done by a process that is gone is removed; a live one is kept', () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    const abandoned = path.join(ROOT, `dist.building-${gone}`);
    const live = path.join(ROOT, `dist.building-${process.pid}`);
    for (const dir of [abandoned, live]) fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
    try {
      const run = runSetup([]);
      expect(run.status).toBe(0);
      expect(run.output).toContain(`removed dist.building-${gone}, left by an interrupted build`);
      expect(fs.existsSync(abandoned)).toBe(false);
      expect(fs.existsSync(live)).toBe(true);
    } finally {
      for (const dir of [abandoned, live]) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--quiet prints nothing when there is nothing to do', () => {
    const run = runSetup(['--quiet']);
    expect(run.status).toBe(0);
    expect(run.output).toBe('');
  });

  test('missing QEMU without permission to install: the exact command to run', () => {
    const run = runSetup(['--no-install'], envWithoutQemu());
    expect(run.status).toBe(1);
    expect(run.output).toContain('missing QEMU binaries: qemu-system-');
    expect(run.output).toContain(
      'sudo apt-get update && sudo apt-get install -y --no-install-recommends qemu-system-x86 qemu-utils',
    );
    expect(run.output).toContain('QEMU_PROG, QEMU_IMG_PROG, QEMU_IO_PROG, QEMU_NBD_PROG, QSD_PROG');
  });

  test('a *_PROG that is not an executable names the variable', () => {
    const run = runSetup(['--no-install'], {
      ...process.env,
      QEMU_IMG_PROG: '/nonexistent/qemu-img',
    });
    expect(run.status).toBe(1);
    expect(run.output).toContain('QEMU_IMG_PROG=/nonexistent/qemu-img is not an executable file');
  });

  test('QEMU_BUILD_DIR: every binary from a build tree, nothing installed', () => {
    const build = path.join(scratch, 'build');
    fs.mkdirSync(path.join(build, 'storage-daemon'), { recursive: true });
    const find = (name: string) =>
      spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
    for (const tool of ['qemu-img', 'qemu-io', 'qemu-nbd']) {
      fs.symlinkSync(find(tool), path.join(build, tool));
    }
    const system = path.basename(find('qemu-system-x86_64'));
    fs.symlinkSync(find(system), path.join(build, system));
    const env = { ...envWithoutQemu(), QEMU_BUILD_DIR: build };
    // The daemon is still missing: the message names the path inside the build tree.
    let run = runSetup(['--no-install'], env);
    expect(run.status).toBe(1);
    expect(run.output).toContain(
      `QEMU_BUILD_DIR=${build} has no executable storage-daemon/qemu-storage-daemon`,
    );
    fs.symlinkSync(
      find('qemu-storage-daemon'),
      path.join(build, 'storage-daemon', 'qemu-storage-daemon'),
    );
    run = runSetup(['--no-install'], env);
    expect(run.status).toBe(0);
    expect(run.output).toContain('QEMU binaries: found');
  });

  test('an unknown option is refused, naming the accepted ones', () => {
    const run = runSetup(['--instal']);
    expect(run.status).toBe(1);
    expect(run.output).toContain(
      'unknown option "--instal" (accepted: --no-install, --quiet, --qemu <release>)',
    );
  });
});
