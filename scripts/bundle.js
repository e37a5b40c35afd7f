// The second build step (after tsc): the modules Jest loads into every test file, bundled into one.
//
// Jest gives each test file a fresh module registry, so everything a test file loads from this
// package (the library behind `import 'qemu-iotests'`, the matchers, the setup file, the snapshot
// serializer and resolver: some 85 modules) is resolved, read, wrapped and run again in every file.
// Jest's work per module, not the code in it, was the larger part of that cost; Jest 30 bundles
// its own packages for the same reason. Each of those entry points becomes a one-line module that
// takes its exports from dist/registry-bundle.js, so that all of them share one copy of every
// module (the transcript, the file's runtime, its cleanups) exactly as the separate files did.
// Modules loaded outside the registry (environment, global setup, reporter, CLI) stay as tsc wrote
// them. Run by scripts/setup.js and `npm run build`.
//
// The doors reach the bundle through a small loader module (registry-bundle-loader.js): under the
// preset's environment it has the bundle compiled once per worker and run in the test file's
// context (see src/jest/bundle-script.ts) instead of compiled again for every test file; anywhere
// else it is a plain require() of the bundle.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const BUNDLE = 'registry-bundle.js';
const LOADER = 'registry-bundle-loader.js';

// What the loader runs. The bridge's global name comes from src/jest/bridge.ts (tsc's output).
function loaderSource(bridgeKey) {
  return `'use strict';
// Loads ${BUNDLE} as this module. Under the preset's environment the worker compiles it once and
// runs it in this test file's context (src/jest/bundle-script.ts); elsewhere it is required.
const bundle = require('node:path').join(__dirname, '${BUNDLE}');
const bridge = globalThis[${JSON.stringify(bridgeKey)}];
if (bridge !== undefined && typeof bridge.runBundle === 'function') {
  bridge.runBundle(bundle, module, require);
} else {
  module.exports = require(bundle);
}
`;
}

/** The package's entry points that Jest loads into test files' module registries. */
const REGISTRY_ENTRIES = {
  index: 'src/index.js',
  matchers: 'matchers/index.js',
  extendExpect: 'matchers/extend-expect.js',
  setupAfterEnv: 'src/jest/setup-after-env.js',
  serializer: 'src/jest/serializer.js',
  snapshotResolver: 'src/jest/snapshot-resolver.js',
};

/** Bundle tsc's output in `distDir` and turn the registry entry points into its doors. */
function bundleRegistryEntries(distDir) {
  for (const file of Object.values(REGISTRY_ENTRIES)) {
    if (!fs.existsSync(path.join(distDir, file))) {
      throw new Error(`bundle: ${file} is not in ${distDir} (run tsc first)`);
    }
  }
  // One export per entry point, each loading its module on first call: an entry's side effects
  // (the setup file registers hooks) happen when Jest loads that entry, as before.
  const contents = Object.entries(REGISTRY_ENTRIES)
    .map(([name, file]) => `exports.${name} = () => require('./${file}');`)
    .join('\n');
  // Written out too: the bundle's source map names it, and every file a shipped map names is shipped.
  fs.writeFileSync(path.join(distDir, 'registry-entries.js'), `${contents}\n`);
  const esbuild = require('esbuild');
  const options = {
    stdin: { contents, resolveDir: distDir, sourcefile: 'registry-entries.js', loader: 'js' },
    outfile: path.join(distDir, BUNDLE),
    // Module names in the bundle (and its stack traces) relative to dist/, not to the build dir.
    absWorkingDir: path.resolve(distDir),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Peer and runtime dependencies (Jest's packages, execa) stay the user's single copies.
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
    metafile: true,
  };
  // Class and function names show in messages and stack traces. Each module keeps its own scope in
  // the bundle, so esbuild has no reason to rename them, and its keepNames (a defineProperty per
  // function, in every test file) would only restate them: a build with it, not written, shows
  // whether any name was changed after all.
  refuseRenames(esbuild.buildSync({ ...options, keepNames: true, write: false }).outputFiles);
  const result = esbuild.buildSync(options);
  refuseDynamicImports(result.metafile);
  const { BRIDGE_KEY } = require(path.resolve(distDir, 'src/jest/bridge.js'));
  fs.writeFileSync(path.join(distDir, LOADER), loaderSource(BRIDGE_KEY));
  for (const [name, file] of Object.entries(REGISTRY_ENTRIES)) {
    const entry = path.join(distDir, file);
    const relative = path.relative(path.dirname(entry), path.join(distDir, LOADER));
    const specifier = relative.startsWith('.') ? relative : `./${relative}`;
    fs.writeFileSync(
      entry,
      `'use strict';\n// Bundled with the other modules test files load: see ${BUNDLE}.\n` +
        `module.exports = require('${specifier}').${name}();\n`,
    );
    fs.rmSync(`${entry}.map`, { force: true });
  }
}

// The worker's compiled bundle runs without a dynamic import() callback (a vm.Script needs one of
// its own, which Jest's module loading does not offer from outside): there must be no import().
function refuseDynamicImports(metafile) {
  for (const [input, { imports }] of Object.entries(metafile.inputs)) {
    const dynamic = imports.filter((record) => record.kind === 'dynamic-import');
    if (dynamic.length > 0) {
      const names = dynamic.map((record) => record.path).join(', ');
      throw new Error(`bundle: ${input} uses import() (${names}); use require() instead`);
    }
  }
}

// keepNames writes `__name(fn, "name")` where a name needs restoring or may be lost; a function
// or class bound to an identifier of another name means esbuild renamed it.
function refuseRenames(outputFiles) {
  const code = outputFiles.find((file) => file.path.endsWith('.js')).text;
  const renamed = [...code.matchAll(/__name\(([A-Za-z_$][\w$]*), "([^"]*)"\)/g)]
    .filter(([, identifier, name]) => identifier !== 'this' && identifier !== name)
    .map(([, identifier, name]) => `${name} (as ${identifier})`);
  if (renamed.length > 0) {
    throw new Error(
      `bundle: esbuild renamed ${renamed.join(', ')}; their names would differ from the source`,
    );
  }
}

module.exports = {
  bundleRegistryEntries,
  refuseDynamicImports,
  refuseRenames,
  BUNDLE,
  LOADER,
  REGISTRY_ENTRIES,
};

if (require.main === module) {
  bundleRegistryEntries(path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'dist')));
}
