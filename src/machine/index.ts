// Public API of the machine layer: one QEMU process, and the registry that keeps children from
// outliving the test run.

export { QemuMachine, type QemuMachineOptions } from './machine';
export {
  QemuAbnormalExitError,
  QemuLaunchError,
  QemuMachineError,
  SocketPathTooLongError,
  UNIX_SOCKET_PATH_MAX,
  formatCommandLine,
  redactCommandLine,
  type QemuExitReport,
} from './errors';
export {
  killChildrenOwnedBy,
  liveChildren,
  registerChild,
  registryDirectory,
  sweepOrphans,
  type KillRegisteredChildOptions,
  type RegisterChildOptions,
  type RegisteredChild,
} from './registry';
export { QtestClient } from './qtest';
export {
  DEFAULT_TIMEOUTS,
  UNBOUNDED_TIMEOUT_MS,
  wrapperNeedsUnboundedTimeouts,
  type MachineTimeouts,
} from './timeouts';
export { convertArgumentKeys, type QmpCallConvOptions } from './qmp-args';
export { isLiveProcess, type ProcessIdentity } from './proc-info';
export {
  setMachineObserver,
  type MachineObserver,
  type MachineProcessStatus,
  type ObservedMachine,
} from './observer';
