// iotests' flatten_qmp_object: nested objects and lists become one level of dotted keys, the
// form QEMU's json: filenames may use ({"file.driver": "file"} == {"file": {"driver": "file"}}).
import { isJsonObject } from './json-kinds';

const ASYMMETRIC_MATCHER = Symbol.for('jest.asymmetricMatcher');

/** Flattens `{a: {b: [x]}}` to `{'a.b.0': x}`; empty objects and lists vanish, as in iotests. */
export function flattenQmpObject(value: unknown): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  flattenInto(value, '', flat);
  return flat;
}

function flattenInto(value: unknown, prefix: string, flat: Record<string, unknown>): void {
  if (Array.isArray(value)) {
    value.forEach((item: unknown, index) => flattenInto(item, `${prefix}${index}.`, flat));
  } else if (isJsonObject(value) && !isAsymmetricMatcher(value)) {
    for (const [key, item] of Object.entries(value)) flattenInto(item, `${prefix}${key}.`, flat);
  } else {
    // A leaf: drop the trailing '.' (a bare scalar gets the key ''). defineProperty, because a
    // plain assignment to a key like '__proto__' would change the prototype instead.
    Object.defineProperty(flat, prefix.slice(0, -1), {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
}

// expect.any(String) and friends stay leaves, so a reference may use them for volatile values.
function isAsymmetricMatcher(value: Record<string, unknown>): boolean {
  return (value as { $$typeof?: unknown }).$$typeof === ASYMMETRIC_MATCHER;
}
