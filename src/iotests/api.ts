// The `iotests` object: the seed's module-level helpers and variables under one name, so that a
// Python iotest rewrites line by line (`iotests.imgfmt`, `iotests.filePath('t.qcow2')`,
// `iotests.qemuImgCreate(...)`). Variables are getters: they read this test file's runtime.
// It is their one home (the package's named copies are deprecated aliases, src/index.ts). The
// classes, `filters` and the qcow2 dumps it also holds are named exports: those members are
// deprecated, and written `module.name` (a shorthand `VM,` reads as a use of the deprecated member).
import type { Capabilities } from '../capabilities';
import {
  iotestsPyLevel,
  releaseAtLeast as versionAtLeast,
  type IotestsPyLevel,
} from '../capabilities/iotests-level';
import type { AioMode, CacheMode, ImageFormat, IotestsConfig } from '../config';
import { fileContext } from './context';
import * as files from './files';
import { observationWindow } from './observe';
import * as qcow2 from './qcow2';
import { retryPbkdfFluke } from './pbkdf-retry';
import * as filterModule from './filters';
import * as requirements from './requirements';
import { runtime } from './runtime';
import * as tools from './tools';
import { log, orderedQmp, quietly, transcript as transcriptString } from './transcript';
import { TranscriptText } from './transcript-text';
import * as vmModule from './vm';
import { qmpPath } from './vm-assert';

/** What the current test logged so far, ready for `expect(...).toMatchSnapshot()`. */
function transcript(): TranscriptText {
  return new TranscriptText(transcriptString());
}

/** The seed's supported_formats(read_only): this QEMU's format whitelist. */
function supportedFormats(readOnly = false): string[] {
  const { capabilities } = runtime();
  return [...(readOnly ? capabilities.formatsRo : capabilities.formatsRw)];
}

/** The seed's has_working_luks(): [working, reason]. */
function hasWorkingLuks(): [boolean, string] {
  const { luks } = runtime().capabilities;
  return [luks.working, luks.reason];
}

/** The seed's supports_quorum(). */
function supportsQuorum(): boolean {
  return runtime().capabilities.quorum;
}

/** The QEMU release whose iotests.py the library follows for the QEMU under test ('7.2', '10.0'). */
function qemuRelease(): IotestsPyLevel {
  return iotestsPyLevel(runtime().capabilities.qemuVersion);
}

/** Whether the QEMU under test is `release` (major.minor) or newer: where a ported test branches. */
function releaseAtLeast(release: string): boolean {
  return versionAtLeast(runtime().capabilities.qemuVersion, release);
}

/** QEMU 10.0's verify_virtio_scsi_pci_or_ccw (7.2: _verify_…): skip the file without virtio-scsi. */
function verifyVirtioScsiPciOrCcw(): void {
  requirements.requires({ devices: ['virtio-scsi'] });
}

const iotestsObject = {
  // Transcript (the seed's log and the reference output it builds).
  log,
  transcript,
  quietly,
  orderedQmp,
  /** @deprecated Use `filters` (`import { filters } from 'qemu-iotests'`). */
  filters: filterModule.filters,
  // QMPTestCase.dictpath: the value at 'a/b[0]/c', or an AssertionError naming what is missing.
  qmpPath,
  // Requirements and skips.
  requires: requirements.requires,
  notrun: requirements.notrun,
  caseNotrun: requirements.caseNotrun,
  unmetRequirement: requirements.unmetRequirement,
  supportedFormats,
  hasWorkingLuks,
  supportsQuorum,
  verifyVirtioScsiPciOrCcw,
  // The QEMU release followed.
  releaseAtLeast,
  get qemuRelease(): IotestsPyLevel {
    return qemuRelease();
  },
  // Files and images.
  filePath: files.filePath,
  filePaths: files.filePaths,
  withFilePaths: files.withFilePaths,
  filePattern: files.filePattern,
  tryRemove: files.tryRemove,
  createImage: files.createImage,
  unarchiveSampleImage: files.unarchiveSampleImage,
  remoteFilename: files.remoteFilename,
  withTimeout: files.withTimeout,
  observationWindow,
  retryPbkdfFluke,
  // qcow2 structures (QEMU's qcow2_format.py / qcow2.py dump-header): a module of their own, as in
  // Python.
  /** @deprecated Use `QcowHeader` (`import { QcowHeader } from 'qemu-iotests'`). */
  QcowHeader: qcow2.QcowHeader,
  /** @deprecated Use `dumpQcow2Header` (`import { dumpQcow2Header } from 'qemu-iotests'`). */
  dumpQcow2Header: qcow2.dumpQcow2Header,
  /** @deprecated Use `dumpQcow2HeaderExts` (`import { dumpQcow2HeaderExts } from 'qemu-iotests'`). */
  dumpQcow2HeaderExts: qcow2.dumpQcow2HeaderExts,
  // Tools.
  qemuImg: tools.qemuImg,
  qemuImgCreate: tools.qemuImgCreate,
  qemuImgLog: tools.qemuImgLog,
  qemuImgJson: tools.qemuImgJson,
  qemuImgMeasure: tools.qemuImgMeasure,
  qemuImgCheck: tools.qemuImgCheck,
  qemuImgInfo: tools.qemuImgInfo,
  qemuImgMap: tools.qemuImgMap,
  qemuImgPipe: tools.qemuImgPipe,
  qemuImgPipeAndStatus: tools.qemuImgPipeAndStatus,
  qemuImgStatus: tools.qemuImgStatus,
  // Asynchronous, as the seed's; where a test is being defined (a describe, the file's top), use
  // `iotests.capabilities.qcow2Zstd` or `requires({ qcow2Zstd: true })` (the probe's answer).
  supportsQcow2ZstdCompression: tools.supportsQcow2ZstdCompression,
  imgInfoLog: tools.imgInfoLog,
  imageSize: tools.imageSize,
  compareImages: tools.compareImages,
  qemuIo: tools.qemuIo,
  qemuIoLog: tools.qemuIoLog,
  qemuIoSilent: tools.qemuIoSilent,
  qemuIoSilentCheck: tools.qemuIoSilentCheck,
  /** @deprecated Use `QemuIoInteractive` (`import { QemuIoInteractive } from 'qemu-iotests'`). */
  QemuIoInteractive: tools.QemuIoInteractive,
  qemuToolPopen: tools.qemuToolPopen,
  qemuIoPopen: tools.qemuIoPopen,
  qemuNbd: tools.qemuNbd,
  qemuNbdEarlyPipe: tools.qemuNbdEarlyPipe,
  qemuNbdListLog: tools.qemuNbdListLog,
  withQemuNbd: tools.withQemuNbd,
  /** @deprecated Use `QemuStorageDaemon` (`import { QemuStorageDaemon } from 'qemu-iotests'`). */
  QemuStorageDaemon: tools.QemuStorageDaemon,
  // VMs.
  /** @deprecated Use `VM` (`import { VM } from 'qemu-iotests'`). */
  VM: vmModule.VM,
  /** @deprecated Use the global `vm` (or `import { vm } from 'qemu-iotests'`): the same VM. */
  currentVm: vmModule.currentVm,
  // The seed's module variables, for this run and this test file.
  get config(): IotestsConfig {
    return runtime().config;
  },
  get capabilities(): Capabilities {
    return runtime().capabilities;
  },
  get imgfmt(): ImageFormat {
    return runtime().config.imgfmt;
  },
  get imgproto(): string {
    return runtime().config.imgproto;
  },
  get cachemode(): CacheMode {
    return runtime().config.cachemode;
  },
  get aiomode(): AioMode {
    return runtime().config.aiomode;
  },
  get testDir(): string {
    return fileContext().testDir;
  },
  get sockDir(): string {
    return fileContext().sockDir;
  },
  get sampleImgDir(): string | undefined {
    return runtime().config.sampleImgDir;
  },
  // The seed's binaries and tool command lines (qemu_prog, qemu_img_args, ...): absolute paths.
  get qemuProg(): string {
    return runtime().config.binaries.qemu;
  },
  get qemuImgProg(): string {
    return runtime().config.binaries.qemuImg;
  },
  get qemuIoProg(): string {
    return runtime().config.binaries.qemuIo;
  },
  get qemuNbdProg(): string {
    return runtime().config.binaries.qemuNbd;
  },
  get qsdProg(): string {
    return runtime().config.binaries.qsd;
  },
  /** QEMU_OPTIONS, as the seed's qemu_opts (the VM adds them to every command line). */
  get qemuOpts(): string[] {
    return [...runtime().config.qemuOptions];
  },
  get qemuImgArgs(): string[] {
    return tools.qemuImgArgs();
  },
  get qemuIoArgs(): string[] {
    return tools.qemuIoArgs();
  },
  get qemuIoArgsNoFmt(): string[] {
    return tools.qemuIoArgsNoFmt();
  },
  get qemuNbdArgs(): string[] {
    return tools.qemuNbdArgs();
  },
  get luksDefaultSecretObject(): string {
    return tools.luksDefaultSecretObject();
  },
  luksDefaultKeySecretOpt: tools.LUKS_DEFAULT_KEY_SECRET_OPT,
};

/** Members whose declared signatures TypeScript's control-flow analysis needs (see below). */
interface IotestsControlFlow {
  /** See `notrun`: nothing after it runs as a test. */
  notrun: (reason: string) => never;
}

/** The type of the `iotests` object. */
export type Iotests = Omit<typeof iotestsObject, keyof IotestsControlFlow> & IotestsControlFlow;

/**
 * The seed's module as one object. Declared with its type, so that TypeScript knows
 * `iotests.notrun(...)` ends the code after it, as it does for the named `notrun`.
 */
export const iotests: Iotests = iotestsObject;
