/** @qemu-vm none */
// QEMU iotest 303: qemu-img bitmap --add (enabled and --disable'd bitmaps of different
// granularities) and the resulting on-disk qcow2 structures: header, header extensions, bitmap
// directory and bitmap tables, dumped as text (zlib image) and as JSON (zstd image).
//
// The original dumps the image with QEMU's tests/qemu-iotests/qcow2.py. That script is not part
// of an installed QEMU, so this file reads the qcow2 structures itself (below) and prints them
// in the same layout; the reference output then checks what qemu-img wrote.
import { readFileSync } from 'node:fs';

import { expect, test } from '@jest/globals';
import { iotests, pyJsonDumps } from 'qemu-iotests';

// qcow2Zstd: the seed's verify_qcow2_zstd_compression, answered by the capability probe.
iotests.requires({
  formats: ['qcow2'],
  unsupportedImgopts: ['refcount_bits', 'compat'],
  qcow2Zstd: true,
});

const disk = iotests.filePath('disk');
const chunk = 1024 * 1024;

// ---- Reading qcow2 structures (big-endian, see docs/interop/qcow2.txt) ----

/** How a field prints in the text dump. */
type Style = 'dec' | 'hex' | 'flags64' | 'bitmapFlags' | 'extMagic';

/** A fixed-size field: name, width in bytes, text style. */
type FieldSpec = readonly [name: string, bytes: 1 | 2 | 4 | 8, style: Style];

/** Decoded fields in on-disk order. */
type Fields = Map<string, bigint>;

const HEADER_FIELDS: readonly FieldSpec[] = [
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
  // Version 3 from here on.
  ['incompatible_features', 8, 'flags64'],
  ['compatible_features', 8, 'flags64'],
  ['autoclear_features', 8, 'flags64'],
  ['refcount_order', 4, 'dec'],
  ['header_length', 4, 'dec'],
];

const EXTENSION_FIELDS: readonly FieldSpec[] = [
  ['magic', 4, 'extMagic'],
  ['length', 4, 'dec'],
];

const BITMAP_EXT_FIELDS: readonly FieldSpec[] = [
  ['nb_bitmaps', 4, 'dec'],
  ['reserved32', 4, 'dec'],
  ['bitmap_directory_size', 8, 'hex'],
  ['bitmap_directory_offset', 8, 'hex'],
];

const BITMAP_DIR_ENTRY_FIELDS: readonly FieldSpec[] = [
  ['bitmap_table_offset', 8, 'hex'],
  ['bitmap_table_size', 4, 'dec'],
  ['flags', 4, 'bitmapFlags'],
  ['type', 1, 'dec'],
  ['granularity_bits', 1, 'dec'],
  ['name_size', 2, 'dec'],
  ['extra_data_size', 4, 'dec'],
];

const EXT_MAGIC_BITMAPS = 0x23852875n;
const EXTENSION_NAMES = new Map<bigint, string>([
  [0xe2792acan, 'Backing format'],
  [0x6803f857n, 'Feature table'],
  [0x0537be77n, 'Crypto header'],
  [EXT_MAGIC_BITMAPS, 'Bitmaps'],
  [0x44415441n, 'Data file'],
]);
const BITMAP_FLAG_NAMES = new Map<bigint, string>([
  [0x1n, 'in-use'],
  [0x2n, 'auto'],
]);

const BME_RESERVED_MASK = 0xff000000000001fen;
const BME_OFFSET_MASK = 0x00fffffffffffe00n;
const BME_FLAG_ALL_ONES = 1n;

interface BitmapTableEntry {
  type: 'serialized' | 'invalid' | 'all-ones' | 'all-zeroes';
  offset: bigint;
  reserved: bigint;
}

interface BitmapDirEntry {
  name: string;
  fields: Fields;
  table: BitmapTableEntry[];
}

interface BitmapExtension {
  fields: Fields;
  directory: BitmapDirEntry[];
}

interface HeaderExtension {
  fields: Fields;
  /** Set for the bitmaps extension. */
  bitmaps?: BitmapExtension;
  /** The data as qcow2.py shows it ('<binary>' or the quoted text), for other extensions. */
  dataStr?: string;
}

interface Qcow2Image {
  header: Fields;
  clusterSize: number;
  extensions: HeaderExtension[];
}

function readFields(image: Buffer, offset: number, specs: readonly FieldSpec[]): Fields {
  const fields: Fields = new Map();
  let at = offset;
  for (const [name, bytes] of specs) {
    fields.set(name, readUnsigned(image, at, bytes));
    at += bytes;
  }
  return fields;
}

function readUnsigned(image: Buffer, offset: number, bytes: 1 | 2 | 4 | 8): bigint {
  if (offset + bytes > image.length) {
    throw new RangeError(`qcow2 structure at ${offset} runs past the image end (${image.length})`);
  }
  switch (bytes) {
    case 1:
      return BigInt(image.readUInt8(offset));
    case 2:
      return BigInt(image.readUInt16BE(offset));
    case 4:
      return BigInt(image.readUInt32BE(offset));
    case 8:
      return image.readBigUInt64BE(offset);
  }
}

function fieldsSize(specs: readonly FieldSpec[]): number {
  return specs.reduce((total, [, bytes]) => total + bytes, 0);
}

function get(fields: Fields, name: string): bigint {
  const value = fields.get(name);
  if (value === undefined) throw new Error(`qcow2 field ${name} was not read`);
  return value;
}

/** A field as a JS number (offsets and sizes of a small test image). */
function num(fields: Fields, name: string): number {
  return toNumber(get(fields, name));
}

function toNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`qcow2 value ${value} is too large to use as an offset`);
  }
  return Number(value);
}

function alignUp8(n: number): number {
  return (n + 7) & ~7;
}

function readQcow2(file: string): Qcow2Image {
  const image = readFileSync(file);
  const header = readFields(image, 0, HEADER_FIELDS);
  if (get(header, 'version') < 3n) {
    throw new Error(`${file}: only qcow2 version 3 headers are dumped here`);
  }
  const clusterSize = 2 ** num(header, 'cluster_bits');
  const backingFileOffset = num(header, 'backing_file_offset');
  // Extensions follow the header and end with a zero magic, within the first cluster and before
  // the backing file name.
  const end = backingFileOffset !== 0 ? Math.min(clusterSize, backingFileOffset) : clusterSize;
  const extensions: HeaderExtension[] = [];
  let at = num(header, 'header_length');
  while (at < end) {
    const fields = readFields(image, at, EXTENSION_FIELDS);
    if (get(fields, 'magic') === 0n) break;
    const dataAt = at + fieldsSize(EXTENSION_FIELDS);
    const length = num(fields, 'length');
    if (get(fields, 'magic') === EXT_MAGIC_BITMAPS) {
      extensions.push({ fields, bitmaps: readBitmapExtension(image, dataAt) });
    } else {
      extensions.push({ fields, dataStr: showData(image.subarray(dataAt, dataAt + length)) });
    }
    at = dataAt + alignUp8(length);
  }
  return { header, clusterSize, extensions };
}

// Python's string.printable, as bytes: text data is shown quoted, anything else as '<binary>'.
function showData(data: Buffer): string {
  const printable = (byte: number): boolean =>
    (byte >= 0x20 && byte <= 0x7e) || (byte >= 0x09 && byte <= 0x0d);
  return data.every(printable) ? `'${data.toString('ascii')}'` : '<binary>';
}

function readBitmapExtension(image: Buffer, offset: number): BitmapExtension {
  const fields = readFields(image, offset, BITMAP_EXT_FIELDS);
  const directory: BitmapDirEntry[] = [];
  let at = num(fields, 'bitmap_directory_offset');
  for (let i = 0; i < num(fields, 'nb_bitmaps'); i++) {
    const entryFields = readFields(image, at, BITMAP_DIR_ENTRY_FIELDS);
    const extraDataSize = num(entryFields, 'extra_data_size');
    const nameSize = num(entryFields, 'name_size');
    const nameAt = at + fieldsSize(BITMAP_DIR_ENTRY_FIELDS) + extraDataSize;
    directory.push({
      name: image.subarray(nameAt, nameAt + nameSize).toString('ascii'),
      fields: entryFields,
      table: readBitmapTable(
        image,
        num(entryFields, 'bitmap_table_offset'),
        num(entryFields, 'bitmap_table_size'),
      ),
    });
    at += alignUp8(fieldsSize(BITMAP_DIR_ENTRY_FIELDS) + extraDataSize + nameSize);
  }
  return { fields, directory };
}

function readBitmapTable(image: Buffer, offset: number, entries: number): BitmapTableEntry[] {
  const table: BitmapTableEntry[] = [];
  for (let i = 0; i < entries; i++) {
    const entry = readUnsigned(image, offset + 8 * i, 8);
    const entryOffset = entry & BME_OFFSET_MASK;
    const allOnes = (entry & BME_FLAG_ALL_ONES) !== 0n;
    let type: BitmapTableEntry['type'];
    if (entryOffset !== 0n) {
      type = allOnes ? 'invalid' : 'serialized';
    } else {
      type = allOnes ? 'all-ones' : 'all-zeroes';
    }
    table.push({ type, offset: entryOffset, reserved: entry & BME_RESERVED_MASK });
  }
  return table;
}

// ---- Printing, in qcow2.py's dump-header layouts ----

function hex(value: bigint): string {
  return `0x${value.toString(16)}`;
}

function setBits(value: bigint): number[] {
  const bits: number[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if ((value >> BigInt(bit)) & 1n) bits.push(bit);
  }
  return bits;
}

function showField(value: bigint, style: Style): string {
  switch (style) {
    case 'dec':
      return value.toString();
    case 'hex':
      return hex(value);
    case 'flags64':
      return `[${setBits(value).join(', ')}]`;
    case 'bitmapFlags': {
      const names = setBits(value).map(
        (bit) => BITMAP_FLAG_NAMES.get(1n << BigInt(bit)) ?? `bit-${bit}`,
      );
      return `${hex(value)} ([${names.map((name) => `'${name}'`).join(', ')}])`;
    }
    case 'extMagic':
      return `${hex(value)} (${EXTENSION_NAMES.get(value) ?? '<unknown>'})`;
  }
}

function textLine(label: string, value: string): string {
  return `${label.padEnd(25)} ${value}`;
}

function textFields(fields: Fields, specs: readonly FieldSpec[]): string[] {
  return specs.map(([name, , style]) => textLine(name, showField(get(fields, name), style)));
}

function textBitmapTable(table: readonly BitmapTableEntry[], clusterSize: number): string[] {
  const lines = [`${'Bitmap table'.padEnd(14)} ${'type'.padEnd(15)} ${'size'.padEnd(12)} offset`];
  table.forEach((entry, index) => {
    const size = entry.type === 'serialized' ? clusterSize : 0;
    lines.push(
      `${String(index).padEnd(14)} ${entry.type.padEnd(15)} ${String(size).padEnd(12)} ${entry.offset}`,
    );
  });
  return lines;
}

/** `qcow2.py IMAGE dump-header` as lines. */
function dumpHeaderText(image: Qcow2Image): string[] {
  const lines = [...textFields(image.header, HEADER_FIELDS), ''];
  for (const extension of image.extensions) {
    lines.push('Header extension:', ...textFields(extension.fields, EXTENSION_FIELDS));
    if (extension.bitmaps === undefined) {
      lines.push(textLine('data', extension.dataStr ?? ''));
    } else {
      lines.push(...textFields(extension.bitmaps.fields, BITMAP_EXT_FIELDS));
      for (const entry of extension.bitmaps.directory) {
        lines.push('', textLine('Bitmap name', entry.name));
        lines.push(...textFields(entry.fields, BITMAP_DIR_ENTRY_FIELDS));
        lines.push(...textBitmapTable(entry.table, image.clusterSize));
      }
    }
    lines.push('');
  }
  return lines;
}

/** Fields as an ordered JSON object (numbers where they fit, like Python ints). */
function jsonFields(fields: Fields): Map<string, unknown> {
  return new Map([...fields].map(([name, value]) => [name, jsonInt(value)]));
}

function jsonInt(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function jsonExtension(extension: HeaderExtension): Map<string, unknown> {
  const magic = get(extension.fields, 'magic');
  const json = new Map<string, unknown>([
    ['name', EXTENSION_NAMES.get(magic) ?? '<unknown>'],
    ...jsonFields(extension.fields),
  ]);
  const bitmaps = extension.bitmaps;
  if (bitmaps === undefined) {
    json.set('data_str', extension.dataStr ?? '');
    return json;
  }
  const data = jsonFields(bitmaps.fields);
  data.set(
    'bitmap_directory',
    bitmaps.directory.map(
      (entry) =>
        new Map<string, unknown>([
          ['name', entry.name],
          ...jsonFields(entry.fields),
          [
            'bitmap_table',
            entry.table.map(
              (tableEntry) =>
                new Map<string, unknown>([
                  ['type', tableEntry.type],
                  ['offset', jsonInt(tableEntry.offset)],
                  ['reserved', jsonInt(tableEntry.reserved)],
                ]),
            ),
          ],
        ]),
    ),
  );
  json.set('data', data);
  return json;
}

/** `qcow2.py IMAGE dump-header -j` as lines. */
function dumpHeaderJson(image: Qcow2Image): string[] {
  const dump = (value: unknown): string => pyJsonDumps(value, { sortKeys: false, indent: 4 });
  return [dump(jsonFields(image.header)), '', dump(image.extensions.map(jsonExtension))];
}

// ---- The test ----

async function addBitmap(
  bitmapNumber: number,
  begin: number,
  end: number,
  disabled: boolean,
): Promise<void> {
  iotests.log(`Add bitmap ${bitmapNumber}`);
  const granularity = 1 << (14 + bitmapNumber);
  const args = ['bitmap', '--add', '-g', String(granularity), '-f', iotests.imgfmt, disk];
  args.push(`bitmap-${bitmapNumber}`);
  if (disabled) args.push('--disable');
  await iotests.qemuImg(...args);
  for (let i = begin; i < end; i++) {
    await iotests.qemuIoLog('-c', `write ${i * chunk} ${chunk}`, disk);
  }
  iotests.log('');
}

async function createImageWithBitmaps(compressionType: string): Promise<Qcow2Image> {
  await iotests.qemuImgCreate(
    '-f',
    iotests.imgfmt,
    '-o',
    `compression_type=${compressionType}`,
    disk,
    '10M',
  );
  // Bitmap 1 (32k granularity) sees the first 6M written; bitmap 2 (64k) is disabled.
  await addBitmap(1, 0, 6, false);
  await addBitmap(2, 6, 8, true);
  return readQcow2(disk);
}

test('1. zlib image, header dumped as text', async () => {
  for (const line of dumpHeaderText(await createImageWithBitmaps('zlib'))) {
    iotests.log(line);
  }
  expect(iotests.transcript()).toMatchSnapshot();
});

test('2. zstd image, header dumped as JSON', async () => {
  for (const line of dumpHeaderJson(await createImageWithBitmaps('zstd'))) {
    iotests.log(line);
  }
  expect(iotests.transcript()).toMatchSnapshot();
});
