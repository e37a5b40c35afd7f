// OutputLog: QEMU's stdout+stderr, written through a descriptor a child process shares with us and
// read back through the same one, also after the file is unlinked.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, test } from '@jest/globals';

import { OutputLog } from '../../../src/machine/output-log';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'output-log-test-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Runs a shell command with stdout and stderr on the log's descriptor, as QEMU's are. */
function writeFromChild(log: OutputLog, script: string): void {
  const run = spawnSync('/bin/sh', ['-c', script], { stdio: ['ignore', log.fd, log.fd] });
  expect(run.status).toBe(0);
}

describe('OutputLog', () => {
  test('reads what a child wrote to both streams, in order, and what it writes later', () => {
    const log = OutputLog.create(path.join(scratch, 'ordered.log'));
    expect(log.text()).toBe('');
    writeFromChild(log, 'echo one; echo two >&2');
    expect(log.text()).toBe('one\ntwo\n');
    writeFromChild(log, 'printf three');
    expect(log.text()).toBe('one\ntwo\nthree');
    log.close();
  });

  test('still reads the text once the file is unlinked (the private dir went first)', () => {
    const file = path.join(scratch, 'unlinked.log');
    const log = OutputLog.create(file);
    writeFromChild(log, 'echo before');
    fs.rmSync(file);
    writeFromChild(log, 'echo after');
    expect(log.text()).toBe('before\nafter\n');
    expect(log.close()).toBe('before\nafter\n');
  });

  test('close keeps the final text and can be called again', () => {
    const log = OutputLog.create(path.join(scratch, 'closed.log'));
    writeFromChild(log, 'echo last words');
    expect(log.close()).toBe('last words\n');
    expect(log.close()).toBe('last words\n');
    expect(log.text()).toBe('last words\n');
  });

  test('creating truncates a file left over from an earlier run', () => {
    const file = path.join(scratch, 'reused.log');
    fs.writeFileSync(file, 'stale output\n');
    const log = OutputLog.create(file);
    expect(log.text()).toBe('');
    log.close();
  });

  test('multi-byte UTF-8 output is decoded whole', () => {
    const log = OutputLog.create(path.join(scratch, 'utf8.log'));
    writeFromChild(
      log,
      "printf 'qemu: \\342\\200\\230drive\\342\\200\\231 \\360\\237\\222\\276\\n'",
    );
    expect(log.close()).toBe('qemu: ‘drive’ 💾\n');
  });
});
