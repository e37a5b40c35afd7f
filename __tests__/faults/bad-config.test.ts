// Bad configuration, end to end: Jest with the preset and one bad value each. The run stops in
// global setup with one line that names the variable, the value and what is accepted (no stack
// trace, no test run, no QEMU started). The exact wording of every message is pinned by the unit
// tests in __tests__/unit/config/validation.test.ts; this proves it is what a user sees.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, expect, test } from '@jest/globals';

import type { JestRunOptions } from './support/jest-child';
import { buildDist, explicitDirs, removeSocketDirs, runJest } from './support/jest-child';
import { entriesUnder } from './support/leftovers';

let scratch: string;

beforeAll(() => {
  buildDist();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-config-'));
  fs.writeFileSync(path.join(scratch, 'a-file'), '');
});

afterAll(() => {
  removeSocketDirs();
  fs.rmSync(scratch, { recursive: true, force: true });
});

interface BadValue {
  /** What is wrong, for the test title. */
  what: string;
  env?: Record<string, string>;
  config?: JestRunOptions['config'];
  /** The one line the run prints. */
  line: RegExp;
}

const file = (): string => path.join(scratch, 'a-file');
const longSockDir = `/tmp/${'x'.repeat(70)}`;

const BAD_VALUES: BadValue[] = [
  {
    what: 'an unknown cache mode',
    env: { CACHEMODE: 'bogus' },
    line: /^qemu-iotests: CACHEMODE="bogus": not a cache mode; accepted: none, writeback, writethrough, directsync, unsafe$/,
  },
  {
    what: 'an unknown AIO mode',
    env: { AIOMODE: 'posix' },
    line: /^qemu-iotests: AIOMODE="posix": not an AIO mode; accepted: threads, native, io_uring$/,
  },
  {
    what: 'native AIO without O_DIRECT',
    env: { AIOMODE: 'native', CACHEMODE: 'writeback' },
    line: /^qemu-iotests: AIOMODE="native": needs O_DIRECT but CACHEMODE is writeback; set CACHEMODE=none/,
  },
  {
    what: 'an unknown protocol',
    env: { IMGPROTO: 'http' },
    line: /^qemu-iotests: IMGPROTO="http": not a supported protocol; accepted: file, rbd, nbd, ssh, nfs, fuse$/,
  },
  {
    what: "a format outside check's image formats",
    env: { IMGFMT: 'nosuchfmt' },
    line: /^qemu-iotests: IMGFMT="nosuchfmt": not an image format qemu-iotests tests; accepted: raw, .*\bqcow2\b/,
  },
  {
    what: 'a format that is not a name',
    env: { IMGFMT: 'qcow2 -o x' },
    line: /^qemu-iotests: IMGFMT="qcow2 -o x": not an image format qemu-iotests tests; accepted: /,
  },
  {
    what: 'a QEMU binary that does not exist',
    env: { QEMU_PROG: '/nonexistent/qemu-system-x86_64' },
    line: /^qemu-iotests: QEMU_PROG="\/nonexistent\/qemu-system-x86_64": /,
  },
  {
    what: 'a tool binary that is a directory',
    env: { QEMU_IMG_PROG: '/tmp' },
    line: /^qemu-iotests: QEMU_IMG_PROG="\/tmp": .*not a regular file/,
  },
  {
    what: 'a TEST_DIR that is a file',
    env: { TEST_DIR: '<file>' },
    line: /^qemu-iotests: TEST_DIR=".*a-file": exists but is not a directory; point it at a directory or remove the file$/,
  },
  {
    what: 'a SOCK_DIR that cannot be created',
    env: { SOCK_DIR: '<file>/socks' },
    line: /^qemu-iotests: SOCK_DIR=".*a-file\/socks": cannot be created: .*a-file is not a directory/,
  },
  {
    what: 'a SOCK_DIR too long for AF_UNIX socket paths',
    env: { SOCK_DIR: longSockDir },
    line: /^qemu-iotests: SOCK_DIR="\/tmp\/x+": is 75 bytes long, too long for UNIX socket paths .*; choose a shorter directory/,
  },
  {
    what: 'a SAMPLE_IMG_DIR that does not exist',
    env: { SAMPLE_IMG_DIR: '/nonexistent/samples' },
    line: /^qemu-iotests: SAMPLE_IMG_DIR="\/nonexistent\/samples": not an existing directory/,
  },
  {
    what: 'a timeout that is not a number',
    env: { IOTESTS_QMP_TIMEOUT: 'soon' },
    line: /^qemu-iotests: IOTESTS_QMP_TIMEOUT="soon": /,
  },
  {
    what: 'a bad value in testEnvironmentOptions',
    config: { testEnvironmentOptions: { CACHEMODE: 'sometimes' } },
    line: /^qemu-iotests: testEnvironmentOptions\.CACHEMODE="sometimes": not a cache mode; accepted: /,
  },
];

test.each(BAD_VALUES.map((bad) => [bad.what, bad] as const))(
  '%s: one line naming the value, nothing run',
  async (_what, bad) => {
    const dirs = explicitDirs(scratch);
    const env = Object.fromEntries(
      Object.entries(bad.env ?? {}).map(([name, value]) => [name, value.replace('<file>', file())]),
    );
    const run = await runJest({
      testMatch: ['**/next-run.fixture.ts'],
      dirs,
      env,
      config: bad.config,
      timeoutMs: 60_000,
    });
    const lines = run.output.trim().split('\n');
    expect({ status: run.status, lines: lines.length }).toEqual({ status: 1, lines: 1 });
    expect(lines[0]).toMatch(bad.line);
    expect(run.results).toBeUndefined(); // no test ran: Jest never got as far as results
    if (dirs.kind === 'explicit') expect(entriesUnder(dirs.testDir)).toEqual([]);
  },
);
