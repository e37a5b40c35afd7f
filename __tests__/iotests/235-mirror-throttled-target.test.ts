/**
 * @qemu-vm none
 * @group quick
 */
// QEMU iotest 235: a mirror job from a large preallocated qcow2 image into a throttled null
// target must reach READY (it once dead-locked). The dead-lock only showed with a big image, a
// qcow2 source, no iothread and a plain QEMU (not the iotests VM, which may run under qtest),
// so like the original this uses a bare QemuMachine that prefers kvm and falls back to tcg.
import { expect, test } from '@jest/globals';
import { QemuMachine, iotests } from 'qemu-iotests';

iotests.requires({ formats: ['qcow2'] });

const size = 1024 * 1024 * 1024;
const disk = iotests.filePath('disk');
const READY_TIMEOUT_MS = 60_000;

test('mirror into a throttled target reaches READY', async () => {
  await iotests.qemuImgCreate(
    '-f',
    iotests.imgfmt,
    '-o',
    'preallocation=metadata',
    disk,
    String(size),
  );

  const { config } = iotests;
  const machine = new QemuMachine({
    binary: config.binaries.qemu,
    sockDir: iotests.sockDir,
    // machine.py's own base arguments, nothing of the iotests VM's.
    defaultArgs: false,
    args: ['-display', 'none', '-vga', 'none'],
    accel: ['kvm', 'tcg'],
  });
  if (config.defaultMachine === 's390-ccw-virtio') {
    machine.addArgs('-no-shutdown');
  }
  machine.addArgs('-drive', `id=src,file=${disk}`);
  await machine.launch();

  try {
    iotests.log(
      await machine.qmp('object-add', {
        'qom-type': 'throttle-group',
        id: 'tg0',
        limits: { 'bps-total': size },
      }),
    );
    iotests.log(
      await machine.qmp('blockdev-add', {
        'node-name': 'target',
        driver: 'throttle',
        'throttle-group': 'tg0',
        file: { driver: 'null-co', size },
      }),
    );
    iotests.log(
      await machine.qmp('blockdev-mirror', { device: 'src', target: 'target', sync: 'full' }),
    );
    // A dead-lock shows as no READY at all. The original allows 10 s, but on this machine the
    // 1 GiB copy alone takes about 5 s, so the bound is generous and only catches the hang.
    const ready = await machine.eventWait('BLOCK_JOB_READY', { timeoutMs: READY_TIMEOUT_MS });
    expect(ready.data).toMatchQmp('device', 'src');
  } finally {
    await machine.shutdown();
  }
  expect(iotests.transcript()).toMatchSnapshot();
});
