// QcowHeader: the qcow2 header of an image, its header extensions (with the bitmap directory and
// tables) and backing file name, read the way QEMU's tests/qemu-iotests/qcow2_format.py reads
// them, for tests that import it (`from qcow2_format import QcowHeader`).
import {
  BITMAP_DIR_ENTRY_FIELDS,
  BITMAP_EXT_FIELDS,
  EXTENSION_FIELDS,
  EXTENSION_NAMES,
  EXT_MAGIC_BITMAPS,
  HEADER_V2_DEFAULTS,
  HEADER_V2_FIELDS,
  HEADER_V3_FIELDS,
  ImageReader,
  alignUp8,
  field,
  fieldsSize,
  offsetField,
  type Fields,
} from './structs';

const BME_RESERVED_MASK = 0xff000000000001fen;
const BME_OFFSET_MASK = 0x00fffffffffffe00n;
const BME_FLAG_ALL_ONES = 1n;

/** One entry of a bitmap table. */
export interface Qcow2BitmapTableEntry {
  readonly type: 'serialized' | 'invalid' | 'all-ones' | 'all-zeroes';
  readonly offset: bigint;
  readonly reserved: bigint;
}

/** One bitmap of the bitmap directory. */
export interface Qcow2BitmapDirEntry {
  readonly name: string;
  /** bitmap_table_offset, bitmap_table_size, flags, type, granularity_bits, name_size, extra_data_size. */
  readonly fields: Fields;
  readonly bitmapTable: readonly Qcow2BitmapTableEntry[];
}

/** The bitmaps extension: its fields and the directory it points to. */
export interface Qcow2BitmapExt {
  /** nb_bitmaps, reserved32, bitmap_directory_size, bitmap_directory_offset. */
  readonly fields: Fields;
  readonly bitmapDirectory: readonly Qcow2BitmapDirEntry[];
}

/** A header extension. */
export interface QcowHeaderExtension {
  readonly magic: number;
  /** What qcow2.py calls it ('Backing format', 'Bitmaps', ..., '<unknown>'). */
  readonly name: string;
  readonly length: number;
  /** The extension's data (`length` bytes); null for the bitmaps extension, which is parsed. */
  readonly data: Buffer | null;
  /** The data as qcow2.py prints it: quoted text, or '<binary>'; null for bitmaps. */
  readonly dataStr: string | null;
  /** The parsed bitmaps extension; null for the others. */
  readonly bitmaps: Qcow2BitmapExt | null;
}

/** The header of a qcow2 image (qcow2_format.py's QcowHeader), read once when created. */
export class QcowHeader {
  /** Read the header of the qcow2 image at `imagePath` (synchronously, like the Python class). */
  static fromFile(imagePath: string): QcowHeader {
    const reader = new ImageReader(imagePath);
    try {
      return new QcowHeader(reader);
    } finally {
      reader.close();
    }
  }

  /** Every header field by qcow2.py's name, in on-disk order (version 2: 3's fields defaulted). */
  readonly fields: Fields;
  readonly magic: number;
  readonly version: number;
  readonly backingFileOffset: bigint;
  readonly backingFileSize: number;
  readonly clusterBits: number;
  /** The virtual size in bytes. */
  readonly size: bigint;
  readonly cryptMethod: number;
  readonly l1Size: number;
  readonly l1TableOffset: bigint;
  readonly refcountTableOffset: bigint;
  readonly refcountTableClusters: number;
  readonly nbSnapshots: number;
  readonly snapshotOffset: bigint;
  readonly incompatibleFeatures: bigint;
  readonly compatibleFeatures: bigint;
  readonly autoclearFeatures: bigint;
  readonly refcountOrder: number;
  readonly headerLength: number;
  readonly clusterSize: number;
  readonly extensions: readonly QcowHeaderExtension[];
  /** The backing file name; null without one. */
  readonly backingFile: string | null;

  private constructor(reader: ImageReader) {
    const v2 = reader.fields(0, HEADER_V2_FIELDS);
    const version = Number(field(v2, 'version'));
    const v3 =
      version === 2
        ? HEADER_V2_DEFAULTS
        : reader.fields(fieldsSize(HEADER_V2_FIELDS), HEADER_V3_FIELDS);
    const fields = new Map([...v2, ...v3]);
    this.fields = fields;
    const u32 = (name: string): number => Number(field(fields, name));
    this.magic = u32('magic');
    this.version = version;
    this.backingFileOffset = field(fields, 'backing_file_offset');
    this.backingFileSize = u32('backing_file_size');
    this.clusterBits = u32('cluster_bits');
    this.size = field(fields, 'size');
    this.cryptMethod = u32('crypt_method');
    this.l1Size = u32('l1_size');
    this.l1TableOffset = field(fields, 'l1_table_offset');
    this.refcountTableOffset = field(fields, 'refcount_table_offset');
    this.refcountTableClusters = u32('refcount_table_clusters');
    this.nbSnapshots = u32('nb_snapshots');
    this.snapshotOffset = field(fields, 'snapshot_offset');
    this.incompatibleFeatures = field(fields, 'incompatible_features');
    this.compatibleFeatures = field(fields, 'compatible_features');
    this.autoclearFeatures = field(fields, 'autoclear_features');
    this.refcountOrder = u32('refcount_order');
    this.headerLength = u32('header_length');
    this.clusterSize = 2 ** this.clusterBits;
    this.extensions = readExtensions(reader, fields, this.clusterSize);
    const backingAt = offsetField(fields, 'backing_file_offset');
    this.backingFile =
      backingAt === 0 ? null : reader.bytes(backingAt, this.backingFileSize).toString('utf8');
  }
}

// Extensions follow the header and end with a zero magic, within the first cluster and before
// the backing file name.
function readExtensions(
  reader: ImageReader,
  header: Fields,
  clusterSize: number,
): QcowHeaderExtension[] {
  const backingAt = offsetField(header, 'backing_file_offset');
  const end = backingAt !== 0 ? Math.min(clusterSize, backingAt) : clusterSize;
  const extensions: QcowHeaderExtension[] = [];
  let at = offsetField(header, 'header_length');
  while (at < end) {
    const ext = reader.fields(at, EXTENSION_FIELDS);
    const magic = Number(field(ext, 'magic'));
    if (magic === 0) break;
    const length = offsetField(ext, 'length');
    const dataAt = at + fieldsSize(EXTENSION_FIELDS);
    const name = EXTENSION_NAMES.get(magic) ?? '<unknown>';
    if (magic === EXT_MAGIC_BITMAPS) {
      const bitmaps = readBitmapExt(reader, dataAt);
      extensions.push({ magic, name, length, data: null, dataStr: null, bitmaps });
    } else {
      const data = reader.bytes(dataAt, length);
      extensions.push({ magic, name, length, data, dataStr: showData(data), bitmaps: null });
    }
    at = dataAt + alignUp8(length);
  }
  return extensions;
}

// Python's string.printable as bytes: text is shown quoted, anything else as '<binary>'.
function showData(data: Buffer): string {
  const printable = (byte: number): boolean =>
    (byte >= 0x20 && byte <= 0x7e) || (byte >= 0x09 && byte <= 0x0d);
  return data.every(printable) ? `'${data.toString('ascii')}'` : '<binary>';
}

function readBitmapExt(reader: ImageReader, offset: number): Qcow2BitmapExt {
  const fields = reader.fields(offset, BITMAP_EXT_FIELDS);
  const directory: Qcow2BitmapDirEntry[] = [];
  let at = offsetField(fields, 'bitmap_directory_offset');
  for (let i = 0; i < offsetField(fields, 'nb_bitmaps'); i++) {
    const entry = reader.fields(at, BITMAP_DIR_ENTRY_FIELDS);
    const extraDataSize = offsetField(entry, 'extra_data_size');
    const nameSize = offsetField(entry, 'name_size');
    const nameAt = at + fieldsSize(BITMAP_DIR_ENTRY_FIELDS) + extraDataSize;
    directory.push({
      name: reader.bytes(nameAt, nameSize).toString('ascii'),
      fields: entry,
      bitmapTable: readBitmapTable(
        reader,
        offsetField(entry, 'bitmap_table_offset'),
        offsetField(entry, 'bitmap_table_size'),
      ),
    });
    at += alignUp8(fieldsSize(BITMAP_DIR_ENTRY_FIELDS) + extraDataSize + nameSize);
  }
  return { fields, bitmapDirectory: directory };
}

function readBitmapTable(
  reader: ImageReader,
  offset: number,
  entries: number,
): Qcow2BitmapTableEntry[] {
  const raw = reader.bytes(offset, 8 * entries);
  const table: Qcow2BitmapTableEntry[] = [];
  for (let i = 0; i < entries; i++) {
    const entry = raw.readBigUInt64BE(8 * i);
    const entryOffset = entry & BME_OFFSET_MASK;
    const allOnes = (entry & BME_FLAG_ALL_ONES) !== 0n;
    let type: Qcow2BitmapTableEntry['type'];
    if (entryOffset !== 0n) {
      type = allOnes ? 'invalid' : 'serialized';
    } else {
      type = allOnes ? 'all-ones' : 'all-zeroes';
    }
    table.push({ type, offset: entryOffset, reserved: entry & BME_RESERVED_MASK });
  }
  return table;
}
