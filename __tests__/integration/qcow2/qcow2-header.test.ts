// QcowHeader against real images made by qemu-img, checked two ways: its fields against what was
// asked of qemu-img, and its dumps byte for byte against QEMU's own qcow2.py (run with python3
// from the QEMU source matching the installed QEMU).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { QcowHeader, dumpQcow2Header, dumpQcow2HeaderExts, iotests } from '../../../src';
import { findReferenceSource } from '../../support/qemu-reference';
import type { ToolsRuntime } from '../tools/tools-runtime';
import { setUpToolsRuntime, tearDownToolsRuntime } from '../tools/tools-runtime';

let rt: ToolsRuntime | undefined;
const images: Record<string, string> = {};

beforeAll(async () => {
  rt = await setUpToolsRuntime({ IMGFMT: 'qcow2' });
  const file = (name: string): string => (images[name] = iotests.filePath(`${name}.qcow2`));
  await iotests.qemuImgCreate('-f', 'qcow2', file('default'), '64M');
  await iotests.qemuImgCreate('-f', 'qcow2', '-o', 'compat=0.10', file('v2'), '1G');
  await iotests.qemuImgCreate('-f', 'raw', iotests.filePath('base.raw'), '1M');
  await iotests.qemuImgCreate(
    '-f',
    'qcow2',
    '-b',
    iotests.filePath('base.raw'),
    '-F',
    'raw',
    file('backed'),
  );
  await iotests.qemuImgCreate(
    '-f',
    'qcow2',
    '-o',
    `data_file=${iotests.filePath('data.raw')},cluster_size=4096`,
    file('data-file'),
    '2M',
  );
  await iotests.qemuImgCreate('-f', 'qcow2', file('bitmaps'), '4M');
  await iotests.qemuImg('bitmap', '--add', '-g', '65536', file('bitmaps'), 'b-one');
  await iotests.qemuIo('-c', 'write 0 1M', images.bitmaps);
  await iotests.qemuImg('bitmap', '--add', '--disable', images.bitmaps, 'b-two');
});

afterAll(async () => {
  await tearDownToolsRuntime(rt);
});

describe('QcowHeader reads what qemu-img wrote', () => {
  test('a default image: version 3, its size, clusters, and the feature table', () => {
    const header = QcowHeader.fromFile(images.default);
    expect(header.magic).toBe(0x514649fb);
    expect(header.version).toBe(3);
    expect(header.size).toBe(64n * 1024n * 1024n);
    expect(header.clusterBits).toBe(16);
    expect(header.clusterSize).toBe(65536);
    expect(header.refcountOrder).toBe(4);
    expect(header.headerLength).toBeGreaterThanOrEqual(104);
    expect(header.backingFile).toBeNull();
    expect(header.extensions.map((ext) => ext.name)).toEqual(['Feature table']);
    expect(header.extensions[0].dataStr).toBe('<binary>');
  });

  test('compat=0.10 is version 2, its version 3 fields defaulted as qcow2.py does', () => {
    const header = QcowHeader.fromFile(images.v2);
    expect(header.version).toBe(2);
    expect(header.size).toBe(1n << 30n);
    expect(header.headerLength).toBe(72);
    expect(header.refcountOrder).toBe(4);
    expect(header.incompatibleFeatures).toBe(0n);
  });

  test('a backing file: its name and the backing format extension', () => {
    const header = QcowHeader.fromFile(images.backed);
    expect(header.backingFile).toBe(iotests.filePath('base.raw'));
    expect(header.backingFileSize).toBe(Buffer.byteLength(iotests.filePath('base.raw')));
    const format = header.extensions.find((ext) => ext.name === 'Backing format');
    expect(format?.dataStr).toBe("'raw'");
    expect(format?.data?.toString()).toBe('raw');
  });

  test('an external data file: the data file extension names it', () => {
    const header = QcowHeader.fromFile(images['data-file']);
    expect(header.clusterSize).toBe(4096);
    const dataFile = header.extensions.find((ext) => ext.name === 'Data file');
    expect(dataFile?.dataStr).toBe(`'${iotests.filePath('data.raw')}'`);
  });

  test('bitmaps: the directory, flags and table entries', () => {
    const header = QcowHeader.fromFile(images.bitmaps);
    const bitmaps = header.extensions.find((ext) => ext.name === 'Bitmaps')?.bitmaps;
    expect(bitmaps?.fields.get('nb_bitmaps')).toBe(2n);
    expect(bitmaps?.bitmapDirectory.map((entry) => entry.name)).toEqual(['b-one', 'b-two']);
    const [one, two] = bitmaps?.bitmapDirectory ?? [];
    expect(one.fields.get('granularity_bits')).toBe(16n);
    expect(one.fields.get('flags')).toBe(0x2n); // auto: enabled
    expect(two.fields.get('flags')).toBe(0x0n); // --disable
    expect(one.bitmapTable.map((entry) => entry.type)).toEqual(['serialized']);
    expect(two.bitmapTable.map((entry) => entry.type)).toEqual(['all-zeroes']);
  });

  test('a file that is not long enough is refused, naming it', () => {
    const empty = iotests.filePath('empty.img');
    spawnSync('truncate', ['-s', '10', empty]);
    expect(() => QcowHeader.fromFile(empty)).toThrow(
      /empty\.img: qcow2 structure at 0 .* runs past the end/,
    );
  });
});

const reference = findReferenceSource();
const describeWithReference = reference.root !== undefined ? describe : describe.skip;

describeWithReference(
  `the dumps equal QEMU's qcow2.py${reference.reason === undefined ? '' : ` [skipped: ${reference.reason}]`}`,
  () => {
    function qcow2Py(image: string, command: string, json: boolean): string {
      const script = path.join(reference.root ?? '', 'tests/qemu-iotests/qcow2.py');
      const run = spawnSync('python3', [script, image, command, ...(json ? ['-j'] : [])], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      return run.stdout;
    }

    test.each(['default', 'v2', 'backed', 'data-file', 'bitmaps'])('%s image', (name) => {
      const header = QcowHeader.fromFile(images[name]);
      for (const json of [false, true]) {
        expect(dumpQcow2Header(header, { json })).toBe(qcow2Py(images[name], 'dump-header', json));
        expect(dumpQcow2HeaderExts(header, { json })).toBe(
          qcow2Py(images[name], 'dump-header-exts', json),
        );
      }
    });
  },
);
