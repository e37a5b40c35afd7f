// The bundled iotests suite (`npm run iotests`): the repo tests its own preset through the preset,
// the way a user's project does with `jest --preset qemu-iotests`.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  preset: './jest-preset.js',
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/dist/'],
  // Inside this repo, `import ... from 'qemu-iotests'` means the freshly built package.
  moduleNameMapper: { '^qemu-iotests$': '<rootDir>/dist/src/index.js' },
  passWithNoTests: true,
};
