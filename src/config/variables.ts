import type { AioMode, CacheMode } from './types';

/** Cache modes accepted for CACHEMODE. */
export const CACHE_MODES: readonly CacheMode[] = [
  'none',
  'writeback',
  'writethrough',
  'directsync',
  'unsafe',
];

/** AIO modes accepted for AIOMODE. */
export const AIO_MODES: readonly AioMode[] = ['threads', 'native', 'io_uring'];

/** Protocols accepted for IMGPROTO (the choices of QEMU's `check`). */
export const PROTOCOLS: readonly string[] = ['file', 'rbd', 'nbd', 'ssh', 'nfs', 'fuse'];

/** Read-only sample formats that `_supported_fmt generic` does not cover. */
export const NON_GENERIC_FORMATS: readonly string[] = ['bochs', 'cloop', 'dmg'];

/** Built-in timeout defaults, in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = {
  qmpCommand: 15,
  eventWait: 60,
  launch: 30,
  shutdown: 30,
} as const;

/** A variable the configuration reads, for documentation and `qemu-iotests info`. */
export interface KnownVariable {
  name: string;
  default: string;
  description: string;
}

/** Every variable `resolveConfig` reads, in the order a user meets them. */
export const KNOWN_VARIABLES: ReadonlyArray<KnownVariable> = [
  { name: 'IMGFMT', default: 'raw', description: 'image format under test' },
  { name: 'IMGPROTO', default: 'file', description: `image protocol (${PROTOCOLS.join(', ')})` },
  {
    name: 'CACHEMODE',
    default: 'writeback',
    description: `host cache mode (${CACHE_MODES.join(', ')})`,
  },
  {
    name: 'CACHEMODE_IS_DEFAULT',
    default: 'true when CACHEMODE is unset',
    description: 'whether tests may pick their own cache mode',
  },
  { name: 'AIOMODE', default: 'threads', description: `AIO mode (${AIO_MODES.join(', ')})` },
  {
    name: 'TEST_DIR',
    default: '<tmpdir>/qemu-iotests-<uid>/run-<pid>',
    description: 'scratch directory for images and logs (never the project directory)',
  },
  {
    name: 'SOCK_DIR',
    default: '/tmp/qemu-iotests-<uid>-<pid>',
    description: 'directory for UNIX sockets; must stay short (AF_UNIX path limit)',
  },
  { name: 'SAMPLE_IMG_DIR', default: '(none)', description: 'directory of bzip2 sample images' },
  {
    name: 'OUTPUT_DIR',
    default: 'TEST_DIR',
    description: 'directory for .notrun/.casenotrun notes',
  },
  {
    name: 'QEMU_BUILD_DIR',
    default: '(none)',
    description: 'QEMU build tree to take every binary from (testEnvironmentOptions: buildDir)',
  },
  {
    name: 'QEMU_RELEASE',
    default: 'system',
    description:
      'QEMU release to test: system (the binaries on PATH) or one setup installed beside it, e.g. 10.0 (npm run setup -- --qemu 10.0; testEnvironmentOptions: qemuRelease)',
  },
  {
    name: 'QEMU_RELEASES_DIR',
    default: '~/.cache/qemu-iotests/releases',
    description: 'where setup installs QEMU releases (XDG_CACHE_HOME is honoured)',
  },
  {
    name: 'QEMU_PROG',
    default: 'qemu-system-<arch> on PATH',
    description: 'system emulator binary',
  },
  { name: 'QEMU_IMG_PROG', default: 'qemu-img on PATH', description: 'qemu-img binary' },
  { name: 'QEMU_IO_PROG', default: 'qemu-io on PATH', description: 'qemu-io binary' },
  { name: 'QEMU_NBD_PROG', default: 'qemu-nbd on PATH', description: 'qemu-nbd binary' },
  {
    name: 'QSD_PROG',
    default: 'qemu-storage-daemon on PATH',
    description: 'qemu-storage-daemon binary',
  },
  {
    name: 'QEMU_OPTIONS',
    default: '-nodefaults -display none',
    description: 'extra QEMU arguments (the accelerator is added from the capability probe)',
  },
  { name: 'QEMU_IMG_OPTIONS', default: '(none)', description: 'extra qemu-img arguments' },
  {
    name: 'QEMU_IO_OPTIONS',
    default: '--cache CACHEMODE --aio AIOMODE [--misalign] [-f IMGFMT]',
    description: 'qemu-io arguments',
  },
  {
    name: 'QEMU_IO_OPTIONS_NO_FMT',
    default: '--cache CACHEMODE --aio AIOMODE [--misalign]',
    description: 'qemu-io arguments without a format',
  },
  { name: 'QEMU_NBD_OPTIONS', default: '(none)', description: 'extra qemu-nbd arguments' },
  {
    name: 'QEMU_DEFAULT_MACHINE',
    default: 'probed from -machine help',
    description: "QEMU's default machine type",
  },
  {
    name: 'IMGOPTS',
    default: '(none; luks adds iter-time=10, vmdk zeroed_grain=on)',
    description: 'qemu-img create -o options for the format under test',
  },
  { name: 'IMGKEYSECRET', default: "'123456' for luks", description: 'LUKS key secret' },
  { name: 'IMGOPTSSYNTAX', default: 'true for luks', description: 'images need --image-opts' },
  {
    name: 'IMGFMT_GENERIC',
    default: 'false for bochs, cloop, dmg',
    description: "whether the format counts as 'generic'",
  },
  { name: 'MISALIGN', default: 'n', description: 'qemu-io --misalign (check -misalign)' },
  {
    name: 'GDB_OPTIONS',
    default: '(none)',
    description: 'run QEMU under gdbserver with these options, e.g. localhost:12345',
  },
  { name: 'VALGRIND_QEMU', default: 'n', description: 'run QEMU under valgrind' },
  { name: 'NO_VALGRIND', default: 'n', description: 'overrides VALGRIND_QEMU' },
  { name: 'PRINT_QEMU', default: 'n', description: "show QEMU's stdout/stderr in test output" },
  {
    name: 'IOTESTS_QMP_TIMEOUT',
    default: String(DEFAULT_TIMEOUT_SECONDS.qmpCommand),
    description: 'seconds to wait for a QMP reply',
  },
  {
    name: 'IOTESTS_EVENT_TIMEOUT',
    default: String(DEFAULT_TIMEOUT_SECONDS.eventWait),
    description: 'seconds to wait for a QMP event',
  },
  {
    name: 'IOTESTS_LAUNCH_TIMEOUT',
    default: String(DEFAULT_TIMEOUT_SECONDS.launch),
    description: 'seconds to wait for QEMU to start (also bounds each capability probe)',
  },
  {
    name: 'IOTESTS_SHUTDOWN_TIMEOUT',
    default: String(DEFAULT_TIMEOUT_SECONDS.shutdown),
    description: 'seconds to wait for QEMU to exit before killing it',
  },
  {
    name: 'IOTESTS_KEEP_SCRATCH',
    default: 'n',
    description: 'keep scratch files of failed tests for inspection',
  },
  {
    name: 'IOTESTS_DEBUG',
    default: 'n',
    description:
      'y: a debug trace per test file (QMP, command lines, tools; its path printed on failure); console: also to the console',
  },
  {
    name: 'IOTESTS_GROUPS',
    default: '(all)',
    description: 'run only test files with one of these @group names (space or comma separated)',
  },
  {
    name: 'IOTESTS_EXCLUDE_GROUPS',
    default: '(none)',
    description: 'skip test files with one of these @group names',
  },
  {
    name: 'IOTESTS_REFERENCE_BASE',
    default: '(none: one set of references for every QEMU)',
    description:
      'QEMU release whose references are the main ones, e.g. 7.2; on another release, references that differ are kept apart (testEnvironmentOptions: referenceBase)',
  },
];
