// Global setup of `--preset qemu-iotests`, once per run (again per run in watch mode): validate
// the configuration against what this QEMU can do, clean up after runs that died, and print the
// `check`-like header. A configuration mistake stops the run with one line, not a stack trace.
import type { Config } from '@jest/types';

import { formatHeader, probeCapabilities } from '../capabilities';
import { iotestsPyLevel } from '../capabilities/iotests-level';
import {
  ConfigError,
  exportQemuModuleDir,
  resolveConfig,
  validateAgainstCapabilities,
} from '../config';
import {
  REFERENCE_OVERLAY_VARIABLE,
  SNAPSHOT_UPDATE_VARIABLE,
  referenceOverlay,
} from '../iotests/reference-release';
import { sweepOrphans } from '../machine/registry';
import { openNotRunLedger } from './not-run';
import { environmentOptionsAsSource } from './options';
import { pinRunDirectories, sweepStaleRunDirectories } from './run-dirs';

export default async function globalSetup(
  globalConfig: Config.GlobalConfig,
  projectConfig: Config.ProjectConfig,
): Promise<void> {
  const options = projectConfig.testEnvironmentOptions;
  try {
    await sweepOrphans();
    sweepStaleRunDirectories();
    pinRunDirectories(options);
    const config = resolveConfig({ options: environmentOptionsAsSource(options) });
    exportQemuModuleDir(config.qemuRelease);
    const capabilities = await probeCapabilities(config);
    validateAgainstCapabilities(config, capabilities);
    // Workers and the snapshot resolver read the format and the references' release from the
    // environment.
    process.env.IMGFMT = config.imgfmt;
    const level = iotestsPyLevel(capabilities.qemuVersion);
    process.env[REFERENCE_OVERLAY_VARIABLE] = referenceOverlay(config.referenceBase, level) ?? '';
    process.env[SNAPSHOT_UPDATE_VARIABLE] = globalConfig.updateSnapshot;
    openNotRunLedger();
    if (!globalConfig.silent) {
      process.stdout.write(`\n${formatHeader(config, capabilities)}\n`);
    }
  } catch (error) {
    if (error instanceof ConfigError) throw oneLineError(error.message);
    throw error;
  }
}

// Jest prints a global setup failure's stack; an error whose stack is its message prints as one line.
function oneLineError(message: string): Error {
  const error = new Error(`qemu-iotests: ${message}`);
  error.stack = error.message;
  return error;
}
