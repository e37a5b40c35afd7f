import type { IotestsConfig } from '../config';
import { iotestsPyLevel } from './iotests-level';
import type { Capabilities } from './types';

/**
 * The run header: the lines QEMU's `check` prints (print_env), then what the
 * probe found. Shared by `qemu-iotests info` and the Jest global setup.
 */
export function formatHeader(
  config: IotestsConfig,
  caps: Capabilities,
  opts: { prefix?: string } = {},
): string {
  const prefix = opts.prefix ?? '';
  const command = (program: string, args: readonly string[]): string =>
    `"${program}" ${args.join(' ')}`;
  const qemuArgs = [...config.qemuOptions, '-accel', caps.accelerator];
  const rows: Array<[string, string]> = [
    ['QEMU', command(config.binaries.qemu, qemuArgs)],
    ['QEMU_IMG', command(config.binaries.qemuImg, config.qemuImgOptions)],
    ['QEMU_IO', command(config.binaries.qemuIo, config.qemuIoOptions)],
    ['QEMU_NBD', command(config.binaries.qemuNbd, config.qemuNbdOptions)],
    [
      'IMGFMT',
      config.imgopts === undefined ? config.imgfmt : `${config.imgfmt} (${config.imgopts})`,
    ],
    ['IMGPROTO', config.imgproto],
    ['PLATFORM', caps.platform],
    ['TEST_DIR', config.testDir],
    ['SOCK_DIR', config.sockDir],
    ['GDB_OPTIONS', config.gdbOptions?.join(' ') ?? ''],
    ['VALGRIND_QEMU', config.valgrindQemu ? 'y' : ''],
    ['PRINT_QEMU_OUTPUT', config.printQemu ? 'y' : ''],
    ['QEMU_VERSION', caps.qemuVersionFull],
    ['QEMU_RELEASE', describeRelease(config)],
    ['IOTESTS_PY', `${iotestsPyLevel(caps.qemuVersion)} (the iotests.py behaviour followed)`],
    ...referencesRow(config, caps),
    ['ACCEL', describeAccelerator(caps)],
    ['FORMATS', caps.formatsRw.join(' ')],
    ...readOnlyFormatsRow(caps),
    ['DEVICES', describeDevices(caps)],
    ['MACHINE', config.defaultMachine ?? caps.defaultMachine ?? '(none)'],
    ['QSD', command(config.binaries.qsd, [])],
    ['TOOLS', describeTools(caps)],
    ['LUKS', caps.luks.working ? 'working' : `not working: ${caps.luks.reason}`],
    ['QUORUM', caps.quorum ? 'yes' : 'no'],
  ];
  return rows
    .map(([name, value]) => `${prefix}${name.padEnd(13)} -- ${value}`.trimEnd())
    .join('\n');
}

function describeRelease(config: IotestsConfig): string {
  const release = config.qemuRelease;
  return release === undefined
    ? 'system (QEMU_PROG, QEMU_BUILD_DIR or PATH)'
    : `${release.name} (${release.prefix}, modules: ${release.moduleDir})`;
}

function referencesRow(config: IotestsConfig, caps: Capabilities): Array<[string, string]> {
  const base = config.referenceBase;
  if (base === undefined) return [];
  const level = iotestsPyLevel(caps.qemuVersion);
  return [
    [
      'REFERENCES',
      level === base ? `${base} (the base)` : `${level}'s own where they differ from ${base}'s`,
    ],
  ];
}

function describeAccelerator(caps: Capabilities): string {
  const available = `available: ${caps.accelerators.join(', ') || 'none listed'}`;
  if (caps.hasQtest) return `${caps.accelerator} (${available}, qtest)`;
  return `${caps.accelerator} (${available}; no qtest: virtual-clock tests will be skipped)`;
}

// Most builds have no read-only whitelist, so the line only adds noise when identical.
function readOnlyFormatsRow(caps: Capabilities): Array<[string, string]> {
  const same =
    caps.formatsRo.length === caps.formatsRw.length &&
    caps.formatsRo.every((format, index) => format === caps.formatsRw[index]);
  return same ? [] : [['FORMATS_RO', caps.formatsRo.join(' ')]];
}

function describeDevices(caps: Capabilities): string {
  const yesNo = (value: boolean): string => (value ? 'yes' : 'no');
  return `${caps.devices.length} (virtio-blk: ${yesNo(caps.hasVirtioBlk)}, virtio-scsi: ${yesNo(caps.hasVirtioScsi)})`;
}

function describeTools(caps: Capabilities): string {
  const tools: Array<[string, Capabilities['tools']['qemuImg']]> = [
    ['qemu-img', caps.tools.qemuImg],
    ['qemu-io', caps.tools.qemuIo],
    ['qemu-nbd', caps.tools.qemuNbd],
    ['qemu-storage-daemon', caps.tools.qsd],
  ];
  return tools
    .map(([name, info]) => `${name} ${info.present ? (info.version ?? '?') : 'missing'}`)
    .join(', ');
}
