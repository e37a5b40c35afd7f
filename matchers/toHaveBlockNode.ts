import type { ExpectationResult, MatcherContext, SyncExpectationResult } from 'expect';
import { describeValue, hasOwnKey, isJsonObject } from './json-kinds';
import { hintLine, type MatcherCall, undecidable, usageError, wrongReceiver } from './matcher-call';
import {
  type Fetched,
  fetchReceived,
  fetchedList,
  judgeFetched,
  queryingMatcherCall,
} from './receivers';

const COMMAND = 'query-named-block-nodes';

interface NodeCriteria {
  readonly nodeName: string | undefined;
  readonly fileName: string | undefined;
}

/**
 * `await expect(vm).toHaveBlockNode({ nodeName, fileName })`: iotests' assert_has_block_node.
 * Some node of query-named-block-nodes has this node-name and/or this file (each given criterion
 * must equal the node's field). The receiver is a VM (queried, so await it), the node list or
 * its `{return: [...]}` reply.
 */
export function toHaveBlockNode(
  this: MatcherContext,
  received: unknown,
  criteria: unknown,
): ExpectationResult {
  const call = queryingMatcherCall('toHaveBlockNode', received, 'criteria');
  const wanted = requireCriteria(this, call, criteria);
  const fetched = fetchReceived(received, COMMAND, Array.isArray);
  if (fetched !== undefined) return judgeFetched(fetched, (f) => judge(this, call, wanted, f));
  const { utils } = this;
  throw wrongReceiver(
    this,
    call,
    `${utils.RECEIVED_COLOR('received')} value must be a VM, a ${COMMAND} list or its reply`,
    received,
  );
}

const CRITERIA_SYNTAX =
  "Accepted: { nodeName: 'node0' }, { fileName: '/path/to/image' } or both, as non-empty strings.";

function requireCriteria(
  context: MatcherContext,
  call: MatcherCall,
  criteria: unknown,
): NodeCriteria {
  const { utils } = context;
  const reject = (problem: string): never => {
    const shown = utils.printWithType('Criteria', criteria, utils.printExpected);
    throw usageError(context, call, problem, `${CRITERIA_SYNTAX}\n\n${shown}`);
  };
  if (!isJsonObject(criteria))
    return reject(`criteria must be an object, got ${describeValue(criteria)}`);
  const unknownKeys = Object.keys(criteria).filter(
    (key) => key !== 'nodeName' && key !== 'fileName',
  );
  if (unknownKeys.length > 0) {
    return reject(`criteria has unknown keys ${unknownKeys.map((key) => `"${key}"`).join(', ')}`);
  }
  const nodeName = optionalName(criteria, 'nodeName', reject);
  const fileName = optionalName(criteria, 'fileName', reject);
  if (nodeName === undefined && fileName === undefined) {
    return reject('criteria must give nodeName, fileName or both');
  }
  return { nodeName, fileName };
}

function optionalName(
  criteria: Record<string, unknown>,
  key: 'nodeName' | 'fileName',
  reject: (problem: string) => never,
): string | undefined {
  if (!hasOwnKey(criteria, key) || criteria[key] === undefined) return undefined;
  const value = criteria[key];
  if (typeof value !== 'string' || value === '') {
    return reject(`criteria.${key} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

function judge(
  context: MatcherContext,
  call: MatcherCall,
  wanted: NodeCriteria,
  fetched: Fetched,
): SyncExpectationResult {
  const list = fetchedList(fetched, COMMAND);
  if (!list.ok) return undecidable(context, call, list.problem);
  const nodes = list.value;
  const match = nodes.find((node) => matches(node, wanted));
  const { utils } = context;
  const looked = describeCriteria(wanted);
  return {
    pass: match !== undefined,
    message: () =>
      `${hintLine(context, call)}\n\n` +
      (match === undefined
        ? `Expected: a node with ${looked}\n` +
          `Received: ${nodes.length} node${nodes.length === 1 ? '' : 's'} in ${COMMAND}` +
          nodes.map((node) => `\n  ${utils.RECEIVED_COLOR(describeNode(node))}`).join('')
        : `Expected: no node with ${looked}\n` +
          `Received: ${utils.RECEIVED_COLOR(describeNode(match))}`),
  };
}

function matches(node: unknown, wanted: NodeCriteria): boolean {
  if (!isJsonObject(node)) return false;
  const nodeNameMatches = wanted.nodeName === undefined || node['node-name'] === wanted.nodeName;
  const fileMatches = wanted.fileName === undefined || node.file === wanted.fileName;
  return nodeNameMatches && fileMatches;
}

function describeCriteria(wanted: NodeCriteria): string {
  const parts: string[] = [];
  if (wanted.nodeName !== undefined) parts.push(`node-name ${JSON.stringify(wanted.nodeName)}`);
  if (wanted.fileName !== undefined) parts.push(`file ${JSON.stringify(wanted.fileName)}`);
  return parts.join(' and ');
}

function describeNode(node: unknown): string {
  if (!isJsonObject(node)) return JSON.stringify(node) ?? String(node);
  return `node-name ${JSON.stringify(node['node-name'])}, file ${JSON.stringify(node.file)}`;
}
