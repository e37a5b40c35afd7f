// The one way the package names a value in a message ('got a string "x"', 'is a list of length
// 2, not an object'): its JSON kind (Python's words: list, object) with an article, plus enough
// of the value to recognise it, never the whole of a large one.

/** A short, readable description of a value for messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') {
    return `a string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value)}`;
  }
  if (typeof value === 'bigint') return `a bigint ${value}n`;
  if (typeof value === 'number' || typeof value === 'boolean') return `a ${typeof value} ${value}`;
  if (typeof value === 'symbol') return `a symbol ${value.toString()}`;
  if (typeof value === 'function') return `a function ${value.name || '(anonymous)'}`;
  if (Array.isArray(value)) return `a list of length ${value.length}`;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === null || Object.getPrototypeOf(prototype) === null) return 'an object';
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return `an object ${typeof name === 'string' && name !== '' ? name : tag}`;
}
