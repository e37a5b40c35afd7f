// What a test needs to be run (the seed's supported_fmts=..., verify_*, skip_*), checked against
// the configuration and the probed capabilities. `unmetRequirement` is pure and returns the
// seed's exact reason text; `requires` / `notrun` / `caseNotrun` are front-ends that hand the
// reason to a skip handler the Jest layer installs (no Jest here).
import type { Capabilities } from '../capabilities';
import type { IotestsConfig } from '../config';
import { IotestsError } from '../common/errors';
import { pyRepr } from './pyjson';
import { runtime } from './runtime';
import { session, type SkipHandler } from './session';

/** Devices a test can require (the seed's _verify_virtio_blk / _verify_virtio_scsi_pci_or_ccw). */
export type RequiredDevice = 'virtio-blk' | 'virtio-scsi';

/** Everything a test file can require; every key is optional, an absent key requires nothing. */
export interface Requirements {
  /** supported_fmts: IMGFMT must be one of these ('generic' = any, unless IMGFMT_GENERIC=false). */
  formats?: readonly string[];
  /** unsupported_fmts. */
  unsupportedFormats?: readonly string[];
  /** supported_protocols ('generic' = any protocol). */
  protocols?: readonly string[];
  /** unsupported_protocols. */
  unsupportedProtocols?: readonly string[];
  /** supported_platforms: the OS (Node's process.platform, e.g. 'linux') must start with one. */
  platforms?: readonly string[];
  /** The OS must not start with any of these. */
  unsupportedPlatforms?: readonly string[];
  /** supported_cache_modes. */
  cacheModes?: readonly string[];
  /** supported_aio_modes. */
  aioModes?: readonly string[];
  /** required_fmts: formats QEMU must have in its read-write whitelist. */
  requiredFormats?: readonly string[];
  /** Formats QEMU must have in its read-only whitelist (skip_if_unsupported(read_only=True)). */
  requiredFormatsRo?: readonly string[];
  /** unsupported_imgopts: substrings IMGOPTS must not contain ('$' is never supported). */
  unsupportedImgopts?: readonly string[];
  /** Needs QEMU's qtest accelerator (virtual clock stepping). */
  accelerator?: 'qtest';
  devices?: readonly RequiredDevice[];
  /** verify_working_luks. */
  luks?: boolean;
  /** verify_quorum. */
  quorum?: boolean;
  /** skip_if_user_is_root. */
  notRoot?: boolean;
  /** verify_qcow2_zstd_compression. */
  qcow2Zstd?: boolean;
}

/** The configuration fields the checks read. */
export type RequirementConfig = Pick<
  IotestsConfig,
  'imgfmt' | 'imgproto' | 'cachemode' | 'aiomode' | 'imgopts' | 'imgfmtGeneric'
>;

/** The capability fields the checks read. */
export type RequirementCapabilities = Pick<
  Capabilities,
  | 'formatsRw'
  | 'formatsRo'
  | 'hasVirtioBlk'
  | 'hasVirtioScsi'
  | 'luks'
  | 'quorum'
  | 'accelerators'
  | 'hasQtest'
  | 'qcow2Zstd'
>;

/** Facts about the host process (injectable for tests). */
export interface HostFacts {
  /** Like Python's sys.platform: 'linux', 'darwin', ... */
  platform: string;
  /** Effective user id; undefined where there is none (Windows). */
  uid: number | undefined;
}

// A Record, so that the compiler insists on every key of Requirements.
const KNOWN_KEYS: Readonly<Record<keyof Requirements, true>> = {
  formats: true,
  unsupportedFormats: true,
  protocols: true,
  unsupportedProtocols: true,
  platforms: true,
  unsupportedPlatforms: true,
  cacheModes: true,
  aioModes: true,
  requiredFormats: true,
  requiredFormatsRo: true,
  unsupportedImgopts: true,
  accelerator: true,
  devices: true,
  luks: true,
  quorum: true,
  notRoot: true,
  qcow2Zstd: true,
};
const REQUIREMENT_KEYS: readonly string[] = Object.keys(KNOWN_KEYS);

/**
 * Refuses what the type of `reqs` cannot: a key it does not know (TypeScript only catches one in
 * an object literal, and an ignored requirement would run the test where it must be skipped), and
 * protocols with unsupportedProtocols.
 */
export function validateRequirements(reqs: Requirements): Requirements {
  for (const key of Object.keys(reqs)) {
    if (!REQUIREMENT_KEYS.includes(key)) {
      throw new TypeError(
        `unknown requirement '${key}'; accepted keys: ${REQUIREMENT_KEYS.join(', ')}`,
      );
    }
  }
  if (nonEmpty(reqs.protocols) && nonEmpty(reqs.unsupportedProtocols)) {
    // The seed asserts this: a list of supported protocols makes the other list pointless.
    throw new TypeError('requirements: give protocols or unsupportedProtocols, not both');
  }
  return reqs;
}

/**
 * The first requirement `config` and `caps` do not meet, as the seed's notrun reason (e.g.
 * 'not suitable for this image format: raw'); undefined when everything is met. Checks run in the
 * seed's order (execute_setup_common), then the extra keys. IMGOPTS containing '$' is never
 * supported, like the seed.
 */
export function unmetRequirement(
  reqs: Requirements,
  config: RequirementConfig,
  caps: RequirementCapabilities,
  host: HostFacts = currentHost(),
): string | undefined {
  const r = validateRequirements(reqs);
  return (
    checkImageFormat(r, config, caps) ??
    checkProtocol(r, config) ??
    checkPlatform(r, host) ??
    checkIn(r.cacheModes, config.cachemode, 'not suitable for this cache mode') ??
    checkIn(r.aioModes, config.aiomode, 'not suitable for this aio mode') ??
    checkWhitelisted(r.requiredFormats, caps.formatsRw) ??
    checkDevices(r, caps) ??
    checkImgopts(r, config) ??
    checkWhitelisted(r.requiredFormatsRo, caps.formatsRo) ??
    (r.luks === true ? luksReason(caps) : undefined) ??
    (r.quorum === true && !caps.quorum ? 'quorum support missing' : undefined) ??
    checkZstd(r, caps) ??
    (r.notRoot === true && host.uid === 0 ? 'cannot be run as root' : undefined) ??
    checkAccelerator(r, caps)
  );
}

function checkImageFormat(
  r: Requirements,
  config: RequirementConfig,
  caps: RequirementCapabilities,
): string | undefined {
  let supported = r.formats ?? [];
  if (supported.includes('generic') && config.imgfmtGeneric) {
    supported = []; // Like `_supported_fmt generic` in the bash tests: any format.
  }
  const unsupported = r.unsupportedFormats ?? [];
  if (
    (supported.length > 0 && !supported.includes(config.imgfmt)) ||
    unsupported.includes(config.imgfmt)
  ) {
    return `not suitable for this image format: ${config.imgfmt}`;
  }
  return config.imgfmt === 'luks' ? luksReason(caps) : undefined;
}

function luksReason(caps: RequirementCapabilities): string | undefined {
  return caps.luks.working ? undefined : caps.luks.reason;
}

function checkProtocol(r: Requirements, config: RequirementConfig): string | undefined {
  const supported = r.protocols ?? [];
  if (supported.includes('generic')) {
    return undefined;
  }
  const unsupported = r.unsupportedProtocols ?? [];
  if (
    (supported.length > 0 && !supported.includes(config.imgproto)) ||
    unsupported.includes(config.imgproto)
  ) {
    return `not suitable for this protocol: ${config.imgproto}`;
  }
  return undefined;
}

function checkPlatform(r: Requirements, host: HostFacts): string | undefined {
  const matches = (prefixes: readonly string[]): boolean =>
    prefixes.some((prefix) => host.platform.startsWith(prefix));
  if (matches(r.unsupportedPlatforms ?? [])) {
    return `not suitable for this OS: ${host.platform}`;
  }
  if (nonEmpty(r.platforms) && !matches(r.platforms)) {
    return `not suitable for this OS: ${host.platform}`;
  }
  return undefined;
}

function checkIn(
  supported: readonly string[] | undefined,
  actual: string,
  reason: string,
): string | undefined {
  return nonEmpty(supported) && !supported.includes(actual) ? `${reason}: ${actual}` : undefined;
}

function checkWhitelisted(
  required: readonly string[] | undefined,
  whitelist: readonly string[],
): string | undefined {
  // Python prints a set difference, whose order is arbitrary; the requirement's order is kept.
  const missing = [...new Set(required ?? [])].filter((format) => !whitelist.includes(format));
  return missing.length > 0 ? `formats ${pyRepr(missing)} are not whitelisted` : undefined;
}

function checkDevices(r: Requirements, caps: RequirementCapabilities): string | undefined {
  const devices = r.devices ?? [];
  if (devices.includes('virtio-blk') && !caps.hasVirtioBlk) {
    return 'Missing virtio-blk in QEMU binary';
  }
  if (devices.includes('virtio-scsi') && !caps.hasVirtioScsi) {
    return 'Missing virtio-scsi-pci or virtio-scsi-ccw in QEMU binary';
  }
  return undefined;
}

function checkImgopts(r: Requirements, config: RequirementConfig): string | undefined {
  // The seed never supports '$' in IMGOPTS (a bash-only `$TEST_IMG` reference).
  const unsupported = [...(r.unsupportedImgopts ?? []), '$'];
  const imgopts = config.imgopts;
  if (imgopts !== undefined && imgopts !== '' && unsupported.some((x) => imgopts.includes(x))) {
    return `not suitable for this imgopts: ${imgopts}`;
  }
  return undefined;
}

function checkZstd(r: Requirements, caps: RequirementCapabilities): string | undefined {
  if (r.qcow2Zstd !== true) {
    return undefined;
  }
  return caps.qcow2Zstd ? undefined : 'zstd compression not supported';
}

function checkAccelerator(r: Requirements, caps: RequirementCapabilities): string | undefined {
  if (r.accelerator !== 'qtest' || caps.hasQtest) {
    return undefined;
  }
  const available = caps.accelerators.length > 0 ? caps.accelerators.join(', ') : 'none';
  return `requires the qtest accelerator (virtual clock stepping); this QEMU has: ${available}`;
}

function currentHost(): HostFacts {
  return { platform: process.platform, uid: process.getuid?.() };
}

function nonEmpty(list: readonly string[] | undefined): list is readonly string[] {
  return list !== undefined && list.length > 0;
}

// --- Front-ends: the reason goes to the skip handler the Jest layer installs. ---

export type { SkipHandler } from './session';

/** Install (or with undefined, remove) the handler of unmet requirements. */
export function setSkipHandler(handler: SkipHandler | undefined): void {
  session().skipHandler = handler;
}

/** Thrown by `requires` / `notrun` when no skip handler is installed (plain script use). */
export class NotRunError extends IotestsError {
  /** Why the test cannot run, as the seed's notrun reason. */
  readonly reason: string;

  constructor(reason: string) {
    super(`not run: ${reason}`);
    this.reason = reason;
  }
}

/**
 * Require `reqs` of this run's configuration and QEMU (the seed's script_main/main keyword
 * arguments). Returns true when met; otherwise hands the reason to the skip handler and returns
 * false, or throws NotRunError when no handler is installed.
 */
export function requires(reqs: Requirements): boolean {
  const { config, capabilities } = runtime();
  const reason = unmetRequirement(reqs, config, capabilities);
  if (reason === undefined) {
    return true;
  }
  notrun(reason);
  return false;
}

/**
 * The seed's `notrun`: this test file (or describe block, or test) cannot run, for `reason`.
 * Nothing after it runs as a test: inside a test or hook it throws (the test is reported skipped
 * with the reason). While a file or describe block is still being defined, it marks that block
 * skipped and returns, so that the tests after it are still defined (skipped, keeping their
 * titles and snapshots); the `never` type describes the code that runs, as Python's `sys.exit`.
 */
export function notrun(reason: string): never {
  const skipHandler = session().skipHandler;
  if (skipHandler === undefined) {
    throw new NotRunError(reason);
  }
  skipHandler.onUnmet(reason);
  // Only reached while a block is being defined (see above).
  return undefined as never;
}

/**
 * The seed's `case_notrun`: record that one case was not run, without skipping anything (that is
 * left to the caller). Goes to the handler's onCaseNotrun, else to stderr like the seed's
 * `.casenotrun` line.
 */
export function caseNotrun(reason: string): void {
  const skipHandler = session().skipHandler;
  if (skipHandler?.onCaseNotrun !== undefined) {
    skipHandler.onCaseNotrun(reason);
  } else {
    process.stderr.write(`    [case not run] ${reason}\n`);
  }
}
