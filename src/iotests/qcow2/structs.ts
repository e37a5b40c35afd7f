// The on-disk qcow2 structures qcow2.py reads (docs/interop/qcow2.txt): fixed-size big-endian
// fields read from an image at an offset. Only reading: tests change images with qemu-img/qemu-io.
import { closeSync, openSync, readSync } from 'node:fs';

/** How a field prints in qcow2.py's text dump. */
export type FieldStyle = 'dec' | 'hex' | 'flags64' | 'bitmapFlags' | 'extMagic';

/** A fixed-size field: qcow2.py's name, width in bytes, text style. */
export type FieldSpec = readonly [name: string, bytes: 1 | 2 | 4 | 8, style: FieldStyle];

/** Decoded fields by qcow2.py's names, in on-disk order. */
export type Fields = ReadonlyMap<string, bigint>;

export const HEADER_V2_FIELDS: readonly FieldSpec[] = [
  ['magic', 4, 'hex'],
  ['version', 4, 'dec'],
  ['backing_file_offset', 8, 'hex'],
  ['backing_file_size', 4, 'hex'],
  ['cluster_bits', 4, 'dec'],
  ['size', 8, 'dec'],
  ['crypt_method', 4, 'dec'],
  ['l1_size', 4, 'dec'],
  ['l1_table_offset', 8, 'hex'],
  ['refcount_table_offset', 8, 'hex'],
  ['refcount_table_clusters', 4, 'dec'],
  ['nb_snapshots', 4, 'dec'],
  ['snapshot_offset', 8, 'hex'],
];

export const HEADER_V3_FIELDS: readonly FieldSpec[] = [
  ['incompatible_features', 8, 'flags64'],
  ['compatible_features', 8, 'flags64'],
  ['autoclear_features', 8, 'flags64'],
  ['refcount_order', 4, 'dec'],
  ['header_length', 4, 'dec'],
];

export const HEADER_FIELDS: readonly FieldSpec[] = [...HEADER_V2_FIELDS, ...HEADER_V3_FIELDS];

/** What a version 2 header means for the fields version 3 added. */
export const HEADER_V2_DEFAULTS: ReadonlyMap<string, bigint> = new Map([
  ['incompatible_features', 0n],
  ['compatible_features', 0n],
  ['autoclear_features', 0n],
  ['refcount_order', 4n],
  ['header_length', 72n],
]);

export const EXTENSION_FIELDS: readonly FieldSpec[] = [
  ['magic', 4, 'extMagic'],
  ['length', 4, 'dec'],
];

export const BITMAP_EXT_FIELDS: readonly FieldSpec[] = [
  ['nb_bitmaps', 4, 'dec'],
  ['reserved32', 4, 'dec'],
  ['bitmap_directory_size', 8, 'hex'],
  ['bitmap_directory_offset', 8, 'hex'],
];

export const BITMAP_DIR_ENTRY_FIELDS: readonly FieldSpec[] = [
  ['bitmap_table_offset', 8, 'hex'],
  ['bitmap_table_size', 4, 'dec'],
  ['flags', 4, 'bitmapFlags'],
  ['type', 1, 'dec'],
  ['granularity_bits', 1, 'dec'],
  ['name_size', 2, 'dec'],
  ['extra_data_size', 4, 'dec'],
];

export const EXT_MAGIC_BITMAPS = 0x23852875;

/** Header extension names by magic, as qcow2.py shows them. */
export const EXTENSION_NAMES: ReadonlyMap<number, string> = new Map([
  [0xe2792aca, 'Backing format'],
  [0x6803f857, 'Feature table'],
  [0x0537be77, 'Crypto header'],
  [EXT_MAGIC_BITMAPS, 'Bitmaps'],
  [0x44415441, 'Data file'],
]);

export const BITMAP_FLAG_NAMES: ReadonlyMap<bigint, string> = new Map([
  [0x1n, 'in-use'],
  [0x2n, 'auto'],
]);

/** The total width of `specs`. */
export function fieldsSize(specs: readonly FieldSpec[]): number {
  return specs.reduce((total, [, bytes]) => total + bytes, 0);
}

/** Reads byte ranges of an image file (which may be large and sparse: never read whole). */
export class ImageReader {
  private readonly fd: number;

  constructor(readonly file: string) {
    this.fd = openSync(file, 'r');
  }

  /** `length` bytes at `offset`; a structure that runs past the end of the file is an error. */
  bytes(offset: number, length: number): Buffer {
    const buffer = Buffer.alloc(length);
    const got = length === 0 ? 0 : readSync(this.fd, buffer, 0, length, offset);
    if (got < length) {
      throw new RangeError(
        `${this.file}: qcow2 structure at ${offset} (${length} bytes) runs past the end of the image`,
      );
    }
    return buffer;
  }

  fields(offset: number, specs: readonly FieldSpec[]): Map<string, bigint> {
    const data = this.bytes(offset, fieldsSize(specs));
    const fields = new Map<string, bigint>();
    let at = 0;
    for (const [name, width] of specs) {
      fields.set(name, readUnsigned(data, at, width));
      at += width;
    }
    return fields;
  }

  close(): void {
    closeSync(this.fd);
  }
}

function readUnsigned(data: Buffer, offset: number, bytes: 1 | 2 | 4 | 8): bigint {
  switch (bytes) {
    case 1:
      return BigInt(data.readUInt8(offset));
    case 2:
      return BigInt(data.readUInt16BE(offset));
    case 4:
      return BigInt(data.readUInt32BE(offset));
    case 8:
      return data.readBigUInt64BE(offset);
  }
}

/** A field that must have been read. */
export function field(fields: Fields, name: string): bigint {
  const value = fields.get(name);
  if (value === undefined) throw new Error(`qcow2 field ${name} was not read`);
  return value;
}

/** A field used as an offset or size: a JS number (beyond 2^53 it cannot be one). */
export function offsetField(fields: Fields, name: string): number {
  const value = field(fields, name);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`qcow2 field ${name} = ${value} is too large to use as an offset`);
  }
  return Number(value);
}

export function alignUp8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
