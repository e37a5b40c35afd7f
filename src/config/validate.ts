import { ConfigError } from './errors';
import type { IotestsConfig } from './types';

/**
 * The part of the capability probe that validation needs. Declared here so
 * that config does not import the capabilities layer; a `Capabilities` fits.
 */
export interface FormatCapabilities {
  readonly formatsRw: readonly string[];
  readonly formatsRo: readonly string[];
}

// Exports of the storage daemon rather than block drivers: not in `format=help`.
const NON_DRIVER_PROTOCOLS = ['fuse'];

/** Checks the config against what this QEMU supports; throws ConfigError naming the value. */
export function validateAgainstCapabilities(config: IotestsConfig, caps: FormatCapabilities): void {
  const known = new Set([...caps.formatsRw, ...caps.formatsRo]);
  if (!known.has(config.imgfmt)) {
    throw new ConfigError({
      variable: 'IMGFMT',
      value: config.imgfmt,
      problem: `not a format this QEMU (${config.binaries.qemu}) supports`,
      hint: `supported: ${caps.formatsRw.join(' ')}`,
    });
  }
  if (!NON_DRIVER_PROTOCOLS.includes(config.imgproto) && !known.has(config.imgproto)) {
    throw new ConfigError({
      variable: 'IMGPROTO',
      value: config.imgproto,
      problem: `not a protocol this QEMU (${config.binaries.qemu}) was built with`,
      hint: `choose one it lists: ${['file', 'nbd', 'ssh', 'nfs', 'rbd']
        .filter((protocol) => known.has(protocol))
        .join(', ')}`,
    });
  }
}
