// Argument checks and failure text shared by the path matchers (toMatchQmp, toHaveQmpPath).
import type { MatcherContext } from 'expect';
import { isJsonObject } from './json-kinds';
import { isThenable, type MatcherCall, usageError, wrongReceiver } from './matcher-call';
import {
  QMP_PATH_SYNTAX,
  parseQmpPath,
  type QmpPathComponent,
  type QmpPathMiss,
} from '../src/iotests/qmp-path';
import { isQmpCommandRunner } from './receivers';

/** Label that lines up with Jest's "Expected: " / "Received: ". */
export const PATH_LABEL = 'Path:     ';

/** Throws a usage error unless the receiver is a JSON object (a QMP reply or part of one). */
export function requireQmpObject(
  context: MatcherContext,
  call: MatcherCall,
  received: unknown,
): asserts received is Record<string, unknown> {
  if (isJsonObject(received) && !isQmpCommandRunner(received) && !isThenable(received)) return;
  const { utils } = context;
  const problem = `${utils.RECEIVED_COLOR('received')} value must be a QMP reply or another JSON object`;
  if (!isQmpCommandRunner(received)) throw wrongReceiver(context, call, problem, received);
  throw usageError(
    context,
    call,
    problem,
    `Received a VM (it has a qmp() method). Pass a reply instead: ` +
      `expect(await vm.qmp('query-block')).${call.name}(...)`,
  );
}

/** Parses the path argument or throws a usage error naming it and the accepted syntax. */
export function requireQmpPath(
  context: MatcherContext,
  call: MatcherCall,
  path: unknown,
): readonly QmpPathComponent[] {
  const parsed = parseQmpPath(path);
  if (parsed.ok) return parsed.components;
  const problem = `${context.utils.EXPECTED_COLOR('path')} is malformed: ${parsed.problem}`;
  throw usageError(context, call, problem, QMP_PATH_SYNTAX);
}

// Replies such as query-named-block-nodes are large; two levels show the shape without the flood.
const CONTAINER_DEPTH = 2;

/** Explains where a path walk stopped and shows (the top of) the value it stopped in. */
export function describeMiss(context: MatcherContext, miss: QmpPathMiss): string {
  const { utils } = context;
  const where = miss.resolvedPath === '' ? 'Received: ' : `Value at "${miss.resolvedPath}": `;
  const container = utils.RECEIVED_COLOR(utils.stringify(miss.container, CONTAINER_DEPTH));
  return `Stopped at "${miss.component}": ${miss.reason}\n${where}${container}`;
}
