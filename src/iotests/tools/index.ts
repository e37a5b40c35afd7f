// The seed's tool helpers: qemu-img, qemu-io, qemu-nbd and qemu-storage-daemon wrappers.
export {
  compareImages,
  imageSize,
  imgInfoLog,
  qemuImg,
  qemuImgCheck,
  qemuImgCommand,
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
  type CheckOption,
  type ImgInfoLogOptions,
} from './qemu-img';
export {
  CreateArgsError,
  parseCreateArgs,
  prepareCreateArgs,
  type CreateArgsSettings,
  type ParsedCreateArgs,
} from './qemu-img-create-args';
export { qemuIo, qemuIoLog, qemuIoSilent, qemuIoSilentCheck, qemuIoWrapArgs } from './qemu-io';
export { QemuIoInteractive, type QemuIoInteractiveOptions } from './qemu-io-interactive';
export {
  pidFileArgument,
  qemuNbd,
  qemuNbdEarlyPipe,
  qemuNbdListLog,
  withQemuNbd,
  type WithQemuNbdOptions,
} from './qemu-nbd';
export { QemuStorageDaemon, type QsdStartOptions } from './qsd';
export {
  qemuIoPopen,
  qemuToolPopen,
  type ExitStatus,
  type PopenOptions,
  type ToolProcess,
} from './popen';
export {
  DEFAULT_TOOL_TIMEOUT_MS,
  runQemuTool,
  runTool,
  setToolOutputSink,
  toolPipeAndStatus,
  universalNewlines,
  type ArgsWithOptions,
  type PipeAndStatusOptions,
  type ToolOptions,
  type ToolOutputSink,
  type ToolResult,
} from './run-tool';
export { QemuToolError, pythonReturncode, type QemuToolErrorDetails } from './tool-error';
export {
  LUKS_DEFAULT_KEY_SECRET_OPT,
  luksDefaultSecretObject,
  qemuImgArgs,
  qemuIoArgs,
  qemuIoArgsNoFmt,
  qemuNbdArgs,
} from './tool-config';
