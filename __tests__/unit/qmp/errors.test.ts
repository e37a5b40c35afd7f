import { describe, expect, jest, test } from '@jest/globals';

import { IotestsError } from '../../../src/common/errors';
import * as errors from '../../../src/qmp/errors';
import {
  QmpCommandError,
  QmpConnectError,
  QmpConnectionLostError,
  QmpError,
  QmpProtocolError,
  QmpTimeoutError,
} from '../../../src/qmp/errors';

type ErrorsModule = typeof errors;

/** A second, independent copy of the errors module, as another Jest module registry would load it. */
function loadIsolatedCopy(): ErrorsModule {
  let copy: ErrorsModule | undefined;
  jest.isolateModules(() => {
    copy = jest.requireActual<ErrorsModule>('../../../src/qmp/errors');
  });
  if (copy === undefined) {
    throw new Error('isolateModules did not load the module');
  }
  return copy;
}

function oneOfEach(module: ErrorsModule): Record<string, Error> {
  return {
    QmpError: new module.QmpError('generic'),
    QmpConnectError: new module.QmpConnectError('/tmp/x.sock', 'ENOENT'),
    QmpTimeoutError: new module.QmpTimeoutError('op', 5, 'IOTESTS_QMP_TIMEOUT'),
    QmpCommandError: new module.QmpCommandError('c', undefined, 'GenericError', 'd'),
    QmpProtocolError: new module.QmpProtocolError('bad', 'raw'),
    QmpConnectionLostError: new module.QmpConnectionLostError('gone'),
  };
}

const SUBCLASSES = [
  'QmpConnectError',
  'QmpTimeoutError',
  'QmpCommandError',
  'QmpProtocolError',
  'QmpConnectionLostError',
] as const;

describe('error hierarchy', () => {
  test('every class extends QmpError and Error with a normal prototype chain', () => {
    for (const [name, error] of Object.entries(oneOfEach(errors))) {
      expect(error).toBeInstanceOf(Error);
      expect(error instanceof QmpError).toBe(true);
      expect(error.name).toBe(name);
      expect(Object.getPrototypeOf(Object.getPrototypeOf(error))).toBe(
        name === 'QmpError' ? IotestsError.prototype : QmpError.prototype,
      );
      expect(error.stack).toContain(name);
    }
  });

  test('sibling classes do not match each other', () => {
    const instances = oneOfEach(errors);
    for (const name of SUBCLASSES) {
      for (const other of SUBCLASSES) {
        expect(instances[name] instanceof errors[other]).toBe(name === other);
      }
    }
    expect(instances.QmpError instanceof QmpTimeoutError).toBe(false);
    expect(new Error('plain') instanceof QmpError).toBe(false);
    expect((null as unknown as object) instanceof QmpError).toBe(false);
    expect({ message: 'duck' } instanceof QmpError).toBe(false);
  });

  test('the brand is a registered, non-enumerable symbol', () => {
    const error = new QmpTimeoutError('op', 5, 'K');
    const brand = Symbol.for('qemu-iotests.error.QmpTimeoutError');
    expect((error as unknown as Record<symbol, unknown>)[brand]).toBe(true);
    expect(Object.getOwnPropertyDescriptor(error, brand)?.enumerable).toBe(false);
    expect(Object.keys(error)).not.toContain(brand.toString());
  });

  test('a subclass declared elsewhere without its own brand gets the prototype check', () => {
    class LaunchError extends QmpError {}
    expect(new LaunchError('x') instanceof LaunchError).toBe(true);
    expect(new LaunchError('x') instanceof QmpError).toBe(true);
    expect(new QmpError('x') instanceof LaunchError).toBe(false);
    expect(new QmpTimeoutError('op', 1, 'K') instanceof LaunchError).toBe(false);
  });
});

describe('instanceof across module copies (jest.isolateModules)', () => {
  test('the copies are really different classes', () => {
    const copy = loadIsolatedCopy();
    expect(copy.QmpError).not.toBe(QmpError);
    expect(Object.getPrototypeOf(new copy.QmpError('x'))).not.toBe(QmpError.prototype);
  });

  test('errors from one copy are instances of the same class and its parent in the other', () => {
    const first = loadIsolatedCopy();
    const second = loadIsolatedCopy();
    for (const [from, to] of [
      [first, second],
      [second, first],
      [first, errors],
    ] as const) {
      const instances = oneOfEach(from);
      for (const name of SUBCLASSES) {
        expect(instances[name] instanceof to[name]).toBe(true);
        expect(instances[name] instanceof to.QmpError).toBe(true);
        for (const other of SUBCLASSES) {
          if (other !== name) {
            expect(instances[name] instanceof to[other]).toBe(false);
          }
        }
      }
      expect(instances.QmpError instanceof to.QmpError).toBe(true);
    }
  });
});

describe('fields and messages', () => {
  test('QmpCommandError carries class, description, command and args', () => {
    const error = new QmpCommandError(
      'blockdev-add',
      { driver: 'file', filename: '/nope' },
      'GenericError',
      "Could not open '/nope': No such file or directory",
    );
    expect(error).toMatchObject({
      errorClass: 'GenericError',
      description: "Could not open '/nope': No such file or directory",
      command: 'blockdev-add',
      args: { driver: 'file', filename: '/nope' },
    });
    expect(error.message).toBe(
      `QMP command 'blockdev-add' with arguments {"driver":"file","filename":"/nope"} failed: ` +
        `GenericError: Could not open '/nope': No such file or directory`,
    );
  });

  test('QmpCommandError abbreviates huge arguments in its message but keeps them whole', () => {
    const args = { blob: 'x'.repeat(10_000) };
    const error = new QmpCommandError('big', args, 'GenericError', 'no');
    expect(error.message.length).toBeLessThan(500);
    expect(error.message).toContain('chars)');
    expect(error.args).toBe(args);
  });

  test('QmpTimeoutError names the operation, the timeout and the knob', () => {
    const error = new QmpTimeoutError(
      "reply to QMP command 'query-status'",
      1500,
      'IOTESTS_QMP_TIMEOUT',
    );
    expect(error).toMatchObject({
      operation: "reply to QMP command 'query-status'",
      timeoutMs: 1500,
      knob: 'IOTESTS_QMP_TIMEOUT',
    });
    expect(error.message).toBe(
      "Timed out after 1500 ms waiting for reply to QMP command 'query-status'; " +
        'if QEMU is just slow, raise IOTESTS_QMP_TIMEOUT (seconds)',
    );
  });

  test('QmpConnectionLostError, QmpProtocolError and QmpConnectError', () => {
    const lost = new QmpConnectionLostError('QEMU exited with signal SIGKILL', 'the QMP greeting');
    expect(lost.reason).toBe('QEMU exited with signal SIGKILL');
    expect(lost.message).toBe(
      'QMP connection lost while waiting for the QMP greeting: QEMU exited with signal SIGKILL',
    );
    const protocol = new QmpProtocolError('Invalid JSON from QMP peer', '{nope');
    expect(protocol.raw).toBe('{nope');
    expect(protocol.message).toBe('Invalid JSON from QMP peer: {nope');
    expect(new QmpProtocolError('x').raw).toBeUndefined();
    const connect = new QmpConnectError('/run/q.sock', 'ECONNREFUSED');
    expect(connect.path).toBe('/run/q.sock');
    expect(connect.message).toBe('Cannot connect to QMP socket /run/q.sock: ECONNREFUSED');
  });
});
