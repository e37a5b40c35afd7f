// The QMP matchers: the object to hand to expect.extend, and a helper that does it.
import './typings';
import { toEqualJsonFilename } from './toEqualJsonFilename';
import { toHaveBlockNode } from './toHaveBlockNode';
import { toHaveBlockPath } from './toHaveBlockPath';
import { toHaveNoActiveBlockJobs } from './toHaveNoActiveBlockJobs';
import { toHaveQmpPath } from './toHaveQmpPath';
import { toMatchQmp } from './toMatchQmp';
import { toMatchReferenceFile } from './toMatchReferenceFile';

/** Every QMP matcher by name, ready for `expect.extend(qmpMatchers)`. */
export const qmpMatchers = {
  toMatchQmp,
  toHaveQmpPath,
  toHaveBlockPath,
  toHaveBlockNode,
  toHaveNoActiveBlockJobs,
  toEqualJsonFilename,
  toMatchReferenceFile,
};

/** Any `expect` that can be extended: the one from @jest/globals or the global one. */
export interface ExtensibleExpect {
  extend(matchers: typeof qmpMatchers): void;
}

/** Registers the QMP matchers on `expect` (for setups that do not use extend-expect). */
export function registerMatchers(expect: ExtensibleExpect): void {
  expect.extend(qmpMatchers);
}

export { MatcherUsageError } from './errors';
export type { QmpMatchers } from './typings';
export type {
  BlockGraph,
  BlockGraphEdge,
  BlockGraphNode,
  BlockJobInfo,
  BlockNodeCriteria,
  JsonObject,
  NamedBlockNode,
  QmpCommandRunner,
  QmpReply,
  QueryingMatcherResult,
} from './types';
