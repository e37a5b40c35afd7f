// machine.py's conv_keys: Python passes QMP arguments as keyword arguments, which cannot contain
// '-', so its qmp() turns '_' into '-' in the top-level argument names. Doing the same lets a
// Python iotest's `vm.qmp('blockdev-add', node_name='x')` become `vm.qmp('blockdev-add',
// { node_name: 'x' })` unchanged; `{ convKeys: false }` sends the names as given.
import type { QmpObject } from '../qmp';

/** Per-call options of QemuMachine.qmp / cmd. */
export interface QmpCallConvOptions {
  /** Turn '_' into '-' in top-level argument names (default true, like machine.py). */
  convKeys?: boolean;
}

/** '_' -> '-' in the top-level argument names; nested keys untouched; undefined stays undefined. */
export function convertArgumentKeys(args: QmpObject | undefined): QmpObject | undefined {
  if (args === undefined) return undefined;
  const converted: QmpObject = {};
  for (const [key, value] of Object.entries(args)) {
    const name = key.replaceAll('_', '-');
    // Kept: no type can say that 'a_b' and 'a-b' collide; one would silently be lost.
    if (Object.hasOwn(converted, name)) {
      throw new TypeError(
        `QMP arguments name '${name}' twice ('${key}' becomes '${name}'); pass only one of them`,
      );
    }
    // defineProperty: a "__proto__" argument is data, not the prototype.
    Object.defineProperty(converted, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return converted;
}
