// qemu-img wrappers against the real qemu-img (IMGFMT=qcow2, IMGOPTS given to check where they go).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';

import { filePath } from '../../../src/iotests/files';
import { runtime } from '../../../src/iotests/runtime';
import { resetTranscript, transcript } from '../../../src/iotests/transcript';
import {
  QemuToolError,
  compareImages,
  imageSize,
  imgInfoLog,
  qemuIo,
  qemuImg,
  qemuImgCheck,
  qemuImgCommand,
  qemuImgCreate,
  qemuImgInfo,
  qemuImgJson,
  qemuImgLog,
  qemuImgMap,
  qemuImgMeasure,
  qemuImgPipe,
  qemuImgPipeAndStatus,
  qemuImgStatus,
  supportsQcow2ZstdCompression,
} from '../../../src/iotests/tools';
import type { ToolsRuntime } from './tools-runtime';
import { setUpToolsRuntime, tearDownToolsRuntime } from './tools-runtime';

let rt: ToolsRuntime | undefined;

beforeAll(async () => {
  rt = await setUpToolsRuntime({ IMGFMT: 'qcow2', IMGOPTS: 'cluster_size=4096' });
});

afterAll(async () => {
  await tearDownToolsRuntime(rt);
});

function asRecord(value: unknown): Record<string, unknown> {
  expect(typeof value).toBe('object');
  return value as Record<string, unknown>;
}

describe('qemuImg (7.2: raises on failure)', () => {
  test('create puts IMGOPTS first for IMGFMT images and leaves other formats alone', async () => {
    const img = filePath('opts.qcow2');
    const raw = filePath('opts.raw');
    expect(qemuImgCommand(['create', '-f', 'qcow2', '-o', 'lazy_refcounts=on', img, '1M'])).toEqual(
      expect.arrayContaining(['-o', 'cluster_size=4096', '-o', 'lazy_refcounts=on']),
    );
    const result = await qemuImgCreate('-f', 'qcow2', '-o', 'lazy_refcounts=on', img, '1M');
    expect(result.returncode).toBe(0);
    expect(result.stdout).toContain('cluster_size=4096');
    const info = asRecord(await qemuImgInfo('-f', 'qcow2', img));
    expect(info['cluster-size']).toBe(4096);
    expect(asRecord(asRecord(info['format-specific']).data)['lazy-refcounts']).toBe(true);
    // raw has no cluster_size option: this only succeeds because IMGOPTS was not added.
    await qemuImgCreate('-f', 'raw', raw, '1M');
    expect(asRecord(await qemuImgInfo('-f', 'raw', raw))['virtual-size']).toBe(1048576);
  });

  test('a failure throws QemuToolError with status, command and output', async () => {
    const missing = filePath('does-not-exist.qcow2');
    const error = await qemuImg('info', missing).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(QemuToolError);
    const toolError = error as QemuToolError;
    expect(toolError.exitCode).toBe(1);
    expect(toolError.returncode).toBe(1);
    expect(toolError.signal).toBeNull();
    expect(toolError.command).toContain(missing);
    expect(toolError.stdout).toContain('Could not open');
    expect(toolError.message).toContain('returned non-zero exit status 1.');
    expect(toolError.message).toContain('Could not open');
  });

  test('{ check: false } returns the failed result instead', async () => {
    const result = await qemuImg('info', filePath('nope.qcow2'), { check: false });
    expect(result.returncode).toBe(1);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^qemu-img: Could not open .*nope\.qcow2/);
    expect(result.stderr).toBeUndefined();
  });

  test('{ combineStdio: false } keeps stderr apart', async () => {
    const result = await qemuImg('info', filePath('nope2.qcow2'), {
      check: false,
      combineStdio: false,
    });
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Could not open');
  });
});

describe('JSON helpers', () => {
  test('qemuImgInfo, imageSize, qemuImgMap, qemuImgMeasure', async () => {
    const img = filePath('json.qcow2');
    await qemuImgCreate('-f', 'qcow2', img, '4M');
    await qemuIo('-c', 'write -P 0x5a 0 64k', img);
    expect(await imageSize(img)).toBe(4 * 1024 * 1024);
    const map = await qemuImgMap('-f', 'qcow2', img);
    expect(Array.isArray(map)).toBe(true);
    expect((map as Array<Record<string, unknown>>)[0]).toMatchObject({
      start: 0,
      length: 65536,
      data: true,
      zero: false,
    });
    const measure = asRecord(await qemuImgMeasure('-O', 'qcow2', '-f', 'qcow2', img));
    expect(typeof measure.required).toBe('number');
    expect(measure['fully-allocated']).toBeGreaterThan(4 * 1024 * 1024);
  });

  test('qemuImgCheck: clean image, and a corrupt one (exit 2) still yields its JSON', async () => {
    const clean = filePath('clean.qcow2');
    await qemuImgCreate('-f', 'qcow2', clean, '1M');
    expect(asRecord(await qemuImgCheck('-f', 'qcow2', clean))['check-errors']).toBe(0);

    // qemu-io's `abort` kills it after a flushed write with lazy refcounts: refcounts are stale.
    const corrupt = filePath('corrupt.qcow2');
    await qemuImgCreate('-f', 'qcow2', '-o', 'lazy_refcounts=on', corrupt, '1M');
    const aborted = await qemuIo('-c', 'write 0 64k', '-c', 'flush', '-c', 'abort', corrupt).catch(
      (error: unknown) => error,
    );
    expect(aborted).toBeInstanceOf(QemuToolError);
    expect((aborted as QemuToolError).signal).toBe('SIGABRT');
    const report = asRecord(await qemuImgCheck('-f', 'qcow2', corrupt));
    expect(report.corruptions).toBeGreaterThan(0);
  });

  test('qemuImgJson throws the process error when there is no JSON', async () => {
    const text = filePath('text.raw');
    await writeFile(text, 'not an image\n');
    await expect(qemuImgJson('check', '--output', 'json', '-f', 'raw', text)).rejects.toThrow(
      QemuToolError,
    );
  });
});

describe('logging helpers', () => {
  test('imgInfoLog prints what 7.2 206.out shows for a default 128 MiB qcow2', async () => {
    // IMGOPTS sets a 4k cluster size here; 206's image has the default 64k, so no IMGOPTS.
    const img = filePath('t.qcow2');
    await qemuImg('create', '-f', 'qcow2', '-o', 'cluster_size=65536', img, '128M');
    resetTranscript();
    await imgInfoLog(img);
    expect(transcript()).toBe(
      [
        'image: TEST_IMG',
        'file format: IMGFMT',
        'virtual size: 128 MiB (134217728 bytes)',
        'cluster_size: 65536',
        'Format specific information:',
        '    compat: 1.1',
        '    compression type: COMPRESSION_TYPE',
        '    lazy refcounts: false',
        '    refcount bits: 16',
        '    corrupt: false',
        '    extended l2: false',
        '',
        '',
      ].join('\n'),
    );
  });

  test('imgInfoLog with --image-opts and a filter path', async () => {
    const img = filePath('opts-info.qcow2');
    await qemuImgCreate('-f', 'qcow2', img, '1M');
    resetTranscript();
    await imgInfoLog(`driver=qcow2,file.filename=${img}`, { useImageOpts: true, filterPath: img });
    expect(transcript()).toMatch(/^image: TEST_IMG\nfile format: IMGFMT\nvirtual size: 1 MiB/);
  });

  test('qemuImgLog logs the output through filters.testfiles', async () => {
    const img = filePath('logged.qcow2');
    resetTranscript();
    await qemuImgLog('create', '-f', 'raw', img, '1M');
    expect(transcript()).toBe("Formatting 'TEST_DIR/PID-logged.qcow2', fmt=raw size=1048576\n\n");
    await expect(qemuImgLog('info', filePath('absent.img'))).rejects.toThrow(QemuToolError);
    resetTranscript();
    await qemuImgLog('info', filePath('absent.img'), { check: false });
    expect(transcript()).toMatch(/^qemu-img: Could not open 'TEST_DIR\/PID-absent\.img'/);
  });
});

describe('supportsQcow2ZstdCompression', () => {
  test('answers as the capability probe does, and removes its scratch image', async () => {
    const scratch = filePath('zstd-probe.qcow2');
    expect(await supportsQcow2ZstdCompression(scratch)).toBe(runtime().capabilities.qcow2Zstd);
    expect(existsSync(scratch)).toBe(false);
  });
});

describe('compareImages', () => {
  test('identical, different, and a failure', async () => {
    const [a, b, c] = filePath('cmp-a.qcow2', 'cmp-b.qcow2', 'cmp-c.qcow2');
    for (const img of [a, b, c]) {
      await qemuImgCreate('-f', 'qcow2', img, '1M');
    }
    await qemuIo('-c', 'write -P 1 0 4k', c);
    expect(await compareImages(a, b)).toBe(true);
    expect(await compareImages(a, c)).toBe(false);
    await expect(compareImages(a, filePath('cmp-missing.qcow2'))).rejects.toThrow(
      /returned non-zero exit status 2/,
    );
  });
});

describe("the seed's status-returning variants", () => {
  test('qemuImgPipeAndStatus drops the output of a successful create', async () => {
    const img = filePath('pipe.qcow2');
    expect(await qemuImgPipeAndStatus('create', '-f', 'qcow2', img, '1M')).toEqual(['', 0]);
    expect(existsSync(img)).toBe(true);
    const [output, status] = await qemuImgPipeAndStatus('info', filePath('pipe-missing'));
    expect(status).toBe(1);
    expect(output).toContain('Could not open');
    expect(await qemuImgPipe('info', '--output=json', img)).toContain('"format": "qcow2"');
    expect(await qemuImgStatus('check', '-f', 'qcow2', img)).toBe(0);
  });
});
