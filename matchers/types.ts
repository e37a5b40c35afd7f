// Structural types for what the QMP matchers receive. They describe shapes, not classes, so the
// matchers work with the preset's VM (written elsewhere) and with plain fixtures alike.

/** Anything that runs a QMP command and resolves to the raw reply, such as the preset's VM. */
export interface QmpCommandRunner {
  qmp(command: string, args?: object): Promise<unknown>;
}

/** A raw QMP reply: `{return: ...}` on success, `{error: {class, desc}}` on failure. */
export interface QmpReply<Return = unknown> {
  return?: Return;
  error?: unknown;
}

/** A node of `x-debug-query-block-graph`: a block driver node, block backend or block job. */
export interface BlockGraphNode {
  id: number;
  name: string;
  type: string;
}

/** A parent -> child edge of `x-debug-query-block-graph`, labelled with the child's role. */
export interface BlockGraphEdge {
  parent: number;
  child: number;
  name: string;
  perm?: readonly string[];
  'shared-perm'?: readonly string[];
}

/** The `return` value of `x-debug-query-block-graph`. */
export interface BlockGraph {
  nodes: readonly BlockGraphNode[];
  edges: readonly BlockGraphEdge[];
}

/** One entry of `query-named-block-nodes` (only the fields the matchers read are named). */
export interface NamedBlockNode {
  'node-name'?: string;
  file?: string;
  [field: string]: unknown;
}

/** One entry of `query-block-jobs` (only the fields failure messages show are named). */
export interface BlockJobInfo {
  device?: string;
  type?: string;
  status?: string;
  [field: string]: unknown;
}

/** What `toHaveBlockNode` looks for: a node name, a file name, or both (at least one). */
export type BlockNodeCriteria =
  { nodeName: string; fileName?: string } | { nodeName?: string; fileName: string };

/** A JSON-like object, e.g. the reference of `toEqualJsonFilename`. */
export type JsonObject = Readonly<Record<string, unknown>>;

/**
 * Return type of a matcher that queries QEMU when handed a VM: a promise for a VM receiver
 * (so a missing `await` is a lint error), the plain matcher result for fetched data, and
 * either when the receiver's type does not tell (`any`/`unknown`).
 */
export type QueryingMatcherResult<Received, R> =
  R extends Promise<void>
    ? R
    : 0 extends 1 & Received
      ? R | Promise<void>
      : unknown extends Received
        ? R | Promise<void>
        : Received extends QmpCommandRunner
          ? Promise<void>
          : R;
