// The seed's `filter_*` helpers: they replace what differs between runs (paths, pids, timings,
// node names, UUIDs) with fixed tokens so a transcript can be compared with a reference output.
// Same regular expressions and results as iotests.py (the QEMU 7.2 versions of filter_qmp, which
// also takes a single value, and of filter_qmp_generated_node_ids), with two deliberate differences:
// - they never mutate their argument (the seed's filter_qmp / filter_qmp_event do), they return
//   a new value;
// - `testDir` replaces the directory literally; the seed builds an unescaped regex from it, so a
//   '.' or '+' in the path would match other text or leave the path unfiltered.
import type { FileContext } from './context';
import { fileContext, validateFileContext } from './context';
import { describeValue } from '../common/describe-value';
import { OrderedQmp, PyFloat, dictEntries, isDict, isMap } from './pyjson';

/**
 * A function `filters.qmp` applies to every non-container value: (key or index, value). The key
 * is null when the message itself is a single value (7.2's filter_fn(None, qmsg)).
 */
export type QmpValueFilter = (key: string | number | null, value: unknown) => unknown;

/**
 * The seed's filters, camelCased; the context-dependent ones use the context they were made with.
 * Function-valued properties (not methods): they are meant to be passed around unbound.
 */
export interface Filters {
  /** filter_test_dir: the test directory -> 'TEST_DIR'. */
  readonly testDir: (msg: string) => string;
  /** filter_win32: drop carriage returns. */
  readonly win32: (msg: string) => string;
  /** filter_qemu_io: qemu-io's timing/throughput line -> fixed X/Y placeholders (after win32). */
  readonly qemuIo: (msg: string) => string;
  /** filter_chown: 'chown UID:GID'. */
  readonly chown: (msg: string) => string;
  /** filter_qmp_event: a copy of the event with timestamp seconds/microseconds 'SECS'/'USECS'. */
  readonly qmpEvent: (event: object) => Record<string, unknown>;
  /**
   * filter_qmp: a copy of a QMP object/array with `fn(key, value)` applied to every leaf value;
   * a single value (a string, number, boolean or null) is `fn(null, value)`, as in QEMU 7.2.
   */
  readonly qmp: <T>(qmsg: T, fn: QmpValueFilter) => T;
  /** filter_testfiles: '<testDir>/<pid>-' -> 'TEST_DIR/PID-', '<sockDir>/<pid>-' -> 'SOCK_DIR/PID-'. */
  readonly testfiles: (msg: string) => string;
  /** filter_qmp_testfiles: `testfiles` on every string value of a QMP object (or on a string). */
  readonly qmpTestfiles: <T>(qmsg: T) => T;
  /** filter_virtio_scsi: 'virtio-scsi-ccw'/'virtio-scsi-pci' -> 'virtio-scsi'. */
  readonly virtioScsi: (output: string) => string;
  /** filter_qmp_virtio_scsi: `virtioScsi` on every string value of a QMP object (or on a string). */
  readonly qmpVirtioScsi: <T>(qmsg: T) => T;
  /** filter_generated_node_ids: '#block123' -> 'NODE_NAME'. */
  readonly generatedNodeIds: (msg: string) => string;
  /** filter_qmp_generated_node_ids: `generatedNodeIds` on every string of a QMP object (or on a string). */
  readonly qmpGeneratedNodeIds: <T>(qmsg: T) => T;
  /**
   * filter_img_info: drop size lines, filename -> 'TEST_IMG', imgfmt -> 'IMGFMT', mask ids; with
   * `dropChildInfo` (default true, QEMU 10.0's iotests.py) also the "Child node '/…'" sections
   * qemu-img info prints since QEMU 8.0 (older qemu-img prints none, so 7.2 is unaffected).
   */
  readonly imgInfo: (output: string, filename: string, dropChildInfo?: boolean) => string;
  /** filter_imgfmt: the image format name -> 'IMGFMT'. */
  readonly imgfmt: (msg: string) => string;
  /** filter_qmp_imgfmt: `imgfmt` on every string value of a QMP object (or on a string). */
  readonly qmpImgfmt: <T>(qmsg: T) => T;
  /** filter_nbd_exports: '(min|opt|max) block: N' -> 'XXX'. */
  readonly nbdExports: (output: string) => string;
  /** filter_qtest (QEMU 10.0's iotests.py): drop a qtest log's leading OPENED and closing CLOSED lines. */
  readonly qtest: (output: string) => string;
}

/** Filters bound to an explicit context (for code that is not the current test file). */
export function createFilters(ctx: FileContext): Filters {
  const bound = validateFileContext(ctx);
  return makeFilters(() => bound);
}

/** The filters of the current test file: they read `fileContext()` each time they run. */
export const filters: Filters = makeFilters(fileContext);

const QEMU_IO_TIMING =
  /[0-9]* ops; [0-9/:. sec]* \([0-9/.inf]* [EPTGMKiBbytes]*\/sec and [0-9/.inf]* ops\/sec\)/g;
const CHOWN = /chown [0-9]+:[0-9]+/g;
const VIRTIO_SCSI = /(virtio-scsi)-(ccw|pci)/g;
const GENERATED_NODE_ID = /#block[0-9]+/g;
const LUKS_ITERS = /iters: [0-9]+/g;
const UUID = /uuid: [-a-f0-9]+/g;
const VMDK_CID = /cid: [0-9]+/g;
const COMPRESSION_TYPE = /(compression type: )(zlib|zstd)/g;
const NBD_BLOCK_SIZES = /((min|opt|max) block): [0-9]+/g;
// Anchored at the text's start and end, as Python's ^ and $ without MULTILINE ($ also before a
// final newline).
const QTEST_OPENED = /^\[I \d+\.\d+\] OPENED\n/;
const QTEST_CLOSED = /\n?\[I \+\d+\.\d+\] CLOSED\n?(?=\n?$)/;

function makeFilters(context: () => FileContext): Filters {
  const testDir = (msg: string): string =>
    replaceLiteral(expectString('testDir', msg), context().testDir, 'TEST_DIR');

  const win32 = (msg: string): string => expectString('win32', msg).replaceAll('\r', '');

  const qemuIo = (msg: string): string =>
    win32(expectString('qemuIo', msg)).replace(
      QEMU_IO_TIMING,
      'X ops; XX:XX:XX.X (XXX YYY/sec and XXX ops/sec)',
    );

  const chown = (msg: string): string => expectString('chown', msg).replace(CHOWN, 'chown UID:GID');

  const testfiles = (msg: string): string => {
    const { testDir: dir, sockDir, filePrefix } = context();
    const text = expectString('testfiles', msg);
    return replaceLiteral(
      replaceLiteral(text, pathJoin(dir, filePrefix), 'TEST_DIR/PID-'),
      pathJoin(sockDir, filePrefix),
      'SOCK_DIR/PID-',
    );
  };

  const virtioScsi = (output: string): string =>
    expectString('virtioScsi', output).replace(VIRTIO_SCSI, (_match, device: string) => device);

  const generatedNodeIds = (msg: string): string =>
    expectString('generatedNodeIds', msg).replace(GENERATED_NODE_ID, 'NODE_NAME');

  const imgfmt = (msg: string): string =>
    replaceLiteral(expectString('imgfmt', msg), context().imgfmt, 'IMGFMT');

  const imgInfo = (output: string, filename: string, dropChildInfo = true): string => {
    const text = expectString('imgInfo', output);
    // Kept: '' would put TEST_IMG between every two characters of the output.
    if (filename === '') {
      throw new TypeError('filters.imgInfo expects the image filename, got an empty string');
    }
    // A child node's section is its header line and the indented lines under it.
    let inChildSection = false;
    return text
      .split('\n')
      .filter((line) => !line.includes('disk size') && !line.includes('actual-size'))
      .filter((line) => {
        if (inChildSection && line.startsWith(' ')) return false;
        inChildSection = dropChildInfo && line.includes("Child node '/");
        return !inChildSection;
      })
      .map((line) =>
        imgfmt(testfiles(replaceLiteral(line, filename, 'TEST_IMG')))
          .replace(LUKS_ITERS, 'iters: XXX')
          .replace(UUID, 'uuid: XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX')
          .replace(VMDK_CID, 'cid: XXXXXXXXXX')
          .replace(COMPRESSION_TYPE, (_match, label: string) => `${label}COMPRESSION_TYPE`),
      )
      .join('\n');
  };

  const nbdExports = (output: string): string =>
    expectString('nbdExports', output).replace(NBD_BLOCK_SIZES, (_match, label: string) => {
      return `${label}: XXX`;
    });

  const qtest = (output: string): string =>
    expectString('qtest', output).replace(QTEST_OPENED, '').replace(QTEST_CLOSED, '');

  const onStrings =
    (stringFilter: (msg: string) => string) =>
    <T>(qmsg: T): T =>
      filterQmp(qmsg, (_key, value) => (typeof value === 'string' ? stringFilter(value) : value));

  return Object.freeze({
    testDir,
    win32,
    qemuIo,
    chown,
    qmpEvent: filterQmpEvent,
    qmp: filterQmp,
    testfiles,
    qmpTestfiles: onStrings(testfiles),
    virtioScsi,
    qmpVirtioScsi: onStrings(virtioScsi),
    generatedNodeIds,
    qmpGeneratedNodeIds: onStrings(generatedNodeIds),
    imgInfo,
    imgfmt,
    qmpImgfmt: onStrings(imgfmt),
    nbdExports,
    qtest,
  });
}

function filterQmpEvent(event: object): Record<string, unknown> {
  const entries = dictEntries(event);
  if (entries === undefined) {
    throw new TypeError(`filters.qmpEvent expects a QMP event object, got ${describeValue(event)}`);
  }
  // Like the seed's dict(event): a plain (not ordered) dict, so `log` sorts it.
  const copy: Record<string, unknown> = Object.fromEntries(entries);
  if (Object.hasOwn(copy, 'timestamp')) {
    const timestamp = dictEntries(copy.timestamp);
    if (timestamp === undefined) {
      throw new TypeError(
        `filters.qmpEvent expects the event's timestamp to be an object, got ${describeValue(copy.timestamp)}`,
      );
    }
    copy.timestamp = { ...Object.fromEntries(timestamp), seconds: 'SECS', microseconds: 'USECS' };
  }
  return copy;
}

// The checks on the filtered value below are kept: filters run as log filters (LogFilter takes
// `never`), so what reaches them is whatever a test logged, which no type ties to the filter.
function filterQmp<T>(qmsg: T, fn: QmpValueFilter): T {
  if (Array.isArray(qmsg) || isDict(qmsg)) {
    return walk(qmsg, fn) as T;
  }
  // QEMU 7.2 hands anything else to the function whole, with no key; run_job relies on it when
  // it logs 'Job failed: ...' through filters such as qmpTestfiles.
  if (isJsonScalar(qmsg)) {
    return fn(null, qmsg) as T;
  }
  throw new TypeError(
    `filters.qmp expects a QMP object, array, string, number, boolean or null, got ${describeValue(qmsg)}`,
  );
}

// What a QMP message can be besides a container (PyFloat: a float that prints as one).
function isJsonScalar(value: unknown): boolean {
  return (
    value === null ||
    value instanceof PyFloat ||
    ['string', 'number', 'bigint', 'boolean'].includes(typeof value)
  );
}

// Rebuilds containers of the same kind (array, OrderedQmp, Map, plain object), so an OrderedQmp
// stays ordered through a filter exactly as the seed's in-place OrderedDict does.
function walk(value: unknown, fn: QmpValueFilter): unknown {
  const visit = (key: string | number, item: unknown): unknown =>
    Array.isArray(item) || isDict(item) ? walk(item, fn) : fn(key, item);
  if (Array.isArray(value)) return value.map((item: unknown, index) => visit(index, item));
  const entries = (dictEntries(value) ?? []).map(([key, item]): [string, unknown] => [
    key,
    visit(key, item),
  ]);
  if (value instanceof OrderedQmp) return new OrderedQmp(entries);
  if (isMap(value)) return new Map(entries);
  // fromEntries defines own properties, so a '__proto__' key stays data, not a prototype.
  return Object.fromEntries(entries);
}

// Python's os.path.join(directory, name) for a relative name (no normalisation).
function pathJoin(directory: string, name: string): string {
  return directory === '' || directory.endsWith('/')
    ? `${directory}${name}`
    : `${directory}/${name}`;
}

// Python's str.replace: every occurrence, no '$' patterns in the replacement.
function replaceLiteral(text: string, search: string, replacement: string): string {
  return text.replaceAll(search, () => replacement);
}

function expectString(filterName: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new TypeError(
      `filters.${filterName} expects a string, got ${describeValue(value)}` +
        (isDict(value) || Array.isArray(value)
          ? ' (use the filters.qmp* variant for QMP objects)'
          : ''),
    );
  }
  return value;
}
