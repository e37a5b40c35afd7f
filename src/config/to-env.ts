import type { IotestsConfig } from './types';

/**
 * The config as the environment variables QEMU's `check` exports, so child
 * processes and Jest workers see the same run. Resolving the result again
 * gives back an equal config.
 */
export function configToEnv(config: IotestsConfig): Record<string, string> {
  const env: Record<string, string> = {
    IMGFMT: config.imgfmt,
    IMGPROTO: config.imgproto,
    CACHEMODE: config.cachemode,
    CACHEMODE_IS_DEFAULT: String(config.cachemodeIsDefault),
    AIOMODE: config.aiomode,
    TEST_DIR: config.testDir,
    SOCK_DIR: config.sockDir,
    OUTPUT_DIR: config.outputDir,
    QEMU_PROG: config.binaries.qemu,
    QEMU_IMG_PROG: config.binaries.qemuImg,
    QEMU_IO_PROG: config.binaries.qemuIo,
    QEMU_NBD_PROG: config.binaries.qemuNbd,
    QSD_PROG: config.binaries.qsd,
    QEMU_OPTIONS: config.qemuOptions.join(' '),
    QEMU_IMG_OPTIONS: config.qemuImgOptions.join(' '),
    QEMU_IO_OPTIONS: config.qemuIoOptions.join(' '),
    QEMU_IO_OPTIONS_NO_FMT: config.qemuIoOptionsNoFmt.join(' '),
    QEMU_NBD_OPTIONS: config.qemuNbdOptions.join(' '),
    IMGKEYSECRET: config.imgKeySecret,
    IMGOPTSSYNTAX: String(config.imgoptsSyntax),
    IMGFMT_GENERIC: String(config.imgfmtGeneric),
    MISALIGN: config.misalign ? 'y' : 'n',
    VALGRIND_QEMU: config.valgrindQemu ? 'y' : 'n',
    PRINT_QEMU: config.printQemu ? 'y' : 'n',
    IOTESTS_QMP_TIMEOUT: String(config.timeouts.qmpCommandMs / 1000),
    IOTESTS_EVENT_TIMEOUT: String(config.timeouts.eventWaitMs / 1000),
    IOTESTS_LAUNCH_TIMEOUT: String(config.timeouts.launchMs / 1000),
    IOTESTS_SHUTDOWN_TIMEOUT: String(config.timeouts.shutdownMs / 1000),
    IOTESTS_KEEP_SCRATCH: config.keepScratchOnFailure ? 'y' : 'n',
  };
  if (config.referenceBase !== undefined) env.IOTESTS_REFERENCE_BASE = config.referenceBase;
  if (config.qemuRelease !== undefined) env.QEMU_RELEASE = config.qemuRelease.name;
  if (config.sampleImgDir !== undefined) env.SAMPLE_IMG_DIR = config.sampleImgDir;
  if (config.defaultMachine !== undefined) env.QEMU_DEFAULT_MACHINE = config.defaultMachine;
  if (config.imgopts !== undefined) env.IMGOPTS = config.imgopts;
  if (config.gdbOptions !== undefined) env.GDB_OPTIONS = config.gdbOptions.join(' ');
  return env;
}
