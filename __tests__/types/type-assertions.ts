// Compile-time assertions for the type tests; nothing here runs.

/** True when A and B are the same type (not merely assignable either way). */
export type Equal<A, B> =
  (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

/**
 * `exactly<T>()(value)` compiles only when `value` has exactly type T (a mismatch demands an
 * extra argument that cannot be given); it returns the value, so promises can still be awaited.
 */
export function exactly<Expected>() {
  return <Actual>(
    value: Actual,
    ..._mismatch: Equal<Actual, Expected> extends true ? [] : [never]
  ): Actual => value;
}

/** A receiver shaped like the preset's VM: more members than the matchers need. */
export interface VmLike {
  readonly name: string;
  qmp(
    command: string,
    args?: Record<string, unknown>,
  ): Promise<{ return?: unknown; error?: unknown }>;
  shutdown(): Promise<void>;
}
