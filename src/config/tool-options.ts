import type { AioMode, CacheMode } from './types';

/**
 * Splits an *_OPTIONS value the way the seed does (trimmed, split on single
 * spaces), minus the empty pieces Python would keep: an empty argument only
 * ever makes a QEMU tool fail.
 */
export function splitOptions(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .trim()
    .split(' ')
    .filter((piece) => piece !== '');
}

/** Default QEMU_OPTIONS: like testenv.py's, without `-accel` (the probe picks it). */
export function defaultQemuOptions(qemuProgram: string): string[] {
  const options = ['-nodefaults', '-display', 'none'];
  const machine = machineForEmulator(qemuProgram);
  if (machine !== undefined) options.push('-machine', machine);
  return options;
}

// Targets whose default machine cannot run the tests (or that have no default).
const MACHINE_BY_TARGET: ReadonlyArray<readonly [string, string]> = [
  ['arm', 'virt'],
  ['aarch64', 'virt'],
  ['avr', 'mega2560'],
  ['m68k', 'virt'],
  ['riscv32', 'virt'],
  ['riscv64', 'virt'],
  ['rx', 'gdbsim-r5f562n8'],
  ['tricore', 'tricore_testboard'],
];

function machineForEmulator(qemuProgram: string): string | undefined {
  const match = MACHINE_BY_TARGET.find(([target]) => qemuProgram.endsWith(`qemu-system-${target}`));
  return match?.[1];
}

/** What qemu-io is given when QEMU_IO_OPTIONS(_NO_FMT) are unset, as testenv.py derives them. */
export function deriveQemuIoOptions(params: {
  cachemode: CacheMode;
  aiomode: AioMode;
  misalign: boolean;
  imgfmt: string;
}): { withFormat: string[]; withoutFormat: string[] } {
  const withoutFormat = ['--cache', params.cachemode, '--aio', params.aiomode];
  if (params.misalign) withoutFormat.push('--misalign');
  // luks images are opened with --image-opts and a key secret, never with -f.
  const withFormat =
    params.imgfmt === 'luks' ? [...withoutFormat] : [...withoutFormat, '-f', params.imgfmt];
  return { withFormat, withoutFormat };
}

/** IMGOPTS with the per-format additions testenv.py makes (luks: fast key slots, vmdk: zeroed grains). */
export function deriveImgopts(imgfmt: string, imgopts: string | undefined): string | undefined {
  if (imgfmt === 'luks') return addOption(imgopts, 'iter-time', '10');
  if (imgfmt === 'vmdk') return addOption(imgopts, 'zeroed_grain', 'on');
  return imgopts;
}

function addOption(imgopts: string | undefined, key: string, value: string): string {
  if (imgopts === undefined || imgopts === '') return `${key}=${value}`;
  return imgopts.includes(`${key}=`) ? imgopts : `${imgopts},${key}=${value}`;
}
