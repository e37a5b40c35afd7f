// The reference outputs' JSON parsed as Python's json.loads saw it: the QMP layer's exact parser
// (big integers as bigint, written floats as PyFloat), with objects kept in textual order.
import { parseJsonExact } from '../../../../src/qmp/json';
import { OrderedQmp, PyFloat } from '../../../../src/iotests/pyjson';

/** Parse JSON text; objects become OrderedQmp (to keep key order). */
export function parseExactJson(text: string): unknown {
  return parseJsonExact(text, {
    makeObject: (entries) => new OrderedQmp(entries),
    makeFloat: (value) => new PyFloat(value),
  });
}

/** Turn OrderedQmp objects into plain dicts (what Python's json.loads returns). */
export function toPlainDicts(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item: unknown) => toPlainDicts(item));
  if (value instanceof OrderedQmp) {
    const plain: Record<string, unknown> = {};
    for (const [key, item] of value) {
      Object.defineProperty(plain, key, {
        value: toPlainDicts(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return plain;
  }
  return value;
}
