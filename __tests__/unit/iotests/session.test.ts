import { afterEach, describe, expect, test } from '@jest/globals';

import { endFile, onFileCleanup } from '../../../src/iotests/cleanup';
import { fileContext } from '../../../src/iotests/context';
import { referenceUpdateMode } from '../../../src/iotests/reference-file';
import { notrun } from '../../../src/iotests/requirements';
import { runtime } from '../../../src/iotests/runtime';
import { resetSession, session, startSession } from '../../../src/iotests/session';
import { trackVm, trackedVms } from '../../../src/iotests/vm-registry';
import { fakeCapabilities, fakeConfig } from '../vm/fakes';

afterEach(() => resetSession());

describe("a test file's session", () => {
  test('startSession sets the whole file state at once; the image format has one source', () => {
    const reasons: string[] = [];
    startSession({
      runtime: { config: fakeConfig({ imgfmt: 'qcow2' }), capabilities: fakeCapabilities() },
      testDir: '/scratch/t',
      sockDir: '/s/x',
      skipHandler: { onUnmet: (reason) => void reasons.push(reason) },
      referenceUpdateMode: 'none',
    });
    expect(runtime().config.imgfmt).toBe('qcow2');
    expect(fileContext()).toEqual({
      testDir: '/scratch/t',
      sockDir: '/s/x',
      imgfmt: 'qcow2',
      filePrefix: `${process.pid}-`,
    });
    expect(referenceUpdateMode()).toBe('none');
    notrun('no reason to run');
    expect(reasons).toEqual(['no reason to run']);
  });

  test('endFile ends the VMs, then the other processes, then the files; the session is empty after', async () => {
    const order: string[] = [];
    startSession({
      runtime: { config: fakeConfig(), capabilities: fakeCapabilities() },
      testDir: '/t',
      sockDir: '/s',
    });
    onFileCleanup(() => void order.push('file'), 'file');
    onFileCleanup(() => void order.push('daemon'), 'daemon', 'processes');
    trackVm({
      name: 'vm0',
      running: true,
      shutdown: () => Promise.resolve(void order.push('vm')),
      kill: () => undefined,
    });
    expect(await endFile()).toEqual([]);
    expect(order).toEqual(['vm', 'daemon', 'file']);
    expect(trackedVms()).toEqual([]);
    expect(session().endings).toEqual([]);
  });

  test('resetSession forgets everything', () => {
    startSession({
      runtime: { config: fakeConfig(), capabilities: fakeCapabilities() },
      testDir: '/t',
      sockDir: '/s',
    });
    resetSession();
    expect(() => runtime()).toThrow('qemu-iotests runtime is not set');
  });
});
