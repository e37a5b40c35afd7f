// How secrets are hidden in the command lines errors carry (the end-to-end proof with a real LUKS
// run is in security.test.ts): every spelling of a QEMU secret object, and nothing else touched.
import { describe, expect, test } from '@jest/globals';

import { QemuToolError } from '../../src/iotests/tools';
import {
  QemuAbnormalExitError,
  QemuLaunchError,
  formatCommandLine,
  redactCommandLine,
} from '../../src/machine';
import { redactSecretArgument } from '../../src/machine/errors';

const SECRET = 'hunter2';

describe('redactSecretArgument', () => {
  test.each([
    ['secret,id=keysec0,data=hunter2', 'secret,id=keysec0,data=<redacted>'],
    ['secret,data=hunter2,id=keysec0', 'secret,data=<redacted>,id=keysec0'],
    [
      'qom-type=secret,id=s,data=hunter2,format=raw',
      'qom-type=secret,id=s,data=<redacted>,format=raw',
    ],
    // A comma inside a QEMU option value is written as two: all of it is the secret.
    ['secret,id=s,data=hun,,ter2,format=raw', 'secret,id=s,data=<redacted>,format=raw'],
    [
      '{"qom-type":"secret","id":"s","data":"hunter2"}',
      '{"qom-type":"secret","id":"s","data":"<redacted>"}',
    ],
  ])('%s', (arg, expected) => {
    expect(redactSecretArgument(arg)).toBe(expected);
  });

  test.each([
    ['other objects', 'throttle-group,id=tg0,x-bps-total=1048576'],
    ['a data= option of something else', 'driver=blkdebug,data=hunter2'],
    ['a key-secret reference (an id, not a secret)', 'driver=luks,key-secret=keysec0'],
    ['a secret_keyring object (no data)', 'secret_keyring,id=s,serial=42'],
    ['JSON of another object', '{"qom-type":"iothread","id":"io0"}'],
    ['text that only looks like JSON', '{not json'],
  ])('leaves %s alone', (_what, arg) => {
    expect(redactSecretArgument(arg)).toBe(arg);
  });
});

describe('errors that show command lines', () => {
  const argv = ['qemu-img', 'create', '--object', `secret,id=keysec0,data=${SECRET}`, 'x.luks'];
  const report = { exitCode: 1, signal: null, commandLine: argv, output: 'boom' };

  test('formatCommandLine and redactCommandLine hide the value, keep the rest', () => {
    expect(formatCommandLine(argv)).toBe(
      "qemu-img create --object 'secret,id=keysec0,data=<redacted>' x.luks",
    );
    expect(redactCommandLine(argv)).toEqual([
      'qemu-img',
      'create',
      '--object',
      'secret,id=keysec0,data=<redacted>',
      'x.luks',
    ]);
    expect(argv[3]).toContain(SECRET); // the caller's array is not modified
  });

  test.each([
    ['QemuLaunchError', new QemuLaunchError('QEMU exited', report)],
    ['QemuAbnormalExitError', new QemuAbnormalExitError('QEMU exited with code 1', report)],
    [
      'QemuToolError',
      new QemuToolError({
        tool: 'qemu-img',
        command: argv,
        exitCode: 1,
        signal: null,
        stdout: 'boom',
        stderr: undefined,
      }),
    ],
  ])('%s: neither the message nor what JSON.stringify shows has the secret', (_name, error) => {
    expect(error.message).toContain('data=<redacted>');
    expect(error.message).not.toContain(SECRET);
    expect(JSON.stringify(error)).not.toContain(SECRET);
  });
});
