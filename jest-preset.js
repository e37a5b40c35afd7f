// `jest --preset qemu-iotests`: every path is absolute (require.resolve) and points at compiled JS,
// so the preset works from any consumer project. A user's own config overrides any key.
'use strict';

const dist = (file) => require.resolve(`./dist/${file}`);

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: dist('src/jest/environment.js'),
  // Jest's runtime, reading each module's source once per worker instead of once per test file.
  runtime: dist('src/jest/runtime.js'),
  globalSetup: dist('src/jest/global-setup.js'),
  globalTeardown: dist('src/jest/global-teardown.js'),
  // The matchers, then the file's runtime and VM (override both, or neither).
  setupFilesAfterEnv: [dist('matchers/extend-expect.js'), dist('src/jest/setup-after-env.js')],
  snapshotSerializers: [dist('src/jest/serializer.js')],
  snapshotResolver: dist('src/jest/snapshot-resolver.js'),
  reporters: ['default', dist('src/jest/reporter.js')],
  // Jest's own default test locations (so `__tests__/foo.test.ts` runs, also when an IDE names it
  // on the command line), plus the `*.iotest.ts` naming. A project narrows them in its own config.
  testMatch: [
    '**/__tests__/**/*.?([mc])[jt]s?(x)',
    '**/?(*.)+(spec|test).?([mc])[jt]s?(x)',
    '**/*.iotest.[jt]s',
  ],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: {
    // ts-jest, transpile only (isolatedModules): type errors are the job of `tsc --noEmit`, not of
    // every test run, where type-checking each file costs seconds. The wrapper loads ts-jest (and
    // TypeScript, ~300 ms a process) only when a file is not in Jest's cache yet. Override
    // `transform` to use your own tsconfig.
    '^.+\\.ts$': [
      dist('src/jest/ts-transformer.js'),
      {
        tsconfig: {
          isolatedModules: true,
          target: 'ES2022',
          module: 'commonjs',
          esModuleInterop: true,
          sourceMap: true,
        },
      },
    ],
  },
  // QEMU block jobs under TCG can be slow; every wait inside has its own, shorter timeout.
  testTimeout: 120000,
};
