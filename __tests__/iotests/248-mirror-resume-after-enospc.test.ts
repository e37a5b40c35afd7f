/**
 * @qemu-vm none
 * @group rw quick
 */
// QEMU iotest 248: a mirror job whose target runs out of space (a raw size limit under the
// target's format node) pauses with on-target-error=enospc; after the limit is lifted by
// blockdev-reopen, block-job-resume brings it back to 'running'.
import { expect, test } from '@jest/globals';
import { VM, filters, iotests, type Qapi } from 'qemu-iotests';

iotests.requires({ formats: ['qcow2'] });

const size = 5 * 1024 * 1024;
const limit = 2 * 1024 * 1024;

/** The target's blockdev options; `sizeLimit` caps the protocol layer with a raw 'size'. */
function targetOptions(target: string, sizeLimit?: number): Qapi.BlockdevOptions {
  const limited: Qapi.BlockdevOptions = {
    driver: 'raw',
    ...(sizeLimit === undefined ? {} : { size: sizeLimit }),
    file: { driver: 'file', filename: target },
  };
  return { driver: iotests.imgfmt, 'node-name': 'target', file: limited };
}

test('mirror resumes after an ENOSPC pause once the target can grow', async () => {
  const [source, target] = iotests.filePath('source', 'target');

  await iotests.qemuImgCreate('-f', iotests.imgfmt, source, String(size));
  await iotests.qemuImgCreate('-f', iotests.imgfmt, target, String(size));
  await iotests.qemuIo('-c', `write 0 ${size}`, source);
  // Like the original: fill the target too (a raw target would not like an empty file).
  await iotests.qemuIo('-c', `write 0 ${size}`, target);

  const vm = new VM().addDrive(source);
  await vm.launch();

  await vm.qmpLog('blockdev-add', targetOptions(target, limit), {
    filters: [filters.qmpTestfiles],
  });
  await vm.qmpLog('blockdev-mirror', {
    device: 'drive0',
    sync: 'full',
    target: 'target',
    on_target_error: 'enospc',
  });

  // The original allows 3 s for the pause and 1 s for the resume; under TCG we keep the VM's
  // event timeout, which still catches a job that never pauses or never resumes.
  await vm.eventWait('JOB_STATUS_CHANGE', { match: { data: { status: 'paused' } } });
  // Drop what came before, so the wait for 'running' below cannot see an earlier one.
  await vm.getQmpEvents({ wait: false });

  await vm.qmpLog(
    'blockdev-reopen',
    { options: [targetOptions(target)] },
    { filters: [filters.qmpTestfiles] },
  );
  await vm.qmpLog('block-job-resume', { device: 'drive0' });
  await vm.eventWait('JOB_STATUS_CHANGE', { match: { data: { status: 'running' } } });

  await vm.shutdown();
  expect(iotests.transcript()).toMatchSnapshot();
});
