// Public surface of the capability probe: what the configured QEMU can do.
export type { AcceleratorName, Capabilities, ToolInfo } from './types';
export { probeCapabilities, type ProbeOptions } from './probe';
export { CapabilityProbeError } from './errors';
export { formatHeader } from './header';
export type { SpawnListener } from './run-tool';
export {
  parseVersion,
  parseAccelHelp,
  parseAccelPresence,
  parseFormatHelp,
  parseDeviceHelp,
  parseMachineHelp,
  parseQuorumSupport,
  parseLuksFailure,
  virtioSupport,
  type ParsedVersion,
} from './parsers';
export { PBKDF_TIMING_ATTEMPTS, PBKDF_TIMING_FLUKE, isPbkdfTimingFluke } from './pbkdf-fluke';
