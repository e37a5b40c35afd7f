import { describe, expect, test } from '@jest/globals';
import { blockGraph } from './fixtures';
import { asyncFailureOf, failureOf, fakeVm, usageErrorOf } from './helpers';

// drive0 -[root]-> d0 -[file]-> #block086
//                   d0 -[backing]-> #block271 -[file]-> #block189
const graphVm = (): ReturnType<typeof fakeVm> =>
  fakeVm({ 'x-debug-query-block-graph': { return: blockGraph } });

describe('toHaveBlockPath', () => {
  describe('on a fetched graph (synchronous)', () => {
    test('passes when the path leads to the named node', () => {
      expect(blockGraph).toHaveBlockPath('d0', '/file', '#block086');
      expect(blockGraph).toHaveBlockPath('drive0', '/root/backing/file', '#block189');
      expect({ return: blockGraph }).toHaveBlockPath('d0', '/backing', '#block271');
    });

    test('returns nothing to await', () => {
      expect(expect(blockGraph).toHaveBlockPath('d0', '/file', '#block086')).toBeUndefined();
    });

    test('null expects no node under the last step', () => {
      expect(blockGraph).toHaveBlockPath('d0', '/backing/backing', null);
      expect(blockGraph).toHaveBlockPath('#block189', '/file', null);
    });

    test('fails showing the walk when another node is there', () => {
      expect(failureOf(() => expect(blockGraph).toHaveBlockPath('drive0', '/root/file', 'base')))
        .toMatchInlineSnapshot(`
       "expect(received).toHaveBlockPath(root, path, node)

       Root: "drive0"
       Path: "/root/file"
       Walked: drive0 -[root]-> d0 -[file]-> #block086
       Expected node: "base"
       Received node: "#block086"
       Children of "d0": "file", "backing""
      `);
    });

    test('fails showing the walk and the roles present when nothing is there', () => {
      expect(failureOf(() => expect(blockGraph).toHaveBlockPath('d0', '/backing/backing', 'base')))
        .toMatchInlineSnapshot(`
       "expect(received).toHaveBlockPath(root, path, node)

       Root: "d0"
       Path: "/backing/backing"
       Walked: d0 -[backing]-> #block271 -[backing]-> (none)
       Expected node: "base"
       Received node: null
       Children of "#block271": "file""
      `);
    });

    test('fails when null was expected but a node is there', () => {
      expect(failureOf(() => expect(blockGraph).toHaveBlockPath('d0', '/backing', null)))
        .toMatchInlineSnapshot(`
       "expect(received).toHaveBlockPath(root, path, node)

       Root: "d0"
       Path: "/backing"
       Walked: d0 -[backing]-> #block271
       Expected node: null
       Received node: "#block271"
       Children of "d0": "file", "backing""
      `);
    });
  });

  describe('on a VM (asynchronous)', () => {
    test('queries x-debug-query-block-graph and passes', async () => {
      const vm = graphVm();
      const result = expect(vm).toHaveBlockPath('drive0', '/root', 'd0');
      expect(result).toBeInstanceOf(Promise);
      await result;
      expect(vm.commands).toEqual(['x-debug-query-block-graph']);
    });

    test('fails with the walk', async () => {
      const message = await asyncFailureOf(() =>
        expect(graphVm()).toHaveBlockPath('drive0', '/root/backing', '#block086'),
      );
      expect(message).toMatchInlineSnapshot(`
       "expect(vm).toHaveBlockPath(root, path, node)

       Root: "drive0"
       Path: "/root/backing"
       Walked: drive0 -[root]-> d0 -[backing]-> #block271
       Expected node: "#block086"
       Received node: "#block271"
       Children of "d0": "file", "backing""
      `);
    });

    test('fails, with and without .not, when QEMU answers with an error', async () => {
      const vm = fakeVm({});
      const message = await asyncFailureOf(() => expect(vm).toHaveBlockPath('d0', '/file', null));
      expect(message).toMatchInlineSnapshot(`
       "expect(vm).toHaveBlockPath(root, path, node)

       x-debug-query-block-graph failed: CommandNotFound: The command x-debug-query-block-graph has not been found"
      `);
      await expect(
        asyncFailureOf(() => expect(vm).not.toHaveBlockPath('d0', '/file', null)),
      ).resolves.toContain('CommandNotFound');
    });

    test('rejects with context when the VM cannot be asked', async () => {
      const vm = {
        qmp: (): Promise<unknown> => Promise.reject(new Error('QMP connection closed')),
      };
      await expect(expect(vm).toHaveBlockPath('d0', '/file', null)).rejects.toThrow(
        'Could not run x-debug-query-block-graph on the VM: QMP connection closed',
      );
    });
  });

  describe('.not', () => {
    test('passes when another node or no node is there', async () => {
      expect(blockGraph).not.toHaveBlockPath('d0', '/file', '#block271');
      expect(blockGraph).not.toHaveBlockPath('d0', '/backing/backing', 'base');
      expect(blockGraph).not.toHaveBlockPath('d0', '/file', null);
      await expect(graphVm()).not.toHaveBlockPath('d0', '/backing', null);
    });

    test('fails when the named node is there', () => {
      expect(failureOf(() => expect(blockGraph).not.toHaveBlockPath('d0', '/file', '#block086')))
        .toMatchInlineSnapshot(`
       "expect(received).not.toHaveBlockPath(root, path, node)

       Root: "d0"
       Path: "/file"
       Walked: d0 -[file]-> #block086
       Expected node: not "#block086"
       Received node: "#block086""
      `);
    });
  });

  describe('paths that cannot be followed fail with and without .not', () => {
    test('a missing root node', () => {
      const message = failureOf(() => expect(blockGraph).toHaveBlockPath('nope', '/file', null));
      expect(message).toMatchInlineSnapshot(`
       "expect(received).toHaveBlockPath(root, path, node)

       Root: "nope"
       Path: "/file"
       Root node "nope" is not in the block graph (nodes: "#block271", "#block189", "d0", "#block086", "drive0")"
      `);
      expect(
        failureOf(() => expect(blockGraph).not.toHaveBlockPath('nope', '/file', 'x')),
      ).toContain('Root node "nope" is not in the block graph');
    });

    test('a step before the last that finds nothing', () => {
      const message = failureOf(() =>
        expect(blockGraph).toHaveBlockPath('d0', '/file/backing/file', null),
      );
      expect(message).toMatchInlineSnapshot(`
       "expect(received).toHaveBlockPath(root, path, node)

       Root: "d0"
       Path: "/file/backing/file"
       Walked: d0 -[file]-> #block086 -[backing]-> (none)
       Cannot follow the path: "#block086" has no child "backing", so "file" cannot be reached
       Children of "#block086": (none)"
      `);
      expect(
        failureOf(() => expect(blockGraph).not.toHaveBlockPath('d0', '/file/backing/file', 'x')),
      ).toContain('Cannot follow the path');
    });

    test('a graph that is not shaped like x-debug-query-block-graph', () => {
      const message = failureOf(() =>
        expect({ nodes: [{ id: '1', name: 'd0' }], edges: [] }).toHaveBlockPath(
          'd0',
          '/file',
          null,
        ),
      );
      expect(message).toContain('Unusable x-debug-query-block-graph result');
    });
  });

  describe('usage errors', () => {
    test.each([
      ['no leading slash', 'file'],
      ['just the root', '/'],
      ['an empty child name', '/backing//file'],
      ['a trailing slash', '/file/'],
    ])('rejects a path with %s', (_, path) => {
      const message = usageErrorOf(() =>
        expect(blockGraph).toHaveBlockPath('d0', path as `/${string}`, null),
      );
      expect(message).toContain(`path is malformed`);
      expect(message).toContain("Accepted: child names after a leading '/'");
    });

    test('names the bad path', () => {
      expect(
        usageErrorOf(() => expect(blockGraph).toHaveBlockPath('d0', 'file' as `/${string}`, null)),
      ).toMatchInlineSnapshot(`
       "expect(received).toHaveBlockPath(root, path, node)

       Matcher error: path is malformed: path "file" does not start with '/'

       Accepted: child names after a leading '/', e.g. '/file', '/backing/file', '/children.1'."
      `);
    });

    test('rejects a node that is neither a name nor null, before querying the VM', () => {
      const vm = graphVm();
      const message = usageErrorOf(() =>
        expect(vm).toHaveBlockPath('d0', '/file', undefined as unknown as null),
      );
      expect(message).toMatchInlineSnapshot(`
       "expect(vm).toHaveBlockPath(root, path, node)

       Matcher error: node must be a node name (string) or null for "no node", got undefined

       Node has value: undefined"
      `);
      expect(vm.commands).toEqual([]);
    });

    test('rejects a root that is not a node name', () => {
      const message = usageErrorOf(() => expect(blockGraph).toHaveBlockPath('', '/file', null));
      expect(message).toContain('root must be a node name (a non-empty string)');
    });

    test.each([
      ['a number', 42],
      ['an object that is no graph', { node: 'd0' }],
    ])('rejects %s as the receiver', (_, received) => {
      const message = usageErrorOf(() => expect(received).toHaveBlockPath('d0', '/file', null));
      expect(message).toContain(
        'received value must be a VM, a block graph or an x-debug-query-block-graph reply',
      );
    });
  });
});
