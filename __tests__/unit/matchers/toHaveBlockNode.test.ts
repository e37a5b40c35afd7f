import { describe, expect, test } from '@jest/globals';
import { namedBlockNodes } from './fixtures';
import { asyncFailureOf, failureOf, fakeVm, usageErrorOf } from './helpers';

const nodesVm = (): ReturnType<typeof fakeVm> =>
  fakeVm({ 'query-named-block-nodes': { return: namedBlockNodes } });

describe('toHaveBlockNode', () => {
  test('finds a node by node-name, by file, or by both on the same node', () => {
    expect(namedBlockNodes).toHaveBlockNode({ nodeName: 'd0' });
    expect(namedBlockNodes).toHaveBlockNode({ fileName: 'base.qcow2' });
    expect(namedBlockNodes).toHaveBlockNode({ nodeName: 'd0', fileName: 'top.qcow2' });
    expect({ return: namedBlockNodes }).toHaveBlockNode({ nodeName: '#block086' });
  });

  test('queries query-named-block-nodes on a VM', async () => {
    const vm = nodesVm();
    const result = expect(vm).toHaveBlockNode({ nodeName: 'd0' });
    expect(result).toBeInstanceOf(Promise);
    await result;
    expect(vm.commands).toEqual(['query-named-block-nodes']);
  });

  test('fails listing the nodes when none matches', () => {
    expect(failureOf(() => expect(namedBlockNodes).toHaveBlockNode({ nodeName: 'base' })))
      .toMatchInlineSnapshot(`
     "expect(received).toHaveBlockNode(criteria)

     Expected: a node with node-name "base"
     Received: 4 nodes in query-named-block-nodes
       node-name "#block271", file "base.qcow2"
       node-name "#block189", file "base.qcow2"
       node-name "d0", file "top.qcow2"
       node-name "#block086", file "top.qcow2""
    `);
  });

  test('both criteria must hold for the same node', async () => {
    const message = await asyncFailureOf(() =>
      expect(nodesVm()).toHaveBlockNode({ nodeName: 'd0', fileName: 'base.qcow2' }),
    );
    expect(message).toMatchInlineSnapshot(`
     "expect(vm).toHaveBlockNode(criteria)

     Expected: a node with node-name "d0" and file "base.qcow2"
     Received: 4 nodes in query-named-block-nodes
       node-name "#block271", file "base.qcow2"
       node-name "#block189", file "base.qcow2"
       node-name "d0", file "top.qcow2"
       node-name "#block086", file "top.qcow2""
    `);
  });

  test('fails on an empty node list', () => {
    expect(failureOf(() => expect([]).toHaveBlockNode({ fileName: 'top.qcow2' }))).toContain(
      'Received: 0 nodes in query-named-block-nodes',
    );
  });

  describe('.not', () => {
    test('passes when no node matches', async () => {
      expect(namedBlockNodes).not.toHaveBlockNode({ nodeName: 'gone' });
      await expect(nodesVm()).not.toHaveBlockNode({ fileName: 'gone.qcow2' });
    });

    test('fails naming the node that matches', () => {
      expect(
        failureOf(() => expect(namedBlockNodes).not.toHaveBlockNode({ fileName: 'top.qcow2' })),
      ).toMatchInlineSnapshot(`
       "expect(received).not.toHaveBlockNode(criteria)

       Expected: no node with file "top.qcow2"
       Received: node-name "d0", file "top.qcow2""
      `);
    });
  });

  test('fails, with and without .not, when the reply is an error', () => {
    const reply = { error: { class: 'GenericError', desc: 'something broke' } };
    const expected = 'query-named-block-nodes failed: GenericError: something broke';
    expect(failureOf(() => expect(reply).toHaveBlockNode({ nodeName: 'd0' }))).toContain(expected);
    expect(failureOf(() => expect(reply).not.toHaveBlockNode({ nodeName: 'd0' }))).toContain(
      expected,
    );
  });

  describe('usage errors', () => {
    test('wants at least one criterion', () => {
      expect(
        usageErrorOf(() => expect(namedBlockNodes).toHaveBlockNode({} as { nodeName: string })),
      ).toMatchInlineSnapshot(`
       "expect(received).toHaveBlockNode(criteria)

       Matcher error: criteria must give nodeName, fileName or both

       Accepted: { nodeName: 'node0' }, { fileName: '/path/to/image' } or both, as non-empty strings.

       Criteria has type:  object
       Criteria has value: {}"
      `);
    });

    test.each([
      [
        'an empty node name',
        { nodeName: '' },
        'criteria.nodeName must be a non-empty string, got ""',
      ],
      [
        'a file name that is no string',
        { fileName: 7 },
        'criteria.fileName must be a non-empty string, got 7',
      ],
      ['a misspelt key', { node: 'd0' }, 'criteria has unknown keys "node"'],
      ['a bare string', 'd0', 'criteria must be an object, got a string'],
    ])('rejects %s', (_, criteria, expected) => {
      const message = usageErrorOf(() =>
        expect(namedBlockNodes).toHaveBlockNode(criteria as unknown as { nodeName: string }),
      );
      expect(message).toContain(expected);
      expect(message).toContain("Accepted: { nodeName: 'node0' }, { fileName: '/path/to/image' }");
    });

    test('rejects a receiver that is neither a VM nor a node list', () => {
      expect(usageErrorOf(() => expect('d0').toHaveBlockNode({ nodeName: 'd0' }))).toContain(
        'received value must be a VM, a query-named-block-nodes list or its reply',
      );
    });
  });
});
