// Test helpers: a temp dir of fake QEMU executables to put on PATH (never run).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { qemuTargetForArch } from '../../../src/config';

/** The five program names resolveConfig looks for on PATH by default. */
export const DEFAULT_PROGRAMS = [
  `qemu-system-${qemuTargetForArch()}`,
  'qemu-img',
  'qemu-io',
  'qemu-nbd',
  'qemu-storage-daemon',
];

/** A private temp dir, removed by `cleanup`. */
export function makeTempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `qit-${tag}-`));
}

/** Writes an executable shell script named `name` into `dir` and returns its path. */
export function writeExecutable(dir: string, name: string, mode = 0o755): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode });
  fs.chmodSync(file, mode);
  return file;
}

/** A dir holding fake executables for every default program, plus `extra` names. */
export function makeFakeBinDir(extra: readonly string[] = []): string {
  const dir = makeTempDir('bin');
  for (const name of [...DEFAULT_PROGRAMS, ...extra]) writeExecutable(dir, name);
  return dir;
}

/** Removes temp dirs made by these helpers. */
export function cleanup(...dirs: string[]): void {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
}
