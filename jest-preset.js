// `jest --preset qemu-iotests`: every path is absolute (require.resolve) and points at compiled JS,
// so the preset works from any consumer project without a transform of its own.
'use strict';

/** @type {import('jest').Config} */
module.exports = {
  testMatch: ['**/__tests__/iotests/**/*.test.[jt]s', '**/*.iotest.[jt]s'],
  transform: {
    '^.+\\.ts$': [require.resolve('ts-jest'), { isolatedModules: true }],
  },
  testTimeout: 120000,
};
