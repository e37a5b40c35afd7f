import { describe, expect, jest, test } from '@jest/globals';
import {
  QemuAbnormalExitError,
  QemuLaunchError,
  QemuMachineError,
  SocketPathTooLongError,
  formatCommandLine,
} from '../../../src/machine';
import type * as errorsModule from '../../../src/machine/errors';

type ErrorsModule = typeof errorsModule;

/** A second, separate copy of the errors module, as Jest's per-file registries produce. */
function otherCopy(): ErrorsModule {
  let copy: ErrorsModule | undefined;
  jest.isolateModules(() => {
    copy = jest.requireActual<ErrorsModule>('../../../src/machine/errors');
  });
  if (copy === undefined) {
    throw new Error('module copy not loaded');
  }
  return copy;
}

const report = {
  exitCode: 1,
  signal: null,
  commandLine: ['qemu-system-x86_64', '-name', 'a b', "it's"],
  output: 'qemu-system-x86_64: -foo: invalid option\n',
};

describe('machine errors', () => {
  test('instanceof works across separate copies of the module', () => {
    const copy = otherCopy();
    expect(copy.QemuLaunchError).not.toBe(QemuLaunchError);
    const foreign = new copy.QemuLaunchError('boom', report);
    expect(foreign).toBeInstanceOf(QemuLaunchError);
    expect(foreign).toBeInstanceOf(QemuMachineError);
    expect(foreign).toBeInstanceOf(Error);
    expect(foreign).not.toBeInstanceOf(QemuAbnormalExitError);
    expect(new QemuMachineError('x')).not.toBeInstanceOf(copy.QemuLaunchError);
    expect(new SocketPathTooLongError('/p', 200)).toBeInstanceOf(copy.QemuMachineError);
    expect(new Error('plain')).not.toBeInstanceOf(QemuMachineError);
    expect({}).not.toBeInstanceOf(QemuMachineError);
  });

  test('a launch error shows the problem, the exit, a pasteable command line and the output', () => {
    const error = new QemuLaunchError('QEMU exited before connecting to its sockets', report);
    expect(error.name).toBe('QemuLaunchError');
    expect(error.message).toBe(
      [
        'QEMU failed to launch: QEMU exited before connecting to its sockets',
        '  QEMU exited with code 1',
        "  command: qemu-system-x86_64 -name 'a b' 'it'\\''s'",
        '  output:',
        '    qemu-system-x86_64: -foo: invalid option',
      ].join('\n'),
    );
    expect(error).toMatchObject({ exitCode: 1, signal: null, output: report.output });
  });

  test('an abnormal exit names the reason', () => {
    const error = new QemuAbnormalExitError('QEMU was killed by signal SIGSEGV', {
      ...report,
      exitCode: null,
      signal: 'SIGSEGV',
      output: '',
    });
    expect(error.message).toContain('QEMU shut down abnormally: QEMU was killed by signal SIGSEGV');
    expect(error.message).toContain('(no output)');
    expect(error.signal).toBe('SIGSEGV');
  });

  test('formatCommandLine leaves plain words alone', () => {
    expect(formatCommandLine(['qemu', '-machine', 'pc,accel=tcg', '/tmp/x.sock'])).toBe(
      'qemu -machine pc,accel=tcg /tmp/x.sock',
    );
    expect(formatCommandLine(['echo', ''])).toBe("echo ''");
  });
});
