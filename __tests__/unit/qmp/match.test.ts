import { describe, expect, test } from '@jest/globals';

import { eventMatches, jsonEqual } from '../../../src/qmp/match';
import type { JsonValue } from '../../../src/qmp/types';

const jobEvent: JsonValue = {
  event: 'BLOCK_JOB_COMPLETED',
  timestamp: { seconds: 1, microseconds: 2 },
  data: { device: 'job0', len: 1048576, offset: 1048576, speed: 0, type: 'mirror', extra: [1, 2] },
};

describe('eventMatches (qemu.machine event_match semantics)', () => {
  test('null and undefined patterns match anything', () => {
    expect(eventMatches(jobEvent, null)).toBe(true);
    expect(eventMatches(jobEvent, undefined)).toBe(true);
    expect(eventMatches(undefined, null)).toBe(true);
  });

  test("the docstring's examples", () => {
    expect(eventMatches({ foo: { bar: 1 } }, { foo: null })).toBe(true);
    expect(eventMatches({ foo: 5 }, { foo: null })).toBe(true);
    expect(eventMatches({ foo: { bar: 1 } }, { foo: { abc: null } })).toBe(false);
    expect(eventMatches({ foo: { bar: 1, rab: 2 } }, { foo: { rab: 2 } })).toBe(true);
  });

  test('nested partial match on event data', () => {
    expect(eventMatches(jobEvent, { data: { device: 'job0' } })).toBe(true);
    expect(eventMatches(jobEvent, { data: { device: 'job1' } })).toBe(false);
    expect(eventMatches(jobEvent, { data: { device: 'job0', type: 'mirror' } })).toBe(true);
    expect(eventMatches(jobEvent, { data: { device: 'job0', type: 'commit' } })).toBe(false);
    expect(eventMatches(jobEvent, { data: { error: 'x' } })).toBe(false);
    expect(eventMatches(jobEvent, { event: 'BLOCK_JOB_COMPLETED', data: {} })).toBe(true);
  });

  test('null inside a pattern means "key present, any value", not "value is null"', () => {
    expect(eventMatches(jobEvent, { data: { device: null } })).toBe(true);
    expect(eventMatches(jobEvent, { data: { error: null } })).toBe(false);
    expect(eventMatches({ data: { error: null } }, { data: { error: null } })).toBe(true);
  });

  test('non-object pattern values compare by deep equality (arrays are not partial)', () => {
    expect(eventMatches(jobEvent, { data: { extra: [1, 2] } })).toBe(true);
    expect(eventMatches(jobEvent, { data: { extra: [1] } })).toBe(false);
    expect(eventMatches(jobEvent, { data: { len: '1048576' } })).toBe(false);
    expect(eventMatches(jobEvent, { data: { speed: false } })).toBe(false);
  });

  test('an object pattern does not match a non-object value', () => {
    expect(eventMatches(jobEvent, { data: { device: { name: 'job0' } } })).toBe(false);
    expect(eventMatches(jobEvent, { data: { extra: { 0: 1 } } })).toBe(false);
    expect(eventMatches('text', { a: 1 })).toBe(false);
  });
});

describe('jsonEqual', () => {
  test('deep equality ignoring key order', () => {
    expect(jsonEqual({ a: [1, { b: null }], c: 'x' }, { c: 'x', a: [1, { b: null }] })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined as unknown as JsonValue })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
    expect(jsonEqual(0, false)).toBe(false);
  });
});
