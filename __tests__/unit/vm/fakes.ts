// Hand-made config / capabilities / file context for tests that never start QEMU.
import type { Capabilities } from '../../../src/capabilities';
import type { IotestsConfig } from '../../../src/config';
import type { FileContext } from '../../../src/iotests/context';

/** A config as resolveConfig would make it for IMGFMT=qcow2, with `overrides` applied. */
export function fakeConfig(overrides: Partial<IotestsConfig> = {}): IotestsConfig {
  return {
    imgfmt: 'qcow2',
    imgproto: 'file',
    cachemode: 'writeback',
    cachemodeIsDefault: true,
    aiomode: 'threads',
    testDir: '/scratch',
    sockDir: '/sock',
    sampleImgDir: undefined,
    outputDir: '/scratch',
    binaries: {
      qemu: '/usr/bin/qemu-system-x86_64',
      qemuImg: '/usr/bin/qemu-img',
      qemuIo: '/usr/bin/qemu-io',
      qemuNbd: '/usr/bin/qemu-nbd',
      qsd: '/usr/bin/qemu-storage-daemon',
    },
    qemuOptions: ['-nodefaults', '-display', 'none'],
    qemuImgOptions: [],
    qemuIoOptions: ['--cache', 'writeback', '--aio', 'threads', '-f', 'qcow2'],
    qemuIoOptionsNoFmt: ['--cache', 'writeback', '--aio', 'threads'],
    qemuNbdOptions: [],
    defaultMachine: undefined,
    imgopts: undefined,
    imgKeySecret: '123456',
    imgoptsSyntax: false,
    imgfmtGeneric: true,
    misalign: false,
    gdbOptions: undefined,
    valgrindQemu: false,
    printQemu: false,
    timeouts: { qmpCommandMs: 15_000, eventWaitMs: 60_000, launchMs: 30_000, shutdownMs: 30_000 },
    keepScratchOnFailure: false,
    qemuWrapper: [],
    defaultedDirs: [],
    qemuRelease: undefined,
    referenceBase: undefined,
    ...overrides,
  };
}

/** Capabilities of a tcg-only QEMU 7.2, with `overrides` applied. */
export function fakeCapabilities(overrides: Partial<Capabilities> = {}): Capabilities {
  const tool = (name: string) => ({ path: `/usr/bin/${name}`, version: '7.2.22', present: true });
  return {
    qemuVersion: '7.2.22',
    qemuVersionFull: 'QEMU emulator version 7.2.22',
    accelerators: ['tcg', 'kvm'],
    hasQtest: false,
    accelerator: 'tcg',
    formatsRw: ['file', 'qcow2', 'raw', 'luks'],
    formatsRo: ['file', 'qcow2', 'raw', 'luks'],
    devices: ['virtio-blk-pci'],
    hasVirtioBlk: true,
    hasVirtioScsi: false,
    defaultMachine: 'pc',
    tools: {
      qemuImg: tool('qemu-img'),
      qemuIo: tool('qemu-io'),
      qemuNbd: tool('qemu-nbd'),
      qsd: tool('qemu-storage-daemon'),
    },
    luks: { working: true, reason: '' },
    quorum: true,
    qcow2Zstd: true,
    platform: 'Linux/x86_64 host 6.1',
    ...overrides,
  };
}

/** A file context with /scratch and /sock. */
export function fakeContext(overrides: Partial<FileContext> = {}): FileContext {
  return {
    testDir: '/scratch',
    sockDir: '/sock',
    imgfmt: 'qcow2',
    filePrefix: '99-',
    ...overrides,
  };
}
