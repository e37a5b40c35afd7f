// The public API of qemu-iotests, one home per name: the seed's helper functions and variables are
// members of the `iotests` object; classes, errors, `filters`, `vm`, the qcow2 dumps, the library's
// own utilities and the types are named exports. Nothing else lives here, but the deprecated named
// copies of `iotests` members at the end, kept so that tests written against them still work.
import './jest/vm-global';
import '../matchers/typings';

import type { probeCapabilities as ProbeCapabilities } from './capabilities';
import type { resolveConfig as ResolveConfig } from './config';
import type * as ConfigResolver from './config/resolve';
import { iotests, type Iotests } from './iotests/api';
import type { VM } from './iotests/vm';
import { currentVm as fileVm } from './iotests/vm';

// The seed's helpers and variables: the `iotests` object is their one home.
export { iotests };
// The library's objects and utilities around them.
export { filters, createFilters, type Filters, type QmpValueFilter } from './iotests/filters';
export { IOTESTS_PY_LEVELS, type IotestsPyLevel } from './capabilities/iotests-level';
export { qmpLogMessage, type LogFilter, type LogOptions } from './iotests/transcript';
export { TranscriptText } from './iotests/transcript-text';
export { PyFloat, OrderedQmp, pyJsonDumps } from './iotests/pyjson';
export { fileContext, type FileContext } from './iotests/context';
export { initRuntime, runtime, type IotestsRuntime } from './iotests/runtime';
export { NotRunError, type Requirements } from './iotests/requirements';
// The classes the seed's tools come with, and the tools' option and result types (the helpers are
// `iotests.qemuImg`, ...; the runners, argument builders and sinks behind them are the library's own).
export {
  QemuIoInteractive,
  QemuStorageDaemon,
  QemuToolError,
  type ArgsWithOptions,
  type CheckOption,
  type ExitStatus,
  type ImgInfoLogOptions,
  type PopenOptions,
  type QemuIoInteractiveOptions,
  type QemuToolErrorDetails,
  type QsdStartOptions,
  type ToolOptions,
  type ToolProcess,
  type ToolResult,
  type WithQemuNbdOptions,
} from './iotests/tools';
// QEMU's qcow2_format.py / qcow2.py dump-header, a module of its own as in Python.
export {
  QcowHeader,
  dumpQcow2Header,
  dumpQcow2HeaderExts,
  type Qcow2DumpOptions,
  type QcowHeaderExtension,
  type Qcow2BitmapExt,
  type Qcow2BitmapDirEntry,
  type Qcow2BitmapTableEntry,
} from './iotests/qcow2';
// The VM: its methods are the one home of the seed's VM and QMPTestCase helpers (runJob,
// cancelAndWait, getBitmap, waitMigration, ...); the functions behind them are not exported.
export {
  VM,
  shutdownAllVms,
  type VMOptions,
  type AddDriveOptions,
  type BlockdevCreateOptions,
  type QmpLogOptions,
  type RunJobOptions,
  type BitmapsByNode,
  type GetBitmapOptions,
} from './iotests/vm';
export {
  type CancelAndWaitOptions,
  type JobEndEvent,
  type CompleteAndWaitOptions,
  type WaitUntilCompletedOptions,
} from './iotests/vm-job-waits';
export { IotestsAssertionError } from './iotests/vm-assert';

// Lower layers, for tests that need a bare QEMU or QMP connection.
export {
  QemuMachine,
  QemuMachineError,
  QemuLaunchError,
  QemuAbnormalExitError,
  SocketPathTooLongError,
  type QemuMachineOptions,
} from './machine';
export {
  QmpClient,
  QmpError,
  QmpConnectError,
  QmpTimeoutError,
  QmpCommandError,
  QmpProtocolError,
  QmpConnectionLostError,
  eventMatches,
  isJsonObject,
  type JsonValue,
  type QmpObject,
  type QmpEvent,
  type QmpErrorBody,
  type QmpResponse,
  type EventPattern,
} from './qmp';
export type {
  Qapi,
  QmpArgsParameter,
  QmpCommandArgs,
  QmpCommandName,
  QmpCommandReturn,
  QmpCommands,
  QmpEventData,
  QmpEventName,
  QmpEvents,
  QmpKeywordArgs,
  QmpSchemaSelection,
} from './qapi/schema';
// How the QMP methods use them; `unchecked` lets deliberately wrong input through.
export {
  unchecked,
  type AnyQmpEvent,
  type CheckedQmpPath,
  type MatchPattern,
  type QmpArguments,
  type QmpCallParameters,
  type QmpCommand,
  type QmpEventAlternative,
  type QmpEventOf,
  type QmpEventPattern,
  type QmpEventSelector,
  type QmpPathValue,
  type QmpReply,
  type QmpReturn,
  type QmpTimestamp,
  type UncheckedName,
} from './qapi/calls';
export { ConfigError } from './config/errors';
export { IMAGE_FORMATS, type IotestsConfig, type ImageFormat } from './config';
export type { Capabilities, ProbeOptions } from './capabilities';
export type { QmpMatchers } from '../matchers';

/**
 * What the configured QEMU can do (cached on disk). The probe and the process runner behind it are
 * loaded on first use: test files get their capabilities from the preset and never need them.
 */
export const probeCapabilities: typeof ProbeCapabilities = async (...args) =>
  (await import('./capabilities/probe')).probeCapabilities(...args);

/**
 * The configuration from the environment (and options), resolved and validated as the preset does.
 * The resolver is loaded on first use: test files get their configuration from the preset.
 */
export const resolveConfig: typeof ResolveConfig = (...args) =>
  configResolver().resolveConfig(...args);

function configResolver(): typeof ConfigResolver {
  // Loaded synchronously, as resolveConfig is: import() would make it asynchronous.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./config/resolve') as typeof ConfigResolver;
}

/**
 * This test file's VM, the same object as the global `vm` the preset creates (for those who
 * prefer imports). Every access goes to the current file's VM.
 */
export const vm: VM = new Proxy({} as VM, {
  get(_target, property) {
    const real = fileVm();
    const value: unknown = Reflect.get(real, property, real);
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(real) : value;
  },
  set(_target, property, value: unknown) {
    return Reflect.set(fileVm(), property, value);
  },
  has(_target, property) {
    return Reflect.has(fileVm(), property);
  },
  getPrototypeOf() {
    return Reflect.getPrototypeOf(fileVm());
  },
});

// ---- Deprecated aliases ----
// Named copies of `iotests` members, from before the `iotests` object was their one home: the same
// functions, so tests written against them keep working. TypeScript strikes them through and
// typescript-eslint's `no-deprecated` lists them; the README's upgrade notes say what to write.
/** @deprecated Use `iotests.transcript`. */
export const transcript: Iotests['transcript'] = iotests.transcript;
/** @deprecated Use `iotests.log`. */
export const log: Iotests['log'] = iotests.log;
/** @deprecated Use `iotests.orderedQmp`. */
export const orderedQmp: Iotests['orderedQmp'] = iotests.orderedQmp;
/** @deprecated Use `iotests.qmpPath`. */
export const qmpPath: Iotests['qmpPath'] = iotests.qmpPath;
/** @deprecated Use `iotests.requires`. */
export const requires: Iotests['requires'] = iotests.requires;
/** @deprecated Use `iotests.notrun`. */
export const notrun: Iotests['notrun'] = iotests.notrun;
/** @deprecated Use `iotests.caseNotrun`. */
export const caseNotrun: Iotests['caseNotrun'] = iotests.caseNotrun;
/** @deprecated Use `iotests.unmetRequirement`. */
export const unmetRequirement: Iotests['unmetRequirement'] = iotests.unmetRequirement;
/** @deprecated Use `iotests.supportedFormats`. */
export const supportedFormats: Iotests['supportedFormats'] = iotests.supportedFormats;
/** @deprecated Use `iotests.hasWorkingLuks`. */
export const hasWorkingLuks: Iotests['hasWorkingLuks'] = iotests.hasWorkingLuks;
/** @deprecated Use `iotests.supportsQuorum`. */
export const supportsQuorum: Iotests['supportsQuorum'] = iotests.supportsQuorum;
/** @deprecated Use `iotests.verifyVirtioScsiPciOrCcw`. */
export const verifyVirtioScsiPciOrCcw: Iotests['verifyVirtioScsiPciOrCcw'] =
  iotests.verifyVirtioScsiPciOrCcw;
/** @deprecated Use `iotests.releaseAtLeast`. */
export const releaseAtLeast: Iotests['releaseAtLeast'] = iotests.releaseAtLeast;
/** @deprecated Use `iotests.filePath`. */
export const filePath: Iotests['filePath'] = iotests.filePath;
/** @deprecated Use `iotests.filePaths`. */
export const filePaths: Iotests['filePaths'] = iotests.filePaths;
/** @deprecated Use `iotests.withFilePaths`. */
export const withFilePaths: Iotests['withFilePaths'] = iotests.withFilePaths;
/** @deprecated Use `iotests.tryRemove`. */
export const tryRemove: Iotests['tryRemove'] = iotests.tryRemove;
/** @deprecated Use `iotests.createImage`. */
export const createImage: Iotests['createImage'] = iotests.createImage;
/** @deprecated Use `iotests.unarchiveSampleImage`. */
export const unarchiveSampleImage: Iotests['unarchiveSampleImage'] = iotests.unarchiveSampleImage;
/** @deprecated Use `iotests.remoteFilename`. */
export const remoteFilename: Iotests['remoteFilename'] = iotests.remoteFilename;
/** @deprecated Use `iotests.withTimeout`. */
export const withTimeout: Iotests['withTimeout'] = iotests.withTimeout;
/** @deprecated Use `iotests.observationWindow`. */
export const observationWindow: Iotests['observationWindow'] = iotests.observationWindow;
/** @deprecated Use `iotests.retryPbkdfFluke`. */
export const retryPbkdfFluke: Iotests['retryPbkdfFluke'] = iotests.retryPbkdfFluke;
/** @deprecated Use `iotests.qemuImg`. */
export const qemuImg: Iotests['qemuImg'] = iotests.qemuImg;
/** @deprecated Use `iotests.qemuImgCreate`. */
export const qemuImgCreate: Iotests['qemuImgCreate'] = iotests.qemuImgCreate;
/** @deprecated Use `iotests.qemuImgLog`. */
export const qemuImgLog: Iotests['qemuImgLog'] = iotests.qemuImgLog;
/** @deprecated Use `iotests.qemuImgJson`. */
export const qemuImgJson: Iotests['qemuImgJson'] = iotests.qemuImgJson;
/** @deprecated Use `iotests.qemuImgMeasure`. */
export const qemuImgMeasure: Iotests['qemuImgMeasure'] = iotests.qemuImgMeasure;
/** @deprecated Use `iotests.qemuImgCheck`. */
export const qemuImgCheck: Iotests['qemuImgCheck'] = iotests.qemuImgCheck;
/** @deprecated Use `iotests.qemuImgInfo`. */
export const qemuImgInfo: Iotests['qemuImgInfo'] = iotests.qemuImgInfo;
/** @deprecated Use `iotests.qemuImgMap`. */
export const qemuImgMap: Iotests['qemuImgMap'] = iotests.qemuImgMap;
/** @deprecated Use `iotests.qemuImgPipe`. */
export const qemuImgPipe: Iotests['qemuImgPipe'] = iotests.qemuImgPipe;
/** @deprecated Use `iotests.qemuImgPipeAndStatus`. */
export const qemuImgPipeAndStatus: Iotests['qemuImgPipeAndStatus'] = iotests.qemuImgPipeAndStatus;
/** @deprecated Use `iotests.qemuImgStatus`. */
export const qemuImgStatus: Iotests['qemuImgStatus'] = iotests.qemuImgStatus;
/** @deprecated Use `iotests.supportsQcow2ZstdCompression`. */
export const supportsQcow2ZstdCompression: Iotests['supportsQcow2ZstdCompression'] =
  iotests.supportsQcow2ZstdCompression;
/** @deprecated Use `iotests.imgInfoLog`. */
export const imgInfoLog: Iotests['imgInfoLog'] = iotests.imgInfoLog;
/** @deprecated Use `iotests.imageSize`. */
export const imageSize: Iotests['imageSize'] = iotests.imageSize;
/** @deprecated Use `iotests.compareImages`. */
export const compareImages: Iotests['compareImages'] = iotests.compareImages;
/** @deprecated Use `iotests.qemuIo`. */
export const qemuIo: Iotests['qemuIo'] = iotests.qemuIo;
/** @deprecated Use `iotests.qemuIoLog`. */
export const qemuIoLog: Iotests['qemuIoLog'] = iotests.qemuIoLog;
/** @deprecated Use `iotests.qemuIoSilent`. */
export const qemuIoSilent: Iotests['qemuIoSilent'] = iotests.qemuIoSilent;
/** @deprecated Use `iotests.qemuIoSilentCheck`. */
export const qemuIoSilentCheck: Iotests['qemuIoSilentCheck'] = iotests.qemuIoSilentCheck;
/** @deprecated Use `iotests.qemuToolPopen`. */
export const qemuToolPopen: Iotests['qemuToolPopen'] = iotests.qemuToolPopen;
/** @deprecated Use `iotests.qemuIoPopen`. */
export const qemuIoPopen: Iotests['qemuIoPopen'] = iotests.qemuIoPopen;
/** @deprecated Use `iotests.qemuNbd`. */
export const qemuNbd: Iotests['qemuNbd'] = iotests.qemuNbd;
/** @deprecated Use `iotests.qemuNbdEarlyPipe`. */
export const qemuNbdEarlyPipe: Iotests['qemuNbdEarlyPipe'] = iotests.qemuNbdEarlyPipe;
/** @deprecated Use `iotests.qemuNbdListLog`. */
export const qemuNbdListLog: Iotests['qemuNbdListLog'] = iotests.qemuNbdListLog;
/** @deprecated Use `iotests.withQemuNbd`. */
export const withQemuNbd: Iotests['withQemuNbd'] = iotests.withQemuNbd;
/** @deprecated Use the global `vm` (or `import { vm } from 'qemu-iotests'`): the same VM. */
export const currentVm: () => VM = fileVm;
