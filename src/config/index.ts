// Public surface of the configuration layer: env variables -> one typed, validated IotestsConfig.
export type {
  AioMode,
  CacheMode,
  ConfigSource,
  IotestsConfig,
  IotestsTimeouts,
  InstalledQemuRelease,
  QemuBinaries,
} from './types';
export { IMAGE_FORMATS, type ImageFormat } from './image-format';
export { ConfigError, type ConfigErrorDetails, type SettingOrigin } from './errors';
export { resolveConfig, type ResolveConfigOptions } from './resolve';
export { validateAgainstCapabilities, type FormatCapabilities } from './validate';
export { configToEnv } from './to-env';
export { KNOWN_VARIABLES, type KnownVariable } from './variables';
export {
  ensureDirectories,
  defaultTestDir,
  defaultSockDir,
  userTempDir,
  UNIX_SOCKET_PATH_MAX,
} from './directories';
export { qemuTargetForArch } from './binaries';
export { exportQemuModuleDir, INSTALLABLE_RELEASES, releasesDir } from './release';
