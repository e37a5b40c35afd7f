// The built package's registry entry points (what Jest loads into every test file) are doors into
// one bundle: loading all of them loads no separate copy of any library module, names are kept,
// and every door hands out the bundle's own exports.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { beforeAll, expect, test } from '@jest/globals';

import { ROOT, buildDist } from '../../faults/support/jest-child';

// scripts/bundle.js is CommonJS run by node; its table is the list under test.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bundle = require('../../../scripts/bundle') as {
  BUNDLE: string;
  LOADER: string;
  REGISTRY_ENTRIES: Record<string, string>;
  refuseRenames(outputFiles: { path: string; text: string }[]): void;
  refuseDynamicImports(metafile: {
    inputs: Record<string, { imports: { path: string; kind: string }[] }>;
  }): void;
};
const DIST = path.join(ROOT, 'dist');

beforeAll(() => buildDist(), 300_000);

test("the preset's registry modules and the package's library exports are all entry points", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const preset = require('../../../jest-preset.js') as {
    setupFilesAfterEnv: string[];
    snapshotSerializers: string[];
    snapshotResolver: string;
  };
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    main: string;
    exports: Record<string, string | { default: string }>;
  };
  const exported = (key: string): string => {
    const target = pkg.exports[key];
    return path.join(ROOT, typeof target === 'string' ? target : target.default);
  };
  const loadedInTestFiles = [
    ...preset.setupFilesAfterEnv,
    ...preset.snapshotSerializers,
    preset.snapshotResolver,
    path.join(ROOT, pkg.main),
    exported('.'),
    exported('./matchers'),
    exported('./matchers/extend-expect'),
  ];
  const entries = Object.values(bundle.REGISTRY_ENTRIES).map((file) => path.join(DIST, file));
  expect(new Set(entries)).toEqual(new Set(loadedInTestFiles));
});

test("every registry entry point is a one-line door into the bundle's loader", () => {
  for (const [name, file] of Object.entries(bundle.REGISTRY_ENTRIES)) {
    const text = fs.readFileSync(path.join(DIST, file), 'utf8');
    expect(text).toMatch(
      new RegExp(`^module\\.exports = require\\('[./]+${bundle.LOADER}'\\)\\.${name}\\(\\);$`, 'm'),
    );
    expect(fs.existsSync(path.join(DIST, `${file}.map`))).toBe(false);
  }
});

test('loading the entry points loads the bundle and no separate copy of a library module', () => {
  // The setup file needs the preset's environment (it throws without): its door is checked above.
  const { setupAfterEnv: _setupFile, ...outsideJest } = bundle.REGISTRY_ENTRIES;
  // A fresh Node process: what require() loads there is what one Jest registry loads.
  const script = `
    const path = require('node:path');
    const dist = ${JSON.stringify(DIST)};
    const entries = ${JSON.stringify(outsideJest)};
    // extend-expect registers the matchers on @jest/globals' expect, which refuses to load
    // outside Jest: an expect whose extend() does nothing stands in for it.
    const Module = require('node:module');
    const globalsId = require.resolve('@jest/globals', { paths: [dist] });
    const stub = new Module(globalsId);
    stub.exports = { expect: { extend: () => {} } };
    stub.loaded = true;
    require.cache[globalsId] = stub;
    const loaded = {};
    for (const [name, file] of Object.entries(entries)) loaded[name] = require(path.join(dist, file));
    const fromDist = Object.keys(require.cache)
      .filter((file) => file.startsWith(dist + path.sep))
      .map((file) => path.relative(dist, file))
      .sort();
    const index = loaded.index;
    console.log(JSON.stringify({
      fromDist,
      sameExports: index === require(path.join(dist, ${JSON.stringify(bundle.BUNDLE)})).index(),
      names: [index.VM.name, index.QemuMachine.name, new index.QmpError('x').name, index.log.name],
    }));
  `;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: ROOT });
  expect(run.stderr).toBe('');
  const report = JSON.parse(run.stdout) as {
    fromDist: string[];
    sameExports: boolean;
    names: string[];
  };
  expect(report.fromDist).toEqual(
    [...Object.values(outsideJest), bundle.LOADER, bundle.BUNDLE]
      .map((file) => path.normalize(file))
      .sort(),
  );
  expect(report.sameExports).toBe(true);
  expect(report.names).toEqual(['VM', 'QemuMachine', 'QmpError', 'log']);
});

test('a module with import() is refused: the compiled bundle runs without an import() callback', () => {
  const input = (kind: string) => ({
    inputs: { 'src/a.js': { imports: [{ path: 'some-package', kind }] } },
  });
  expect(() => bundle.refuseDynamicImports(input('require-call'))).not.toThrow();
  expect(() => bundle.refuseDynamicImports(input('dynamic-import'))).toThrow(
    'bundle: src/a.js uses import() (some-package); use require() instead',
  );
});

test('a function or class esbuild renamed is refused: the bundle keeps names without keepNames', () => {
  const output = (text: string) => [{ path: '/dist/registry-bundle.js', text }];
  const kept = 'static { __name(this, "VM"); } __name(parse, "parse"); __name(() => 1, "f")';
  expect(() => bundle.refuseRenames(output(kept))).not.toThrow();
  expect(() => bundle.refuseRenames(output(`${kept} __name(parse2, "parse")`))).toThrow(
    'bundle: esbuild renamed parse (as parse2); their names would differ from the source',
  );
  // The shipped bundle restates no name.
  expect(fs.readFileSync(path.join(DIST, bundle.BUNDLE), 'utf8')).not.toContain('__name(');
});
