import { describe, expect, test } from '@jest/globals';
import { runningMirrorJobs } from './fixtures';
import { asyncFailureOf, failureOf, fakeVm, usageErrorOf } from './helpers';

describe('toHaveNoActiveBlockJobs', () => {
  test('passes on an empty job list, its reply, or a VM without jobs', async () => {
    expect([]).toHaveNoActiveBlockJobs();
    expect({ return: [] }).toHaveNoActiveBlockJobs();
    const vm = fakeVm({ 'query-block-jobs': { return: [] } });
    await expect(vm).toHaveNoActiveBlockJobs();
    expect(vm.commands).toEqual(['query-block-jobs']);
  });

  test('fails listing the jobs still there', async () => {
    const vm = fakeVm({ 'query-block-jobs': { return: runningMirrorJobs } });
    expect(await asyncFailureOf(() => expect(vm).toHaveNoActiveBlockJobs())).toMatchInlineSnapshot(`
     "expect(vm).toHaveNoActiveBlockJobs()

     Expected: no block jobs
     Received: 1 block job
       "job0" (mirror, running, 16777216/104857600)"
    `);
  });

  describe('.not', () => {
    test('passes while a job runs', () => {
      expect({ return: runningMirrorJobs }).not.toHaveNoActiveBlockJobs();
    });

    test('fails when there is none', () => {
      expect(failureOf(() => expect({ return: [] }).not.toHaveNoActiveBlockJobs()))
        .toMatchInlineSnapshot(`
       "expect(received).not.toHaveNoActiveBlockJobs()

       Expected: at least one block job
       Received: none (query-block-jobs returned [])"
      `);
    });
  });

  test('fails, with and without .not, when QEMU answers with an error', async () => {
    const vm = fakeVm({});
    const expected = 'query-block-jobs failed: CommandNotFound';
    expect(await asyncFailureOf(() => expect(vm).toHaveNoActiveBlockJobs())).toContain(expected);
    expect(await asyncFailureOf(() => expect(vm).not.toHaveNoActiveBlockJobs())).toContain(
      expected,
    );
  });

  test('fails, with and without .not, when the reply is not a list', () => {
    const reply = { return: {} };
    const expected = 'Unusable query-block-jobs result: an object, not a list';
    expect(failureOf(() => expect(reply).toHaveNoActiveBlockJobs())).toContain(expected);
    expect(failureOf(() => expect(reply).not.toHaveNoActiveBlockJobs())).toContain(expected);
  });

  describe('usage errors', () => {
    test('takes no arguments', () => {
      const withArgument = expect([]) as unknown as { toHaveNoActiveBlockJobs(id: string): void };
      expect(usageErrorOf(() => withArgument.toHaveNoActiveBlockJobs('job0')))
        .toMatchInlineSnapshot(`
       "expect(received).toHaveNoActiveBlockJobs()

       Matcher error: toHaveNoActiveBlockJobs takes no arguments, got 1

       First argument has type:  string
       First argument has value: "job0""
      `);
    });

    test('rejects a receiver that is neither a VM nor a job list', () => {
      expect(usageErrorOf(() => expect(undefined).toHaveNoActiveBlockJobs())).toContain(
        'received value must be a VM, a query-block-jobs list or its reply',
      );
    });
  });
});
