// A QEMU that is not one (exits at once, prints something else, hangs at `--version`) fails the
// capability probe. The user set a variable to a path: name that variable and what is wrong, in
// one line, as other bad values are reported (a probe error's stack says nothing useful).
import { CapabilityProbeError } from '../capabilities/errors';
import type { QemuBinaries } from '../config';

const VARIABLES: Readonly<Record<keyof QemuBinaries, string>> = {
  qemu: 'QEMU_PROG',
  qemuImg: 'QEMU_IMG_PROG',
  qemuIo: 'QEMU_IO_PROG',
  qemuNbd: 'QEMU_NBD_PROG',
  qsd: 'QSD_PROG',
};

const WHAT: Readonly<Record<keyof QemuBinaries, string>> = {
  qemu: 'a working QEMU system emulator',
  qemuImg: 'a working qemu-img',
  qemuIo: 'a working qemu-io',
  qemuNbd: 'a working qemu-nbd',
  qsd: 'a working qemu-storage-daemon',
};

/** The one-line text for a failed probe: the binary's variable, its value and what went wrong. */
export function describeProbeFailure(error: unknown, binaries: QemuBinaries): string {
  const message = error instanceof Error ? error.message : String(error);
  // A probe command names its program first; the parsers only ever read the emulator's output.
  const command = error instanceof CapabilityProbeError ? error.command : '';
  const key =
    (Object.keys(VARIABLES) as Array<keyof QemuBinaries>).find(
      (name) => command === binaries[name] || command.startsWith(`${binaries[name]} `),
    ) ?? 'qemu';
  return `${VARIABLES[key]}=${binaries[key]}: not ${WHAT[key]}: ${firstLine(message)}`;
}

function firstLine(text: string): string {
  const line = text.split('\n').find((part) => part.trim() !== '') ?? text;
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
