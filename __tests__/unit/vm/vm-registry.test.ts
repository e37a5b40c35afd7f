// shutdownAllVms: every tracked VM is shut down, newest first; failures are collected, never thrown.
import { describe, expect, test } from '@jest/globals';
import {
  shutdownAllVms,
  trackVm,
  trackedVms,
  type TrackedVm,
} from '../../../src/iotests/vm-registry';

/** A stand-in VM recording what was done to it. */
function fakeVm(name: string, behaviour: { failShutdown?: string; stayRunning?: boolean } = {}) {
  const calls: string[] = [];
  let running = true;
  const vm: TrackedVm & { calls: string[] } = {
    name,
    calls,
    get running() {
      return running;
    },
    shutdown(opts?: { hardKill?: boolean }) {
      calls.push(opts?.hardKill === true ? 'shutdown(hardKill)' : 'shutdown');
      if (behaviour.failShutdown !== undefined && opts?.hardKill !== true) {
        if (behaviour.stayRunning !== true) running = false;
        return Promise.reject(new Error(behaviour.failShutdown));
      }
      running = false;
      return Promise.resolve();
    },
    kill() {
      calls.push('kill');
    },
  };
  return vm;
}

describe('shutdownAllVms', () => {
  test('shuts every VM down, newest first, and empties the registry', async () => {
    const order: string[] = [];
    const first = fakeVm('first');
    const second = fakeVm('second');
    for (const vm of [first, second]) {
      const shutdown = vm.shutdown.bind(vm);
      vm.shutdown = (opts) => {
        order.push(vm.name);
        return shutdown(opts);
      };
      trackVm(vm);
    }
    trackVm(first); // tracking twice is harmless
    expect(trackedVms()).toEqual([first, second]);
    expect(await shutdownAllVms()).toEqual([]);
    expect(order).toEqual(['second', 'first']);
    expect(trackedVms()).toEqual([]);
  });

  test('collects a failed shutdown and hard-kills a VM that still runs', async () => {
    const stuck = fakeVm('stuck', { failShutdown: 'quit timed out', stayRunning: true });
    const crashed = fakeVm('crashed', { failShutdown: 'QEMU was killed by signal SIGSEGV' });
    const fine = fakeVm('fine');
    trackVm(stuck);
    trackVm(crashed);
    trackVm(fine);
    const errors = await shutdownAllVms();
    expect(errors.map((error) => error.message)).toEqual([
      'VM crashed: shutdown failed: QEMU was killed by signal SIGSEGV',
      'VM stuck: shutdown failed: quit timed out',
    ]);
    expect(stuck.calls).toEqual(['shutdown', 'kill', 'shutdown(hardKill)']);
    expect(crashed.calls).toEqual(['shutdown']);
    expect(fine.calls).toEqual(['shutdown']);
  });
});
