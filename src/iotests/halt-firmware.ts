// The firmware an iotests VM boots when there is no qtest accelerator. QEMU's iotests run under
// `-accel qtest`, where no guest code ever executes; Debian's QEMU lacks qtest, so VMs fall back to
// tcg and SeaBIOS really runs: it costs ~35 ms of CPU per VM and, worse, reads the disks under test
// (it has consumed blkdebug breakpoints and injected errors meant for block jobs). This firmware's
// reset vector halts the CPU, so under tcg too no guest code touches anything, while the VM's
// runstate stays 'running' as under qtest.
import fs from 'node:fs';
import path from 'node:path';

import { userTempDir } from '../config/directories';

/** Size of the image: x86 maps the firmware below 4 GiB, its reset vector 16 bytes from the top. */
const IMAGE_SIZE = 64 * 1024;
/** At the reset vector (F000:FFF0): `hlt; jmp short -3`, halting for good. */
const RESET_CODE = [0xf4, 0xeb, 0xfd];

/** The halting firmware image (created once per user, atomically), as a path for `-bios`. */
export function haltFirmwarePath(dir = userTempDir()): string {
  const file = path.join(dir, 'halt-firmware-v1.bin');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const image = Buffer.alloc(IMAGE_SIZE);
    Buffer.from(RESET_CODE).copy(image, IMAGE_SIZE - 16);
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, image, { mode: 0o600 });
    fs.renameSync(temporary, file);
  }
  return file;
}

/** Whether a VM should boot the halting firmware: x86 QEMU, no qtest, no firmware chosen already. */
export function wantsHaltFirmware(
  binary: string,
  accelerator: string,
  args: readonly string[],
): boolean {
  if (accelerator === 'qtest') return false;
  if (!/qemu-system-(x86_64|i386)$/.test(path.basename(binary))) return false;
  return !args.some(
    (arg, index) =>
      arg === '-bios' ||
      arg === '-kernel' ||
      arg === '-pflash' ||
      (args[index - 1] === '-drive' && /(^|,)if=pflash(,|$)/.test(arg)),
  );
}
