#!/usr/bin/env node
// `npm run iotests`: the bundled QEMU iotests suite, run through this repo's own preset.
// IMGFMT defaults to qcow2 for the suite; extra arguments go to Jest (`npm run iotests -- -t mirror`).
'use strict';

const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const env = { ...process.env, IMGFMT: process.env.IMGFMT || 'qcow2' };
const jest = require.resolve('jest/bin/jest', { paths: [root] });
const res = spawnSync(
  process.execPath,
  [jest, '--config', path.join(root, 'jest.iotests.config.js'), ...process.argv.slice(2)],
  { stdio: 'inherit', env, cwd: root },
);
process.exit(res.status === null ? 1 : res.status);
