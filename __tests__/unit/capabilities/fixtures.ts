// Loads the verbatim QEMU outputs captured in ./fixtures (see fixtures/README.md).
import fs from 'node:fs';
import path from 'node:path';

const FIXTURES = path.join(__dirname, 'fixtures');

/** One captured command: what it printed and how it exited. */
export interface Capture {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Reads fixtures/NAME.{stdout,stderr,exitcode}.txt. */
export function capture(name: string): Capture {
  const read = (stream: string): string =>
    fs.readFileSync(path.join(FIXTURES, `${name}.${stream}.txt`), 'utf8');
  return { stdout: read('stdout'), stderr: read('stderr'), exitCode: Number(read('exitcode')) };
}
