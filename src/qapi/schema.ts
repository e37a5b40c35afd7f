// The public QMP types: the command and event maps the API indexes, and helpers to index them.
// They come from the package's slot (./current: the last QEMU tested, else QEMU 7.2's), unless a
// file written by `qemu-iotests types --out` augments QmpSchemaSelection.
import type * as Current from './current';

/**
 * Augmented by a file `qemu-iotests types --out FILE` writes: `schema` then replaces the types of
 * the package's slot. Left empty by the package.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declared for augmentation
export interface QmpSchemaSelection {}

// Resolved where the package's types are compiled: an augmentation, when present, wins. (An
// interface has no index signature, so the test is for objects, not for command-shaped maps.)
type Selected = QmpSchemaSelection extends {
  schema: infer S extends { commands: object; events: object };
}
  ? S
  : { commands: Current.QmpCommands; events: Current.QmpEvents };

/** Every QMP command of the QEMU the types describe: `{ args; returns }` by command name. */
export type QmpCommands = Selected['commands'];
/** Every QMP event of the QEMU the types describe: its `data` by event name. */
export type QmpEvents = Selected['events'];

export type QmpCommandName = Extract<keyof QmpCommands, string>;
export type QmpEventName = Extract<keyof QmpEvents, string>;
/** The arguments of command `C`, with QEMU's member names ('node-name'). */
export type QmpCommandArgs<C extends QmpCommandName> = QmpCommands[C]['args'];
/** What command `C` returns (the `return` member of its reply). */
export type QmpCommandReturn<C extends QmpCommandName> = QmpCommands[C]['returns'];
/** The `data` of event `E`. */
export type QmpEventData<E extends QmpEventName> = QmpEvents[E];

/**
 * A rest-parameter tuple for the arguments of `C`: optional when no member is required, so that
 * `qmp('query-block')` needs no `{}`.
 */
export type QmpArgsParameter<C extends QmpCommandName> =
  ArgumentsOptional<C> extends true ? [args?: QmpCommandArgs<C>] : [args: QmpCommandArgs<C>];

/** Whether `C` may be sent without arguments: none of its members is required. */
export type ArgumentsOptional<C extends QmpCommandName> =
  Record<never, never> extends QmpCommandArgs<C> ? true : false;

type Underscored<K extends string> = K extends `${infer Head}-${infer Tail}`
  ? `${Head}_${Underscored<Tail>}`
  : K;

type DashedKey<T> = {
  [K in keyof T]-?: K extends `${string}-${string}` ? K : never;
}[keyof T];
type RequiredKey<T> = {
  [K in keyof T]-?: Record<never, never> extends Pick<T, K> ? never : K;
}[keyof T];

// Each required member written either way (one union per member; the members intersected).
type EitherSpelling<T, Keys extends keyof T> = [Keys] extends [never]
  ? unknown
  : UnionToIntersection<
        Keys extends string
          ? { spellings: Pick<T, Keys> | { [P in Underscored<Keys>]: T[Keys] } }
          : never
      > extends { spellings: infer Spellings }
    ? Spellings
    : never;
type UnionToIntersection<U> = (U extends unknown ? (union: U) => void : never) extends (
  intersection: infer I,
) => void
  ? I
  : never;

/**
 * iotests.py's keyword style: each member of `T` as QEMU spells it or with every '-' of its
 * name written '_' (`{ node_name: 'x' }`), which the VM turns back into '-' before sending
 * (convKeys, top level only). A literal may mix both spellings; a name in neither, a wrong type
 * or a missing member is still an error. Built from Pick, not as a union of `T` and a renamed
 * copy, so that the editor keeps showing each member's documentation.
 */
export type QmpKeywordArgs<T> = T extends unknown
  ? Pick<T, Exclude<keyof T, DashedKey<T>>> &
      Pick<T, Exclude<DashedKey<T>, RequiredKey<T>>> & {
        [
          K in keyof T as K extends Exclude<DashedKey<T>, RequiredKey<T>> ? Underscored<K> : never
        ]?: T[K];
      } & EitherSpelling<T, DashedKey<T> & RequiredKey<T>>
  : never;

/** The named QAPI types (BlockdevOptions, BlockInfo, …) of the package's slot. */
export type * as Qapi from './current';
