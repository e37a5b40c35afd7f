// Type declarations only: teaches both `expect`s about the QMP matchers. One augmentation for
// `@jest/globals` (its expect's Matchers come from the 'expect' package) and one for the global
// `jest` namespace of @types/jest. Compiles to an empty module plus this .d.ts.
import type { BlockNodeCriteria, JsonObject, QueryingMatcherResult } from './types';

/** The QMP matchers as both `expect`s see them; `R` is the matcher result, `T` the receiver. */
export interface QmpMatchers<R, T> {
  /**
   * The value at `path` ('return[0]/node-name': keys split by '/', `key[index]` into lists) deep-equals
   * `expected`; a non-empty array means "any of these" (`[]` is a plain value). iotests' assert_qmp.
   */
  toMatchQmp(path: string, expected: unknown): R;
  /** `path` resolves in the received QMP object; `.not` is iotests' assert_qmp_absent. */
  toHaveQmpPath(path: string): R;
  /**
   * Following the child roles in `path` ('/file', '/backing/file') from the node named `root`
   * reaches the node named `node`, or nothing for `null`. iotests' assert_block_path.
   * On a VM it queries x-debug-query-block-graph: `await expect(vm).toHaveBlockPath(...)`.
   */
  toHaveBlockPath(
    root: string,
    path: `/${string}`,
    node: string | null,
  ): QueryingMatcherResult<T, R>;
  /**
   * query-named-block-nodes has a node with this node-name and/or file. iotests'
   * assert_has_block_node. On a VM it queries QEMU: `await expect(vm).toHaveBlockNode(...)`.
   */
  toHaveBlockNode(criteria: BlockNodeCriteria): QueryingMatcherResult<T, R>;
  /**
   * query-block-jobs returns []. iotests' assert_no_active_block_jobs.
   * On a VM it queries QEMU: `await expect(vm).toHaveNoActiveBlockJobs()`.
   */
  toHaveNoActiveBlockJobs(): QueryingMatcherResult<T, R>;
  /**
   * The received `json:{...}` filename's object equals `reference` once both are flattened to
   * dotted keys. iotests' assert_json_filename_equal.
   */
  toEqualJsonFilename(reference: JsonObject): R;
  /**
   * The received text (a string or `iotests.transcript()`) equals the reference file byte for
   * byte, e.g. QEMU's own `NNN.out`; a relative path starts at the test file's directory. A
   * mismatch writes `<file>.bad` and shows `diff -u`; `-u` rewrites the file, `--ci` never
   * creates one.
   */
  toMatchReferenceFile(file: string): R;
}

declare module 'expect' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges into expect's own interface
  interface Matchers<R extends void | Promise<void>, T = unknown> extends QmpMatchers<R, T> {}
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- @types/jest's global namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges into @types/jest's interface
    interface Matchers<R, T = {}> extends QmpMatchers<R, T> {}
  }
}
