// Walking x-debug-query-block-graph the way iotests' assert_block_path does: from a named root
// along child edges by role name ('file', 'backing', 'children.0', ...).
import { describeValue, isJsonObject } from './json-kinds';
import type { BlockGraph, BlockGraphEdge, BlockGraphNode } from './types';

/** Narrows an x-debug-query-block-graph result; a string says what is wrong with it. */
export function asBlockGraph(value: unknown): BlockGraph | string {
  if (!isJsonObject(value)) return `the block graph is ${describeValue(value)}, not an object`;
  const { nodes, edges } = value;
  if (!Array.isArray(nodes) || !Array.isArray(edges)) {
    return 'the block graph has no "nodes" and "edges" lists';
  }
  const nodeList: readonly unknown[] = nodes;
  const edgeList: readonly unknown[] = edges;
  if (!nodeList.every(isBlockGraphNode)) {
    return 'a block graph node lacks a numeric "id" or a string "name"';
  }
  if (!edgeList.every(isBlockGraphEdge)) {
    return 'a block graph edge lacks a numeric "parent"/"child" or a string "name"';
  }
  return { nodes: nodeList, edges: edgeList };
}

function isBlockGraphNode(value: unknown): value is BlockGraphNode {
  return isJsonObject(value) && typeof value.id === 'number' && typeof value.name === 'string';
}

function isBlockGraphEdge(value: unknown): value is BlockGraphEdge {
  return (
    isJsonObject(value) &&
    typeof value.parent === 'number' &&
    typeof value.child === 'number' &&
    typeof value.name === 'string'
  );
}

/** Splits '/backing/file' into child names; a string says why the path is not accepted. */
export function parseBlockPath(path: unknown): string[] | string {
  if (typeof path !== 'string') return `path must be a string, got ${describeValue(path)}`;
  if (!path.startsWith('/')) return `path ${JSON.stringify(path)} does not start with '/'`;
  if (path === '/') return "path '/' names the root itself; give at least one child";
  const children = path.slice(1).split('/');
  if (children.includes('')) return `path ${JSON.stringify(path)} has an empty child name`;
  return children;
}

/** One edge followed: the child role and the node it led to (null when there was none). */
export interface BlockPathStep {
  readonly child: string;
  readonly node: BlockGraphNode | null;
}

/** The outcome of walking a path: the root was missing, the walk broke early, or it ended. */
export type BlockPathWalk =
  | { readonly kind: 'no-root' }
  | {
      readonly kind: 'broken';
      readonly root: BlockGraphNode;
      readonly steps: readonly BlockPathStep[];
      /** The child names that were not reached because an earlier step found nothing. */
      readonly unreached: readonly string[];
    }
  | {
      readonly kind: 'complete';
      readonly root: BlockGraphNode;
      readonly steps: readonly BlockPathStep[];
      readonly leaf: BlockGraphNode | null;
    };

/** Follows `children` from the node named `rootName`; all but the last step must exist. */
export function walkBlockPath(
  graph: BlockGraph,
  rootName: string,
  children: readonly string[],
): BlockPathWalk {
  const root = graph.nodes.find((node) => node.name === rootName);
  if (root === undefined) return { kind: 'no-root' };
  const steps: BlockPathStep[] = [];
  let current: BlockGraphNode | null = root;
  for (const [position, child] of children.entries()) {
    if (current === null)
      return { kind: 'broken', root, steps, unreached: children.slice(position) };
    current = childOf(graph, current, child);
    steps.push({ child, node: current });
  }
  return { kind: 'complete', root, steps, leaf: current };
}

function childOf(graph: BlockGraph, parent: BlockGraphNode, role: string): BlockGraphNode | null {
  const edge = graph.edges.find(
    (candidate) => candidate.parent === parent.id && candidate.name === role,
  );
  if (edge === undefined) return null;
  return graph.nodes.find((node) => node.id === edge.child) ?? null;
}

/** The child roles of a node, e.g. ['file', 'backing'], for "what was there instead". */
export function childRoles(graph: BlockGraph, node: BlockGraphNode): string[] {
  return graph.edges.filter((edge) => edge.parent === node.id).map((edge) => edge.name);
}

/** Renders a walk as `root -[child]-> node -[child]-> (none)`. */
export function describeWalk(root: BlockGraphNode, steps: readonly BlockPathStep[]): string {
  const parts = [root.name];
  for (const step of steps) parts.push(`-[${step.child}]->`, step.node?.name ?? '(none)');
  return parts.join(' ');
}
