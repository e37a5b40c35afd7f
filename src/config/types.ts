import type { ImageFormat } from './image-format';

/** Host cache modes accepted by `check -c` and qemu-io `--cache`. */
export type CacheMode = 'none' | 'writeback' | 'writethrough' | 'directsync' | 'unsafe';

/** AIO back ends accepted by `check -i` and qemu-io `--aio`. */
export type AioMode = 'threads' | 'native' | 'io_uring';

/** Absolute paths of the QEMU programs a run uses. */
export interface QemuBinaries {
  qemu: string;
  qemuImg: string;
  qemuIo: string;
  qemuNbd: string;
  qsd: string;
}

/** A QEMU release installed by setup beside the system's (QEMU_RELEASE). */
export interface InstalledQemuRelease {
  /** e.g. '10.0'. */
  name: string;
  /** Its private prefix. */
  prefix: string;
  /** Where its programs are. */
  binDir: string;
  /** Its loadable modules, for QEMU_MODULE_DIR. */
  moduleDir: string;
}

/** Upper bounds for the waits of the QMP/machine layers, in milliseconds. */
export interface IotestsTimeouts {
  qmpCommandMs: number;
  eventWaitMs: number;
  launchMs: number;
  shutdownMs: number;
}

/** The whole iotests environment, resolved and validated once. */
export interface IotestsConfig {
  imgfmt: ImageFormat;
  imgproto: string;
  cachemode: CacheMode;
  /** True when CACHEMODE was not chosen by the user (tests may then pick their own). */
  cachemodeIsDefault: boolean;
  aiomode: AioMode;
  testDir: string;
  sockDir: string;
  sampleImgDir: string | undefined;
  outputDir: string;
  binaries: QemuBinaries;
  /** The installed release the binaries come from (QEMU_RELEASE); undefined for PATH or a build. */
  qemuRelease: InstalledQemuRelease | undefined;
  /** QEMU_OPTIONS split on spaces; never contains the accelerator (see capabilities). */
  qemuOptions: string[];
  qemuImgOptions: string[];
  qemuIoOptions: string[];
  qemuIoOptionsNoFmt: string[];
  qemuNbdOptions: string[];
  defaultMachine: string | undefined;
  imgopts: string | undefined;
  imgKeySecret: string;
  imgoptsSyntax: boolean;
  imgfmtGeneric: boolean;
  misalign: boolean;
  /** GDB_OPTIONS split on spaces (e.g. ['localhost:12345']); undefined when gdb is off. */
  gdbOptions: string[] | undefined;
  valgrindQemu: boolean;
  printQemu: boolean;
  timeouts: IotestsTimeouts;
  keepScratchOnFailure: boolean;
  /**
   * The QEMU release (iotests.py level, e.g. '7.2') whose references are the project's main ones
   * (IOTESTS_REFERENCE_BASE); runs on another release keep theirs apart where they differ.
   * Undefined: one set of references whatever the QEMU.
   */
  referenceBase: string | undefined;
  /**
   * Command prefix QEMU is started under, like the seed's `wrapper`:
   * ['gdbserver', ...gdbOptions], the valgrind command, or [] when neither is on.
   */
  qemuWrapper: string[];
  /** Directories (test, socket, output) that were picked by default rather than by the user. */
  defaultedDirs: string[];
}

/** An environment-like map of variable name to value. */
export type ConfigSource = Record<string, string | undefined>;
