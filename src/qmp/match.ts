// Event match criteria with qemu.machine's event_match semantics.

import type { EventPattern, JsonValue } from './types';

import { isJsonObject } from './json';

/** Deep equality of two JSON values (key order does not matter). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) {
    return true;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return false;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) {
      return false;
    }
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) {
    return false;
  }
  return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
}

/**
 * Whether `event` satisfies `pattern`: null/undefined matches anything; an object pattern
 * matches an object that has every one of its keys with a matching value (recursively, so
 * nested objects match partially, and a null value only requires the key to be present);
 * any other pattern value must be deeply equal.
 */
export function eventMatches(event: JsonValue | undefined, pattern: EventPattern): boolean {
  if (pattern === null || pattern === undefined) {
    return true;
  }
  return valueMatches(event, pattern);
}

function valueMatches(value: JsonValue | undefined, pattern: JsonValue): boolean {
  if (pattern === null) {
    return true;
  }
  if (!isJsonObject(pattern)) {
    return jsonEqual(value, pattern);
  }
  if (!isJsonObject(value)) {
    return false;
  }
  for (const key of Object.keys(pattern)) {
    if (!Object.hasOwn(value, key) || !valueMatches(value[key], pattern[key])) {
      return false;
    }
  }
  return true;
}
