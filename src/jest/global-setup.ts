// Global setup of `--preset qemu-iotests`, once per run (again per run in watch mode): validate
// the configuration against what this QEMU can do, clean up after runs that died, and print the
// `check`-like header (on stderr, like all of Jest's own output, so that `--json` on stdout stays
// JSON; once per watch session). A configuration mistake or a binary that is not QEMU stops the
// run with one line, not a stack trace.
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
import { installPackageTypes } from '../qapi/install';
import { openNotRunLedger } from './not-run';
import { groupSelectionFor } from './groups';
import { debugModeFor, environmentOptionsAsSource } from './options';
import { describeProbeFailure } from './probe-failure';
import { pinRunDirectories, sweepStaleRunDirectories } from './run-dirs';

// On the real global object: watch mode runs global setup again in the same process.
const HEADER_PRINTED = Symbol.for('qemu-iotests.header-printed');

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
    try {
      debugModeFor(options);
      groupSelectionFor(options);
    } catch (error) {
      throw oneLineError(error instanceof Error ? error.message : String(error));
    }
    const capabilities = await probeCapabilities(config).catch((error: unknown) => {
      throw oneLineError(describeProbeFailure(error, config.binaries));
    });
    validateAgainstCapabilities(config, capabilities);
    // Workers and the snapshot resolver read the format and the references' release from the
    // environment.
    process.env.IMGFMT = config.imgfmt;
    const level = iotestsPyLevel(capabilities.qemuVersion);
    process.env[REFERENCE_OVERLAY_VARIABLE] = referenceOverlay(config.referenceBase, level) ?? '';
    process.env[SNAPSHOT_UPDATE_VARIABLE] = globalConfig.updateSnapshot;
    openNotRunLedger();
    // The editor's QMP types follow the QEMU under test (see src/qapi/install.ts).
    const typesProblem = await installPackageTypes(config.binaries.qemu);
    const printed = globalThis as { [HEADER_PRINTED]?: boolean };
    if (!globalConfig.silent && printed[HEADER_PRINTED] !== true) {
      process.stderr.write(`\n${formatHeader(config, capabilities)}\n`);
      printed[HEADER_PRINTED] = globalConfig.watch || globalConfig.watchAll;
    }
    if (!globalConfig.silent && typesProblem !== undefined) {
      process.stderr.write(`qemu-iotests: QMP types not updated: ${typesProblem}\n`);
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
