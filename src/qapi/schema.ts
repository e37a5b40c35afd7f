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
  Record<never, never> extends QmpCommandArgs<C>
    ? [args?: QmpCommandArgs<C>]
    : [args: QmpCommandArgs<C>];

type Underscored<K extends string> = K extends `${infer Head}-${infer Tail}`
  ? `${Head}_${Underscored<Tail>}`
  : K;

/**
 * iotests.py's keyword style: `T` as QEMU spells it, or with every top-level '-' written '_'
 * (`{ node_name: 'x' }`), which the VM turns back into '-' before sending (convKeys). A literal
 * may mix both spellings; a name in neither, a wrong type or a missing member is still an error.
 */
export type QmpKeywordArgs<T> = T extends unknown
  ? T | { [K in keyof T as K extends string ? Underscored<K> : K]: T[K] }
  : never;

/** The named QAPI types (BlockdevOptions, BlockInfo, …) of the package's slot. */
export type * as Qapi from './current';
