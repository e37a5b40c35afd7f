import { describe, expect, test } from '@jest/globals';
import { QemuMachine } from '../../../src/machine';
import {
  DEFAULT_TIMEOUTS,
  UNBOUNDED_TIMEOUT_MS,
  resolveTimeouts,
  wrapperNeedsUnboundedTimeouts,
} from '../../../src/machine/timeouts';

describe('machine timeouts', () => {
  test('defaults without a wrapper', () => {
    expect(resolveTimeouts({}, [])).toEqual({
      launchMs: DEFAULT_TIMEOUTS.launchMs,
      shutdownMs: DEFAULT_TIMEOUTS.shutdownMs,
      commandMs: DEFAULT_TIMEOUTS.commandMs,
      handshakeMs: DEFAULT_TIMEOUTS.commandMs,
      eventMs: DEFAULT_TIMEOUTS.eventMs,
      unbounded: false,
    });
  });

  test('handshake follows an explicit command timeout', () => {
    expect(resolveTimeouts({ commandMs: 500 }, []).handshakeMs).toBe(500);
  });

  test.each([
    [['gdbserver', ':1234'], true],
    [['/usr/bin/valgrind', '--log-file=x'], true],
    [['strace', '-f'], false],
    [[], false],
  ])('wrapper %j lifts the limits: %s', (wrapper, unbounded) => {
    expect(wrapperNeedsUnboundedTimeouts(wrapper)).toBe(unbounded);
    const resolved = resolveTimeouts({}, wrapper);
    expect(resolved.unbounded).toBe(unbounded);
    expect(resolved.commandMs).toBe(unbounded ? UNBOUNDED_TIMEOUT_MS : DEFAULT_TIMEOUTS.commandMs);
    expect(resolved.launchMs).toBe(unbounded ? UNBOUNDED_TIMEOUT_MS : DEFAULT_TIMEOUTS.launchMs);
  });

  test('explicit values win even under a debugger', () => {
    const resolved = resolveTimeouts({ launchMs: 1234, eventMs: 99 }, ['gdbserver', ':1']);
    expect(resolved.launchMs).toBe(1234);
    expect(resolved.eventMs).toBe(99);
    expect(resolved.shutdownMs).toBe(UNBOUNDED_TIMEOUT_MS);
  });

  test('bad values are refused with their name and value', () => {
    expect(() => resolveTimeouts({ shutdownMs: -1 }, [])).toThrow(
      'shutdownTimeoutMs must be a positive number of milliseconds, got -1',
    );
    expect(() => resolveTimeouts({ commandMs: Number.NaN }, [])).toThrow(/qmp.commandTimeoutMs/);
  });

  test('QemuMachine exposes what it applies', () => {
    const machine = new QemuMachine({
      binary: 'qemu-system-x86_64',
      wrapper: ['gdbserver', ':1234'],
      qmp: { eventTimeoutMs: 5_000 },
    });
    expect(machine.timeouts).toMatchObject({
      unbounded: true,
      launchMs: UNBOUNDED_TIMEOUT_MS,
      eventMs: 5_000,
    });
  });
});
