// QMP paths as iotests' dictpath reads them: keys separated by '/', a key optionally followed by
// one list index, e.g. 'return[0]/inserted/image/backing-image'. The one parser and walker behind
// the VM's job-helper checks (vm-assert) and the path matchers; each words its own failures.
import { describeValue } from '../common/describe-value';
import { isJsonObject } from '../qmp/json';

/** One component of a QMP path: a key, optionally indexing into the list found under it. */
export interface QmpPathComponent {
  readonly text: string;
  readonly key: string;
  readonly index?: number;
}

/** A parsed path, or why the text is not one. */
export type ParsedQmpPath =
  | { readonly ok: true; readonly components: readonly QmpPathComponent[] }
  | { readonly ok: false; readonly problem: string };

/** What the accepted path syntax is, for usage errors. */
export const QMP_PATH_SYNTAX =
  "Accepted: keys separated by '/', each optionally followed by one list index, " +
  "e.g. 'return', 'return[0]/node-name', 'return/image/format-specific/data/compat'.";

// `name[index]` with exactly one index and nothing after it. iotests' index_re only anchors the
// start, so 'a[0]x' or 'a[0][1]' would silently drop the tail there; here they are errors.
const INDEXED_COMPONENT = /^([^[\]]+)\[([^[\]]+)\]$/;

// The forms Python's int() accepts for a decimal string: surrounding whitespace, a sign,
// digits with single underscores between them.
const PYTHON_INT = /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/;

/** Parses an index the way Python's int() would; undefined when int() would raise. */
export function parsePythonInt(text: string): number | undefined {
  const match = PYTHON_INT.exec(text);
  if (match === null) return undefined;
  const [, sign, digits] = match;
  const magnitude = Number((digits ?? '').replaceAll('_', ''));
  return sign === '-' ? -magnitude : magnitude;
}

/** Splits a QMP path into components, rejecting what dictpath would misread or choke on. */
export function parseQmpPath(path: unknown): ParsedQmpPath {
  if (typeof path !== 'string') {
    return { ok: false, problem: `path must be a string, got ${describeValue(path)}` };
  }
  if (path === '') return { ok: false, problem: 'path "" is empty' };
  const components: QmpPathComponent[] = [];
  for (const text of path.split('/')) {
    if (text === '') {
      return { ok: false, problem: `path ${JSON.stringify(path)} has an empty component` };
    }
    const parsed = parseComponent(text, path);
    if (typeof parsed === 'string') return { ok: false, problem: parsed };
    components.push(parsed);
  }
  return { ok: true, components };
}

function parseComponent(text: string, path: string): QmpPathComponent | string {
  if (!text.includes('[') && !text.includes(']')) return { text, key: text };
  const match = INDEXED_COMPONENT.exec(text);
  const where = `component ${JSON.stringify(text)} of path ${JSON.stringify(path)}`;
  if (match === null) return `${where} is not of the form key or key[index]`;
  const [, key = '', indexText = ''] = match;
  const index = parsePythonInt(indexText);
  if (index === undefined) {
    return `${where} has index ${JSON.stringify(indexText)}, which is not an integer`;
  }
  return { text, key, index };
}

interface QmpPathMissBase {
  readonly found: false;
  /** The components that did resolve, joined back with '/' ('' when none did). */
  readonly resolvedPath: string;
  /** The value the failing component was applied to. */
  readonly container: unknown;
  /** The failing component as written, e.g. 'return[5]'. */
  readonly component: string;
  /** The key of the failing component, e.g. 'return'. */
  readonly key: string;
  /** A readable explanation, e.g. 'no key "x" (keys: "a", "b")'. */
  readonly reason: string;
}

/**
 * Where a path walk stopped and why. The kind tells which of dictpath's checks failed; the
 * index kinds also carry the value under `key` that the index was applied to.
 */
export type QmpPathMiss =
  | (QmpPathMissBase & { readonly kind: 'not-an-object' | 'no-key' })
  | (QmpPathMissBase & { readonly kind: 'not-a-list'; readonly valueAtKey: unknown })
  | (QmpPathMissBase & {
      readonly kind: 'index-out-of-range';
      readonly valueAtKey: readonly unknown[];
      readonly index: number;
    });

/** The value at a path, or where the walk stopped. */
export type QmpPathLookup = { readonly found: true; readonly value: unknown } | QmpPathMiss;

/** Follows parsed components through a JSON value like dictpath (negative indices as Python). */
export function lookupQmpPath(
  root: unknown,
  components: readonly QmpPathComponent[],
): QmpPathLookup {
  let current = root;
  const resolved: string[] = [];
  for (const component of components) {
    const base = {
      found: false,
      resolvedPath: resolved.join('/'),
      container: current,
      component: component.text,
      key: component.key,
    } as const;
    if (!isJsonObject(current)) {
      const reason = `cannot look up key "${component.key}" in ${describeValue(current)}`;
      return { ...base, kind: 'not-an-object', reason };
    }
    if (!hasOwnKey(current, component.key)) {
      const reason = `no key "${component.key}" ${describeKeys(current)}`;
      return { ...base, kind: 'no-key', reason };
    }
    const value = current[component.key];
    if (component.index !== undefined) {
      if (!Array.isArray(value)) {
        const reason = `"${component.key}" is ${describeValue(value)}, not a list`;
        return { ...base, kind: 'not-a-list', valueAtKey: value, reason };
      }
      const list: readonly unknown[] = value;
      const { index } = component;
      const position = index < 0 ? list.length + index : index;
      if (position < 0 || position >= list.length) {
        const reason = `index ${index} is out of range for "${component.key}" (a list of length ${list.length})`;
        return { ...base, kind: 'index-out-of-range', valueAtKey: list, index, reason };
      }
      current = list[position];
    } else {
      current = value;
    }
    resolved.push(component.text);
  }
  return { found: true, value: current };
}

/** True when `value` is a JSON object that has `key` itself (not through its prototype). */
export function hasOwnKey(value: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(value, key);
}

function describeKeys(object: Record<string, unknown>): string {
  const keys = Object.keys(object);
  if (keys.length === 0) return '(the object is empty)';
  return `(keys: ${keys.map((key) => JSON.stringify(key)).join(', ')})`;
}
