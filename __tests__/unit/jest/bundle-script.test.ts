// The worker's compiled bundle: one compilation, run as a fresh module in each context given, with
// that context's globals, the require handed over, and the file's own line numbers; recompiled
// when the file changes on disk.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

import { afterAll, beforeAll, expect, test } from '@jest/globals';

import { type BundleModule, bundleScriptStats, runBundle } from '../../../src/jest/bundle-script';

let dir: string;
let file: string;

const BUNDLE = `"use strict";
exports.made = {};
exports.isArray = (value) => value instanceof Array;
exports.required = require('dependency');
exports.fail = () => {
  throw new Error('from the bundle');
};
exports.location = { file: __filename, dir: __dirname, self: this === exports };
`;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-script-'));
  file = path.join(dir, 'bundle.js');
  fs.writeFileSync(file, BUNDLE);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Exports {
  made: object;
  isArray: (value: unknown) => boolean;
  required: string;
  fail: () => never;
  location: { file: string; dir: string; self: boolean };
  version?: number;
}

function load(context: vm.Context): Exports {
  const module: BundleModule = { exports: {} };
  const require = ((id: string) => `required ${id}`) as unknown as NodeJS.Require;
  runBundle(file, context, module, require);
  return module.exports as Exports;
}

test('compiled once, run as a fresh module in each context, with that context’s globals', () => {
  const before = bundleScriptStats();
  const first = vm.createContext();
  const second = vm.createContext();
  const a = load(first);
  const b = load(second);
  expect(bundleScriptStats()).toEqual({ compiled: before.compiled + 1, runs: before.runs + 2 });
  expect(a.made).not.toBe(b.made);
  expect(a.isArray(vm.runInContext('[]', first))).toBe(true);
  expect(a.isArray(vm.runInContext('[]', second))).toBe(false);
  expect(a.isArray([])).toBe(false);
  expect(a.required).toBe('required dependency');
  expect(a.location).toEqual({ file, dir, self: true });
});

test("an error's stack names the bundle's file and the line as written there", () => {
  const { fail } = load(vm.createContext());
  let stack: string | undefined;
  try {
    fail();
  } catch (error: unknown) {
    stack = (error as Error).stack;
  }
  expect(stack).toContain('from the bundle');
  expect(stack).toContain(`${file}:6:`);
});

test('a bundle rebuilt on disk is compiled again', () => {
  const before = bundleScriptStats();
  load(vm.createContext());
  fs.writeFileSync(file, `${BUNDLE}exports.version = 2;\n`);
  const rebuilt = load(vm.createContext());
  expect(rebuilt.version).toBe(2);
  expect(bundleScriptStats().compiled).toBe(before.compiled + 1);
});
