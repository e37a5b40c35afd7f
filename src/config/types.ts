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

/** Upper bounds for the waits of the QMP/machine layers, in milliseconds. */
export interface IotestsTimeouts {
  qmpCommandMs: number;
  eventWaitMs: number;
  launchMs: number;
  shutdownMs: number;
}

/** The whole iotests environment, resolved and validated once. */
export interface IotestsConfig {
  imgfmt: string;
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
   * Command prefix QEMU is started under, like the seed's `wrapper`:
   * ['gdbserver', ...gdbOptions], the valgrind command, or [] when neither is on.
   */
  qemuWrapper: string[];
  /** Directories (test, socket, output) that were picked by default rather than by the user. */
  defaultedDirs: string[];
}

/** An environment-like map of variable name to value. */
export type ConfigSource = Record<string, string | undefined>;
