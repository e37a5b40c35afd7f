// Pure helpers on QMP objects that the VM uses: the seed's flatten_qmp_object / qmp_to_opts.
import { describeValue } from '../common/describe-value';
import { dictEntries } from './pyjson';

/** A flattened QMP object: dotted paths ('file.driver', 'children.0') to leaf values. */
export type FlatQmpObject = Record<string, unknown>;

/**
 * The seed's flatten_qmp_object: nested objects/arrays become one level of dotted keys, e.g.
 * {file: {driver: 'file'}} -> {'file.driver': 'file'}, the form QEMU's json: filenames may use.
 * Empty containers contribute nothing; a bare scalar gets the key ''. Only plain objects and Maps
 * are descended into: anything else is a leaf, so a Jest asymmetric matcher such as
 * expect.any(Number) (a class instance) stays one, and a reference may use it for a volatile value.
 */
export function flattenQmpObject(obj: unknown): FlatQmpObject {
  const output: FlatQmpObject = {};
  const visit = (value: unknown, prefix: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item: unknown, index) => visit(item, `${prefix}${index}.`));
      return;
    }
    const entries = dictEntries(value);
    if (entries !== undefined) {
      for (const [key, item] of entries) {
        visit(item, `${prefix}${key}.`);
      }
      return;
    }
    defineEntry(output, prefix.slice(0, -1), value); // strip the trailing '.'
  };
  visit(obj, '');
  return output;
}

/**
 * The seed's qmp_to_opts: a QMP object as a command-line option string,
 * e.g. {driver: 'null-co', node-name: 'n'} -> 'driver=null-co,node-name=n'.
 * Values must be strings (as in the seed) or numbers.
 */
export function qmpToOpts(obj: unknown): string {
  return Object.entries(flattenQmpObject(obj))
    .map(([key, value]) => `${key}=${optionValue(key, value)}`)
    .join(',');
}

// Kept: QMP values include booleans, lists and objects, which -blockdev's key=value syntax would
// otherwise receive as 'true' or '[object Object]'.
function optionValue(key: string, value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint') {
    return String(value);
  }
  throw new TypeError(
    `qmpToOpts: value of '${key}' is ${describeValue(value)}; accepted: strings and numbers ` +
      "(write booleans as 'on'/'off')",
  );
}

// defineProperty, not assignment: a key such as '__proto__' must stay an ordinary entry.
function defineEntry<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
