import { describe, expect, test } from '@jest/globals';

import { describeVmsForFailure, type DebuggableVm } from '../../../src/jest/failure-info';

function fakeVm(name: string, state: Partial<DebuggableVm>, sent: string[]): DebuggableVm {
  return {
    name,
    running: false,
    exitCode: 0,
    exitSignal: null,
    ...state,
    lastQmpHistory: () => sent.map((message) => ({ direction: 'sent' as const, message, at: 0 })),
    getLog: () => `${name} said hello\n`,
  };
}

describe('describeVmsForFailure', () => {
  const cleanOld = fakeVm('qemu-1', {}, ['{"execute":"old"}']);
  const crashed = fakeVm('qemu-1', { exitCode: null, exitSignal: 'SIGKILL' }, ['{"execute":"x"}']);
  const running = fakeVm('qemu-1', { running: true, exitCode: null }, ['{"execute":"y"}']);

  test('shows running and abnormally ended VMs, numbered, not the ones shut down cleanly', () => {
    const report = describeVmsForFailure([cleanOld, crashed, running]);
    expect(report).not.toContain('"old"');
    expect(report).toContain('── QEMU #2 qemu-1 (killed by SIGKILL) ──');
    expect(report).toContain('  -> {"execute":"x"}');
    expect(report).toContain('── QEMU #3 qemu-1 (running) ──');
    expect(report).toContain('QEMU output (last 1 lines):\n  qemu-1 said hello');
  });

  test('when every VM ended cleanly, the newest one is shown', () => {
    const newest = fakeVm('qemu-2', {}, ['{"execute":"quit"}']);
    const report = describeVmsForFailure([cleanOld, newest]);
    expect(report).toContain('── QEMU #2 qemu-2 (exited with code 0) ──');
    expect(report).not.toContain('"old"');
  });

  test('a VM whose accessors throw is described as far as possible; none at all is empty', () => {
    const broken: DebuggableVm = {
      name: 'qemu-x',
      running: true,
      lastQmpHistory: () => {
        throw new Error('gone');
      },
      getLog: () => 'last words',
    };
    expect(describeVmsForFailure([broken])).toBe(
      '── QEMU #1 qemu-x (running) ──\nQEMU output (last 1 lines):\n  last words',
    );
    expect(describeVmsForFailure([])).toBe('');
  });
});
