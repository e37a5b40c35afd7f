import { describe, expect, test } from '@jest/globals';
import { isQmpCommandRunner, queryVm, unwrapReply } from '../../../matchers/receivers';

describe('unwrapReply', () => {
  test('takes the return value, whatever it is', () => {
    expect(unwrapReply({ return: [] }, 'query-block-jobs')).toEqual({ ok: true, value: [] });
    expect(unwrapReply({ return: null }, 'x')).toEqual({ ok: true, value: null });
  });

  test('turns an error reply into a problem naming the command and QEMU error', () => {
    const reply = { error: { class: 'GenericError', desc: 'Node "x" not found' } };
    expect(unwrapReply(reply, 'query-block')).toEqual({
      ok: false,
      problem: 'query-block failed: GenericError: Node "x" not found',
    });
  });

  test('says what came back when it is no reply at all', () => {
    expect(unwrapReply('ok', 'query-block')).toEqual({
      ok: false,
      problem: 'query-block gave no QMP reply, got "ok"',
    });
  });
});

describe('isQmpCommandRunner', () => {
  test('recognises anything with a qmp() method', () => {
    expect(isQmpCommandRunner({ qmp: () => Promise.resolve({ return: {} }) })).toBe(true);
    expect(isQmpCommandRunner({ qmp: 'x' })).toBe(false);
    expect(isQmpCommandRunner(null)).toBe(false);
  });
});

describe('queryVm', () => {
  test('runs the command without arguments and unwraps the reply', async () => {
    const calls: unknown[][] = [];
    const vm = {
      qmp: (...args: unknown[]): Promise<unknown> => {
        calls.push(args);
        return Promise.resolve({ return: [] });
      },
    };
    await expect(queryVm(vm, 'query-block-jobs')).resolves.toEqual({ ok: true, value: [] });
    expect(calls).toEqual([['query-block-jobs']]);
  });

  test('gives up when the VM never answers', async () => {
    const silentVm = { qmp: (): Promise<unknown> => new Promise<unknown>(() => undefined) };
    await expect(queryVm(silentVm, 'query-block-jobs', 20)).rejects.toThrow(
      'Could not run query-block-jobs on the VM: query-block-jobs got no reply within 20 ms',
    );
  });

  test('keeps the original error as the cause', async () => {
    const failure = new Error('socket closed');
    const brokenVm = { qmp: (): Promise<unknown> => Promise.reject(failure) };
    const error: unknown = await queryVm(brokenVm, 'query-block').catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).cause).toBe(failure);
  });
});
