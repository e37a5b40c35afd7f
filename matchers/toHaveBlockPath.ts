import type { ExpectationResult, MatcherContext, SyncExpectationResult } from 'expect';
import {
  asBlockGraph,
  childRoles,
  describeWalk,
  parseBlockPath,
  walkBlockPath,
  type BlockPathWalk,
} from './block-graph';
import { describeValue, isJsonObject } from './json-kinds';
import { hintLine, type MatcherCall, undecidable, usageError, wrongReceiver } from './matcher-call';
import { type Fetched, fetchReceived, judgeFetched, queryingMatcherCall } from './receivers';
import type { BlockGraph, BlockGraphNode } from './types';

const COMMAND = 'x-debug-query-block-graph';

interface BlockPathQuery {
  readonly root: string;
  readonly path: string;
  readonly children: readonly string[];
  readonly node: string | null;
}

/**
 * `await expect(vm).toHaveBlockPath(root, path, node)`: iotests' assert_block_path. Following
 * the child roles in `path` ('/file', '/backing/file') from the node named `root` reaches the
 * node named `node`, or, for `null`, nothing (every step but the last must still exist).
 * The receiver is a VM (queried, so await it), a block graph or an x-debug-query-block-graph reply.
 */
export function toHaveBlockPath(
  this: MatcherContext,
  received: unknown,
  root: unknown,
  path: unknown,
  node: unknown,
): ExpectationResult {
  const call = queryingMatcherCall('toHaveBlockPath', received, 'root, path, node');
  const query = requireQuery(this, call, root, path, node);
  const fetched = fetchReceived(
    received,
    COMMAND,
    (value) => isJsonObject(value) && ('nodes' in value || 'edges' in value),
  );
  if (fetched !== undefined) return judgeFetched(fetched, (f) => judge(this, call, query, f));
  const { utils } = this;
  throw wrongReceiver(
    this,
    call,
    `${utils.RECEIVED_COLOR('received')} value must be a VM, a block graph or an ${COMMAND} reply`,
    received,
  );
}

function requireQuery(
  context: MatcherContext,
  call: MatcherCall,
  root: unknown,
  path: unknown,
  node: unknown,
): BlockPathQuery {
  const { utils } = context;
  if (typeof root !== 'string' || root === '') {
    throw usageError(
      context,
      call,
      `${utils.EXPECTED_COLOR('root')} must be a node name (a non-empty string)`,
      utils.printWithType('Root', root, utils.printExpected),
    );
  }
  const children = parseBlockPath(path);
  if (typeof children === 'string') {
    throw usageError(
      context,
      call,
      `${utils.EXPECTED_COLOR('path')} is malformed: ${children}`,
      "Accepted: child names after a leading '/', e.g. '/file', '/backing/file', '/children.1'.",
    );
  }
  if (node !== null && typeof node !== 'string') {
    throw usageError(
      context,
      call,
      `${utils.EXPECTED_COLOR('node')} must be a node name (string) or null for "no node", ` +
        `got ${describeValue(node)}`,
      utils.printWithType('Node', node, utils.printExpected),
    );
  }
  return { root, path: path as string, children, node };
}

function judge(
  context: MatcherContext,
  call: MatcherCall,
  query: BlockPathQuery,
  fetched: Fetched,
): SyncExpectationResult {
  if (!fetched.ok) return undecidable(context, call, fetched.problem);
  const graph = asBlockGraph(fetched.value);
  if (typeof graph === 'string')
    return undecidable(context, call, `Unusable ${COMMAND} result: ${graph}`);
  const walk = walkBlockPath(graph, query.root, query.children);
  const { utils } = context;
  const title = `Root: ${utils.printExpected(query.root)}\nPath: ${utils.printExpected(query.path)}\n`;
  if (walk.kind === 'no-root') {
    const names = graph.nodes.map((node) => JSON.stringify(node.name)).join(', ');
    return undecidable(
      context,
      call,
      `${title}Root node ${utils.printExpected(query.root)} is not in the block graph ` +
        `(nodes: ${names === '' ? 'none' : names})`,
    );
  }
  if (walk.kind === 'broken') {
    return undecidable(context, call, title + describeBrokenWalk(graph, walk));
  }
  const received = walk.leaf?.name ?? null;
  const pass = received === query.node;
  return {
    pass,
    message: () =>
      `${hintLine(context, call)}\n\n${title}` +
      `Walked: ${describeWalk(walk.root, walk.steps)}\n` +
      `Expected node: ${pass ? 'not ' : ''}${utils.printExpected(query.node)}\n` +
      `Received node: ${utils.printReceived(received)}` +
      (pass ? '' : `\n${describeChildren(graph, lastParent(walk))}`),
  };
}

// The node the final step started from: every step before the last found a node.
function lastParent(walk: Exclude<BlockPathWalk, { kind: 'no-root' }>): BlockGraphNode {
  return walk.steps[walk.steps.length - 2]?.node ?? walk.root;
}

function describeBrokenWalk(
  graph: BlockGraph,
  walk: Extract<BlockPathWalk, { kind: 'broken' }>,
): string {
  const parent = lastParent(walk);
  const missing = walk.steps[walk.steps.length - 1]?.child ?? '';
  const unreached = walk.unreached.map((child) => `"${child}"`).join(', ');
  return (
    `Walked: ${describeWalk(walk.root, walk.steps)}\n` +
    `Cannot follow the path: ${JSON.stringify(parent.name)} has no child "${missing}", ` +
    `so ${unreached} cannot be reached\n` +
    describeChildren(graph, parent)
  );
}

// "What is there instead": the child roles of the node where the walk ended.
function describeChildren(graph: BlockGraph, parent: BlockGraphNode): string {
  const roles = childRoles(graph, parent);
  const listed =
    roles.length === 0 ? '(none)' : roles.map((role) => JSON.stringify(role)).join(', ');
  return `Children of ${JSON.stringify(parent.name)}: ${listed}`;
}
