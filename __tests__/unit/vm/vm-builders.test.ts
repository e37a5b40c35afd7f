// The VM's command-line builders and the per-file VM bookkeeping; nothing here starts QEMU.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { resetFileContext, setFileContext } from '../../../src/iotests/context';
import { resetRuntime, setRuntime } from '../../../src/iotests/runtime';
import { VM, currentVm, setCurrentVm, shutdownAllVms, trackedVms } from '../../../src/iotests/vm';
import { fakeCapabilities, fakeConfig } from './fakes';

beforeEach(() => {
  setRuntime({
    config: fakeConfig({ cachemode: 'none', aiomode: 'native' }),
    capabilities: fakeCapabilities(),
  });
  setFileContext({ testDir: '/scratch', sockDir: '/tmp', imgfmt: 'qcow2' });
});

afterEach(async () => {
  setCurrentVm(undefined);
  expect(await shutdownAllVms()).toEqual([]);
  resetRuntime();
  resetFileContext();
});

/** The values that follow `option` in the VM's arguments. */
function valuesOf(vm: VM, option: string): string[] {
  return vm.args.filter((_arg, index) => vm.args[index - 1] === option);
}

describe('builders', () => {
  test('addDrive numbers drives and uses the run cache/aio modes and IMGFMT', () => {
    const vm = new VM()
      .addDrive('/img/a.qcow2')
      .addDrive('/img/b.raw', { imgFormat: 'raw', interface: 'none', opts: 'node-name=b' })
      .addDrive(null, { interface: 'ide' });
    expect(valuesOf(vm, '-drive')).toEqual([
      'if=virtio,id=drive0,file=/img/a.qcow2,format=qcow2,cache=none,aio=native',
      'if=none,id=drive1,file=/img/b.raw,format=raw,cache=none,aio=native,node-name=b',
      'if=ide,id=drive2',
    ]);
  });

  test('luks drives get the default secret object once and key-secret unless opts name one', () => {
    const vm = new VM()
      .addDrive('/img/a.luks', { imgFormat: 'luks' })
      .addDrive('/img/b.luks', { imgFormat: 'luks', opts: 'read-only=on' })
      .addDrive('/img/c.luks', { imgFormat: 'luks', opts: 'key-secret=mine' });
    expect(valuesOf(vm, '-object')).toEqual(['secret,id=keysec0,data=123456']);
    expect(valuesOf(vm, '-drive')).toEqual([
      'if=virtio,id=drive0,file=/img/a.luks,format=luks,cache=none,aio=native,key-secret=keysec0',
      'if=virtio,id=drive1,file=/img/b.luks,format=luks,cache=none,aio=native,read-only=on,key-secret=keysec0',
      'if=virtio,id=drive2,file=/img/c.luks,format=luks,cache=none,aio=native,key-secret=mine',
    ]);
  });

  test('addObject and addBlockdev take QMP options too, given to QEMU as JSON (bigints exact)', () => {
    const vm = new VM()
      .addObject({ 'qom-type': 'secret', id: 's0', data: 'x' })
      .addBlockdev({ driver: 'null-co', 'node-name': 'n0', size: 2n ** 60n });
    expect(vm.args.slice(-4)).toEqual([
      '-object',
      '{"qom-type":"secret","id":"s0","data":"x"}',
      '-blockdev',
      '{"driver":"null-co","node-name":"n0","size":1152921504606846976}',
    ]);
  });

  test('addObject / addDevice / addDriveRaw / addBlockdev / addIncoming append their options', () => {
    const vm = new VM()
      .addObject('iothread,id=io0')
      .addDevice('virtio-scsi,id=scsi0')
      .addDriveRaw('if=none,id=raw0,driver=null-co')
      .addBlockdev('driver=null-co,node-name=n0')
      .addBlockdev(['driver=null-co', 'node-name=n1'])
      .addIncoming('defer');
    expect(vm.args.slice(-12)).toEqual([
      '-object',
      'iothread,id=io0',
      '-device',
      'virtio-scsi,id=scsi0',
      '-drive',
      'if=none,id=raw0,driver=null-co',
      '-blockdev',
      'driver=null-co,node-name=n0',
      '-blockdev',
      'driver=null-co,node-name=n1',
      '-incoming',
      'defer',
    ]);
    expect(vm.commandLine().slice(-2)).toEqual(['-incoming', 'defer']);
  });

  test('the VM is named after its suffix and pid and uses the file context socket dir', () => {
    const vm = new VM({ pathSuffix: '-dst' });
    expect(vm.name).toBe(`qemu-dst-${process.pid}`);
    expect(vm.commandLine().join(' ')).toContain('-accel tcg');
  });

  test('flattenQmpObject / qmpToOpts are available on the VM', () => {
    const vm = new VM();
    expect(vm.flattenQmpObject({ file: { driver: 'file' } })).toEqual({ 'file.driver': 'file' });
    expect(vm.qmpToOpts({ driver: 'null-co', 'node-name': 'x' })).toBe(
      'driver=null-co,node-name=x',
    );
  });
});

describe('per-file bookkeeping', () => {
  test('every VM created is tracked; the current VM is the one set', () => {
    expect(() => currentVm()).toThrow('no current VM: the qemu-iotests Jest preset creates one');
    const first = new VM();
    const second = new VM({ pathSuffix: 'b' });
    expect(trackedVms()).toEqual([first, second]);
    setCurrentVm(second);
    expect(currentVm()).toBe(second);
  });

  test('a VM that was never launched shuts down at once and is forgotten', async () => {
    const vm = new VM();
    await vm.shutdown();
    expect(vm.running).toBe(false);
    expect(await shutdownAllVms()).toEqual([]);
    expect(trackedVms()).toEqual([]);
  });
});
