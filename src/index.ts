// The public API of qemu-iotests: the iotests helpers (also gathered in the `iotests` object),
// the VM and its lower layers, errors, and the types users need. Nothing else lives here.
import './jest/vm-global';
import '../matchers/typings';

import type { probeCapabilities as ProbeCapabilities } from './capabilities';
import type { resolveConfig as ResolveConfig } from './config';
import type * as ConfigResolver from './config/resolve';
import type { VM } from './iotests/vm';
import { currentVm } from './iotests/vm';

// The seed's helpers, one by one and as the `iotests` object.
export {
  iotests,
  transcript,
  supportedFormats,
  hasWorkingLuks,
  supportsQuorum,
  releaseAtLeast,
  verifyVirtioScsiPciOrCcw,
} from './iotests/api';
export { IOTESTS_PY_LEVELS, type IotestsPyLevel } from './capabilities/iotests-level';
export {
  log,
  orderedQmp,
  qmpLogMessage,
  type LogFilter,
  type LogOptions,
} from './iotests/transcript';
export { TranscriptText } from './iotests/transcript-text';
export { retryPbkdfFluke } from './iotests/pbkdf-retry';
export { observationWindow } from './iotests/observe';
export { filters, createFilters, type Filters, type QmpValueFilter } from './iotests/filters';
export { PyFloat, OrderedQmp, pyJsonDumps } from './iotests/pyjson';
export { fileContext, type FileContext } from './iotests/context';
export { initRuntime, runtime, type IotestsRuntime } from './iotests/runtime';
export {
  requires,
  notrun,
  caseNotrun,
  unmetRequirement,
  NotRunError,
  type Requirements,
} from './iotests/requirements';
export {
  filePath,
  filePaths,
  withFilePaths,
  tryRemove,
  createImage,
  unarchiveSampleImage,
  remoteFilename,
  withTimeout,
} from './iotests/files';
// The seed's tools: the documented helpers and their option and result types (the runners,
// argument builders and sinks behind them are the library's own).
export {
  compareImages,
  imageSize,
  imgInfoLog,
  qemuImg,
  qemuImgCheck,
  qemuImgCreate,
  qemuImgInfo,
  qemuImgJson,
  qemuImgLog,
  qemuImgMap,
  qemuImgMeasure,
  qemuImgPipe,
  qemuImgPipeAndStatus,
  qemuImgStatus,
  supportsQcow2ZstdCompression,
  qemuIo,
  qemuIoLog,
  qemuIoSilent,
  qemuIoSilentCheck,
  QemuIoInteractive,
  qemuNbd,
  qemuNbdEarlyPipe,
  qemuNbdListLog,
  withQemuNbd,
  QemuStorageDaemon,
  qemuIoPopen,
  qemuToolPopen,
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
export {
  VM,
  currentVm,
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
export { IotestsAssertionError, qmpPath } from './iotests/vm-assert';

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
    const real = currentVm();
    const value: unknown = Reflect.get(real, property, real);
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(real) : value;
  },
  set(_target, property, value: unknown) {
    return Reflect.set(currentVm(), property, value);
  },
  has(_target, property) {
    return Reflect.has(currentVm(), property);
  },
  getPrototypeOf() {
    return Reflect.getPrototypeOf(currentVm());
  },
});
