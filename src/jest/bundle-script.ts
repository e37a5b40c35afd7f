// The package's registry bundle (dist/registry-bundle.js, see scripts/bundle.js), compiled once per
// worker and run in each test file's context.
//
// Jest compiles every module a test file loads again for that file, since each file has a fresh vm
// context: for the bundle, about half a megabyte, that is some 9 ms of parsing a file, then each
// function it runs is compiled again too. A vm.Script is compiled once and runs in any number of
// contexts, which is what Node documents it for; V8 then also keeps the functions earlier files
// compiled. Each run is still the test file's own module instance, made in its own context: the
// bundle's loader (dist/registry-bundle-loader.js) hands over its Jest module and require, so
// module state, `instanceof` and mocks behave as when Jest loads the bundle itself.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

/** The part of a CommonJS module the bundle's code uses. */
export interface BundleModule {
  exports: unknown;
}

/** The CommonJS wrapper, on the bundle's first line so that every line keeps its number. */
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAPPER_TAIL = '\n})';

interface CompiledBundle {
  readonly script: vm.Script;
  readonly size: number;
  readonly mtimeMs: number;
}

/** How often this worker compiled a bundle, and how often it ran one in a test file's context. */
export interface BundleScriptStats {
  compiled: number;
  runs: number;
}

const compiledBundles = new Map<string, CompiledBundle>();
const stats: BundleScriptStats = { compiled: 0, runs: 0 };

/** This worker's counts so far (a copy). */
export function bundleScriptStats(): BundleScriptStats {
  return { ...stats };
}

/**
 * Runs the bundle at `file` as `module` of the test file whose context is `context`, with the
 * `require` Jest made for that module. The worker keeps the compiled bundle while the file's size
 * and modification time stay those it was compiled from (a rebuild during a watch run recompiles).
 */
export function runBundle(
  file: string,
  context: vm.Context,
  module: BundleModule,
  require: NodeJS.Require,
): void {
  const wrapper: unknown = compiledBundle(file).script.runInContext(context);
  if (typeof wrapper !== 'function') {
    throw new Error(`qemu-iotests: ${file} did not compile to a module function`);
  }
  stats.runs++;
  wrapper.call(module.exports, module.exports, require, module, file, path.dirname(file));
}

function compiledBundle(file: string): CompiledBundle {
  const { size, mtimeMs } = fs.statSync(file);
  const kept = compiledBundles.get(file);
  if (kept !== undefined && kept.size === size && kept.mtimeMs === mtimeMs) return kept;
  const source = fs.readFileSync(file, 'utf8');
  // No importModuleDynamically: the build refuses a bundle with a dynamic import().
  const script = new vm.Script(`${WRAPPER_HEAD}${source}${WRAPPER_TAIL}`, { filename: file });
  const compiled = { script, size, mtimeMs };
  compiledBundles.set(file, compiled);
  stats.compiled++;
  return compiled;
}
