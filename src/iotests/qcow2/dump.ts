// What `qcow2.py IMAGE dump-header [-j]` and `dump-header-exts [-j]` print, from a QcowHeader:
// the same text layout and the same JSON (json.dumps, indent 4, fields in on-disk order), so a
// test's transcript holds what the Python test's does.
import { pyJsonDumps } from '../pyjson';
import type { QcowHeader, QcowHeaderExtension, Qcow2BitmapTableEntry } from './header';
import {
  BITMAP_DIR_ENTRY_FIELDS,
  BITMAP_EXT_FIELDS,
  BITMAP_FLAG_NAMES,
  EXTENSION_FIELDS,
  EXTENSION_NAMES,
  HEADER_FIELDS,
  field,
  type FieldSpec,
  type FieldStyle,
  type Fields,
} from './structs';

/** Options of the dumps. */
export interface Qcow2DumpOptions {
  /** JSON instead of text (qcow2.py's -j). */
  json?: boolean;
}

/** `qcow2.py IMAGE dump-header`: the header, a blank line, then the extensions (ends with '\n'). */
export function dumpQcow2Header(header: QcowHeader, options: Qcow2DumpOptions = {}): string {
  if (options.json === true) {
    return `${jsonDump(jsonFields(header.fields))}\n\n${dumpQcow2HeaderExts(header, options)}`;
  }
  const lines = [...textFields(header.fields, HEADER_FIELDS), ''];
  return `${lines.join('\n')}\n${dumpQcow2HeaderExts(header)}`;
}

/** `qcow2.py IMAGE dump-header-exts`: the header extensions only (ends with '\n'). */
export function dumpQcow2HeaderExts(header: QcowHeader, options: Qcow2DumpOptions = {}): string {
  if (options.json === true) {
    return `${jsonDump(header.extensions.map((ext) => jsonExtension(ext)))}\n`;
  }
  const lines: string[] = [];
  for (const extension of header.extensions) {
    lines.push('Header extension:', ...textExtension(extension, header.clusterSize), '');
  }
  return lines.map((line) => `${line}\n`).join('');
}

// ---- text ----

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

function showField(value: bigint, style: FieldStyle): string {
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
      return `${hex(value)} (${EXTENSION_NAMES.get(Number(value)) ?? '<unknown>'})`;
  }
}

function textLine(label: string, value: string): string {
  return `${label.padEnd(25)} ${value}`;
}

function textFields(fields: Fields, specs: readonly FieldSpec[]): string[] {
  return specs.map(([name, , style]) => textLine(name, showField(field(fields, name), style)));
}

function textExtension(extension: QcowHeaderExtension, clusterSize: number): string[] {
  const fields = new Map([
    ['magic', BigInt(extension.magic)],
    ['length', BigInt(extension.length)],
  ]);
  const lines = textFields(fields, EXTENSION_FIELDS);
  const bitmaps = extension.bitmaps;
  if (bitmaps === null) {
    lines.push(textLine('data', extension.dataStr ?? ''));
    return lines;
  }
  lines.push(...textFields(bitmaps.fields, BITMAP_EXT_FIELDS));
  for (const entry of bitmaps.bitmapDirectory) {
    lines.push('', textLine('Bitmap name', entry.name));
    lines.push(...textFields(entry.fields, BITMAP_DIR_ENTRY_FIELDS));
    lines.push(...textBitmapTable(entry.bitmapTable, clusterSize));
  }
  return lines;
}

function textBitmapTable(table: readonly Qcow2BitmapTableEntry[], clusterSize: number): string[] {
  const lines = [`${'Bitmap table'.padEnd(14)} ${'type'.padEnd(15)} ${'size'.padEnd(12)} offset`];
  table.forEach((entry, index) => {
    const size = entry.type === 'serialized' ? clusterSize : 0;
    lines.push(
      `${String(index).padEnd(14)} ${entry.type.padEnd(15)} ${String(size).padEnd(12)} ${entry.offset}`,
    );
  });
  return lines;
}

// ---- JSON ----

function jsonDump(value: unknown): string {
  return pyJsonDumps(value, { sortKeys: false, indent: 4 });
}

/** Fields as an ordered JSON object (numbers where they fit, like Python ints). */
function jsonFields(fields: Fields): Map<string, unknown> {
  return new Map([...fields].map(([name, value]) => [name, jsonInt(value)]));
}

function jsonInt(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function jsonExtension(extension: QcowHeaderExtension): Map<string, unknown> {
  const json = new Map<string, unknown>([
    ['name', extension.name],
    ['magic', extension.magic],
    ['length', extension.length],
  ]);
  const bitmaps = extension.bitmaps;
  if (bitmaps === null) {
    json.set('data_str', extension.dataStr ?? '');
    return json;
  }
  const data = jsonFields(bitmaps.fields);
  data.set(
    'bitmap_directory',
    bitmaps.bitmapDirectory.map(
      (entry) =>
        new Map<string, unknown>([
          ['name', entry.name],
          ...jsonFields(entry.fields),
          [
            'bitmap_table',
            entry.bitmapTable.map(
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
