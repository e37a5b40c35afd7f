// The bundled iotests suite (`npm run iotests`): the repo tests its own preset through the preset,
// the way a user's project does with `jest --preset qemu-iotests`.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  preset: './jest-preset.js',
  // The preset takes Jest's default test locations; this repo's suite is the ported iotests only
  // (its support modules and the unit/integration trees are not iotests).
  roots: ['<rootDir>/__tests__/iotests'],
  testMatch: ['<rootDir>/__tests__/iotests/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/dist/'],
  // Inside this repo, `import ... from 'qemu-iotests'` means the freshly built package.
  moduleNameMapper: { '^qemu-iotests$': '<rootDir>/dist/src/index.js' },
  passWithNoTests: true,
  // References are QEMU 7.2's; a run on QEMU 10.0 keeps its own where they differ
  // (__snapshots__/qemu-10.0/<fmt>/...).
  testEnvironmentOptions: { referenceBase: '7.2' },
};
