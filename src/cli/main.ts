#!/usr/bin/env node
// The `qemu-iotests` bin: a thin wrapper so that the CLI itself (./cli) stays testable.
import { main } from './cli';

main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
}).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`qemu-iotests: internal error: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
