// How the API's QMP methods are typed from the schema's maps (schema.ts): a command's arguments
// (in QEMU's or iotests.py's keyword spelling), its reply, an event and the patterns that match
// it, a path into a reply. `unchecked` is the one visible way to send what the types reject.
import type { JsonValue, QmpObject, QmpResponse } from '../qmp/types';
import type {
  ArgumentsOptional,
  QmpCommandArgs,
  QmpCommandName,
  QmpCommandReturn,
  QmpEventData,
  QmpEventName,
  QmpKeywordArgs,
} from './schema';

declare const uncheckedNameBrand: unique symbol;

/**
 * A command or event name the types do not check: what `unchecked('name')` returns. A call with
 * one takes any JSON object as arguments and resolves with untyped JSON.
 */
export type UncheckedName = string & { readonly [uncheckedNameBrand]: true };

/** What the QMP methods take as a command: a command of the QEMU the types describe, or unchecked. */
export type QmpCommand = QmpCommandName | UncheckedName;
/** What the event methods take as an event name. */
export type QmpEventSelector = QmpEventName | UncheckedName;

/**
 * Deliberately wrong input, for tests of QEMU's own errors: `unchecked('blokdev-add')` is a
 * command (or event) name the types let through; `unchecked({ driver: 'qcow3' })` is a value of
 * whatever type its place expects (it is not checked, and checks nothing after it). At run time
 * both are the value given.
 */
export function unchecked(name: string): UncheckedName;
export function unchecked<Expected>(value: JsonValue): Expected;
export function unchecked(value: JsonValue): unknown {
  return value;
}

/** The arguments of `C`: QEMU's member names or iotests.py's keyword spelling (`node_name`). */
export type QmpArguments<C extends QmpCommand> = C extends QmpCommandName
  ? QmpKeywordArgs<QmpCommandArgs<C>>
  : QmpObject;

/**
 * The parameters after the command: its arguments (optional when no member is required), then
 * the method's options `O`. `Spelling` 'exact': QEMU's member names only, for methods that send
 * the names as given (the storage daemon's). A test's own helper that forwards a command takes
 * `<C extends QmpCommand>(command: C, ...args: QmpCallParameters<C>)` and passes both on. For a
 * union of commands (`cmd: 'drive-backup' | 'blockdev-backup'`) the arguments are any of theirs:
 * one parameter list, not one per command, so that a variable command takes a variable's arguments.
 */
export type QmpCallParameters<
  C extends QmpCommand,
  O = never,
  Spelling extends 'keyword' | 'exact' = 'keyword',
> = [C] extends [QmpCommandName]
  ? CallParameters<Spelling extends 'keyword' ? QmpArguments<C> : QmpCommandArgs<C>, O, C>
  : [args?: QmpObject, options?: O];

type CallParameters<Args, O, C extends QmpCommandName> =
  ArgumentsOptional<C> extends true ? [args?: Args, options?: O] : [args: Args, options?: O];

/** What `C` returns (a reply's `return`); untyped JSON for an unchecked command. */
export type QmpReturn<C extends QmpCommand> = C extends QmpCommandName
  ? QmpCommandReturn<C>
  : JsonValue;

/** QEMU's reply to `C`, as `qmp()` resolves: `{ return }` typed, or `{ error }`. */
export type QmpReply<C extends QmpCommand> = QmpResponse<QmpReturn<C>>;

/** When QEMU sent an event. */
export interface QmpTimestamp {
  seconds: number;
  microseconds: number;
}

/** Event `E` as QEMU sends it; an event without data members may come without `data`. */
export type QmpEventOf<E extends QmpEventSelector> = E extends QmpEventName
  ? { event: E; timestamp: QmpTimestamp } & (Record<never, never> extends QmpEventData<E>
      ? { data?: QmpEventData<E> }
      : { data: QmpEventData<E> })
  : { event: string; data?: QmpObject; timestamp: QmpTimestamp };

/** Any event of the QEMU the types describe, told apart by `event`. */
export type AnyQmpEvent = QmpEventOf<QmpEventName>;

/**
 * A pattern `T` matches (qemu.machine's event_match): any subset of its members, each a pattern
 * of its own; null matches anything.
 */
export type MatchPattern<T> = JsonValue extends T
  ? JsonValue
  : T extends readonly (infer Item)[]
    ? readonly MatchPattern<Item>[]
    : T extends object
      ? { [K in keyof T]?: MatchPattern<T[K]> | null }
      : T;

/** A match pattern for event `E` (`{ data: { device: 'drive0' } }`); null or undefined: any. */
export type QmpEventPattern<E extends QmpEventSelector> =
  MatchPattern<QmpEventOf<E>> | null | undefined;

/** One alternative of `eventsWait`: an event name and, optionally, its pattern. */
export type QmpEventAlternative<E extends QmpEventSelector> = readonly [E, QmpEventPattern<E>?];

type PathStep<T, Name extends string> = T extends unknown
  ? Name extends keyof T
    ? Exclude<T[Name], undefined>
    : never
  : never;

type ItemOf<T> = T extends readonly (infer Item)[] ? Item : never;

// 'key' or 'key[index]', as qmpPath parses a component (one index at most).
type ComponentValue<T, Component extends string> = Component extends `${infer Name}[${infer Index}]`
  ? Name extends ''
    ? never
    : Index extends `${number}`
      ? ItemOf<PathStep<T, Name>>
      : never
  : PathStep<T, Component>;

/**
 * The value at `Path` ('return[0]/inserted/image/filename', QMPTestCase.dictpath's syntax) in a
 * `T`; never when `T` has no such member. Unknown for an unknown `T` or a path only known at run
 * time.
 */
export type QmpPathValue<T, Path extends string> = unknown extends T
  ? unknown
  : string extends Path
    ? unknown
    : Path extends `${infer Head}/${infer Rest}`
      ? QmpPathValue<ComponentValue<T, Head>, Rest>
      : ComponentValue<T, Path>;

/** `Path`, if `T` has a member there; else a message type that makes the call a compile error. */
export type CheckedQmpPath<T, Path extends string> = [QmpPathValue<T, Path>] extends [never]
  ? `no member at this path of the value: ${Path}`
  : Path;
