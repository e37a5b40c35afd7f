// Turning a matcher's receiver into the data it inspects: a VM is asked over QMP, a QMP reply
// is unwrapped, already-fetched data is taken as it is.
import { raceTimeout } from '../src/iotests/race-timeout';
import { describeValue, hasOwnKey, isJsonObject } from './json-kinds';
import type { MatcherCall } from './matcher-call';
import type { QmpCommandRunner } from './types';

/** How long a matcher waits for a VM to answer its query before giving up. */
export const DEFAULT_QUERY_TIMEOUT_MS = 60_000;

/** The data a receiver stands for, or why it could not be had. */
export type Fetched =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string };

/** True for a VM-like object: anything with a `qmp(command, args)` method. */
export function isQmpCommandRunner(value: unknown): value is QmpCommandRunner {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { qmp?: unknown }).qmp === 'function'
  );
}

/** The call of a matcher that queries a VM: its hint line says `vm` when the receiver is one. */
export function queryingMatcherCall(
  name: string,
  received: unknown,
  expectedLabel: string,
): MatcherCall {
  return { name, receivedLabel: isQmpCommandRunner(received) ? 'vm' : 'received', expectedLabel };
}

/** True for an object shaped like a QMP reply: it has a `return` or an `error` member. */
export function isQmpReply(value: unknown): value is Record<string, unknown> {
  return isJsonObject(value) && (hasOwnKey(value, 'return') || hasOwnKey(value, 'error'));
}

/** Unwraps `{return}`; an `{error}` reply becomes a problem naming the command and QEMU's error. */
export function unwrapReply(reply: unknown, command: string): Fetched {
  if (isJsonObject(reply) && hasOwnKey(reply, 'return')) return { ok: true, value: reply.return };
  if (isJsonObject(reply) && hasOwnKey(reply, 'error')) {
    return { ok: false, problem: `${command} failed: ${describeQmpError(reply.error)}` };
  }
  return { ok: false, problem: `${command} gave no QMP reply, got ${safeJson(reply)}` };
}

function describeQmpError(error: unknown): string {
  if (isJsonObject(error) && typeof error.desc === 'string') {
    return typeof error.class === 'string' ? `${error.class}: ${error.desc}` : error.desc;
  }
  return safeJson(error);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Runs `command` on a VM and unwraps the reply; a rejection or a timeout is rethrown with context. */
export async function queryVm(
  vm: QmpCommandRunner,
  command: string,
  timeoutMs: number = DEFAULT_QUERY_TIMEOUT_MS,
): Promise<Fetched> {
  try {
    const reply = await raceTimeout(vm.qmp(command), timeoutMs, (): never => {
      throw new Error(`${command} got no reply within ${timeoutMs} ms`);
    });
    return unwrapReply(reply, command);
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : safeJson(error);
    throw new Error(`Could not run ${command} on the VM: ${reason}`, { cause: error });
  }
}

/**
 * The data `received` stands for: a VM is asked `command` (a promise), a QMP reply is unwrapped,
 * data that `isData` accepts is taken as it is; undefined for anything else, which the matcher
 * reports as a usage error of its own.
 */
export function fetchReceived(
  received: unknown,
  command: string,
  isData: (value: unknown) => boolean,
): Fetched | Promise<Fetched> | undefined {
  if (isQmpCommandRunner(received)) return queryVm(received, command);
  if (isQmpReply(received)) return unwrapReply(received, command);
  if (isData(received)) return { ok: true, value: received };
  return undefined;
}

/** Judges what fetchReceived got, at once or once the VM has answered. */
export function judgeFetched<T>(
  fetched: Fetched | Promise<Fetched>,
  judge: (fetched: Fetched) => T,
): T | Promise<T> {
  return fetched instanceof Promise ? fetched.then(judge) : judge(fetched);
}

/** The fetched value as a list; anything else is a problem naming the command's result. */
export function fetchedList(
  fetched: Fetched,
  command: string,
): { readonly ok: true; readonly value: readonly unknown[] } | Extract<Fetched, { ok: false }> {
  if (!fetched.ok) return fetched;
  if (Array.isArray(fetched.value)) return { ok: true, value: fetched.value };
  return {
    ok: false,
    problem: `Unusable ${command} result: ${describeValue(fetched.value)}, not a list`,
  };
}
