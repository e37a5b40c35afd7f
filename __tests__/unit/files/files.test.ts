// The seed's file helpers: self-cleaning names, FilePath, try_remove, create_image (checked
// against Python's struct.pack), unarchive_sample_image, remote_filename and Timeout.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import execa from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { Capabilities } from '../../../src/capabilities';
import type { IotestsConfig } from '../../../src/config';
import { pendingFileCleanups, runFileCleanups } from '../../../src/iotests/cleanup';
import { resetFileContext, setFileContext } from '../../../src/iotests/context';
import {
  CREATE_IMAGE_MAX_SIZE,
  createImage,
  filePath,
  filePattern,
  filePaths,
  remoteFilename,
  tryRemove,
  unarchiveSampleImage,
  withFilePaths,
  withTimeout,
} from '../../../src/iotests/files';
import { resetRuntime, setRuntime } from '../../../src/iotests/runtime';

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'qit-files-'));
  setFileContext({ testDir: dir, sockDir: '/tmp', imgfmt: 'raw', filePrefix: '4242-' });
});

afterEach(() => {
  resetRuntime();
});

afterAll(async () => {
  await runFileCleanups();
  resetFileContext();
  await rm(dir, { recursive: true, force: true });
});

/** Only the fields the file helpers read; the rest of the config does not matter here. */
function useConfig(fields: Partial<IotestsConfig>): void {
  const config = { imgproto: 'file', gdbOptions: undefined, valgrindQemu: false, ...fields };
  setRuntime({
    config: config as unknown as IotestsConfig,
    capabilities: {} as unknown as Capabilities,
  });
}

describe('filePath / filePaths', () => {
  test('one name gives a path, several an array, in TEST_DIR with the pid prefix', () => {
    expect(filePath('a.img')).toBe(path.join(dir, '4242-a.img'));
    expect(filePath('a.img', 'b.img')).toEqual([
      path.join(dir, '4242-a.img'),
      path.join(dir, '4242-b.img'),
    ]);
    expect(filePath('s.sock', { baseDir: '/tmp' })).toBe('/tmp/4242-s.sock');
    expect(filePath('x', 'y', { baseDir: '/run' })).toEqual(['/run/4242-x', '/run/4242-y']);
    expect(filePattern('n')).toBe('4242-n');
    expect(filePaths(['only'])).toEqual([path.join(dir, '4242-only')]);
  });

  test('the files are removed when the file cleanups run', async () => {
    const [a, b] = filePath('clean-a', 'clean-b');
    await writeFile(a, 'a');
    await writeFile(b, 'b');
    expect(pendingFileCleanups()).toBeGreaterThan(0);
    expect(await runFileCleanups()).toEqual([]);
    expect(existsSync(a)).toBe(false);
    expect(existsSync(b)).toBe(false);
  });

  test('bad names are refused', () => {
    expect(() => filePath('')).toThrow('filePath: a file name must be a non-empty string');
    expect(() => filePath('a\0b')).toThrow('without NUL bytes');
  });
});

describe('withFilePaths', () => {
  test('gives a path for one name and removes it afterwards', async () => {
    const seen = await withFilePaths('ctx.img', async (p) => {
      await writeFile(p, 'x');
      expect(existsSync(p)).toBe(true);
      return p;
    });
    expect(seen).toBe(path.join(dir, '4242-ctx.img'));
    expect(existsSync(seen)).toBe(false);
  });

  test('gives an array for a list, and removes the files even when fn throws', async () => {
    let paths: string[] = [];
    await expect(
      withFilePaths(['c1', 'c2'], async (ps) => {
        paths = ps;
        await Promise.all(ps.map((p) => writeFile(p, 'x')));
        throw new Error('inside');
      }),
    ).rejects.toThrow('inside');
    expect(paths).toHaveLength(2);
    expect(paths.some((p) => existsSync(p))).toBe(false);
  });
});

describe('tryRemove', () => {
  test('removes a file and ignores a missing one or a directory', async () => {
    const file = path.join(dir, 'rm-me');
    await writeFile(file, 'x');
    tryRemove(file);
    expect(existsSync(file)).toBe(false);
    expect(() => tryRemove(file)).not.toThrow();
    expect(() => tryRemove(dir)).not.toThrow();
    expect(existsSync(dir)).toBe(true);
  });
});

describe('createImage', () => {
  // Python's own create_image loop, as the oracle.
  const oracle =
    'import struct, sys\n' +
    'name, size = sys.argv[1], int(sys.argv[2])\n' +
    "with open(name, 'wb') as f:\n" +
    '    i = 0\n' +
    '    while i < size:\n' +
    "        f.write(struct.pack('>l504xl', i // 512, i // 512))\n" +
    '        i += 512\n';

  test.each([0, 1, 511, 512, 513, 1536, 2048 * 512, 2048 * 512 + 1, 5 * 1024 * 1024 + 100])(
    'size %d is byte-identical to struct.pack output',
    async (size) => {
      const ours = path.join(dir, `ours-${size}`);
      const theirs = path.join(dir, `theirs-${size}`);
      await createImage(ours, size);
      await execa('python3', ['-c', oracle, theirs, String(size)]);
      const [a, b] = await Promise.all([readFile(ours), readFile(theirs)]);
      expect(a.length).toBe(Math.ceil(size / 512) * 512);
      expect(a.equals(b)).toBe(true);
    },
  );

  test('sector markers: big-endian number, 504 zero bytes, number again', async () => {
    const file = path.join(dir, 'markers');
    await createImage(file, 3 * 512);
    const data = await readFile(file);
    expect(data.readInt32BE(512 * 2)).toBe(2);
    expect(data.readInt32BE(512 * 2 + 508)).toBe(2);
    expect(data.subarray(512 * 2 + 4, 512 * 2 + 508).every((byte) => byte === 0)).toBe(true);
  });

  test('sizes beyond int32 sector numbers and bad sizes are refused', async () => {
    await expect(createImage(path.join(dir, 'big'), CREATE_IMAGE_MAX_SIZE + 1)).rejects.toThrow(
      RangeError,
    );
    await expect(createImage(path.join(dir, 'neg'), -1)).rejects.toThrow(
      'size must be a non-negative integer, got -1',
    );
    await expect(createImage(path.join(dir, 'frac'), 1.5)).rejects.toThrow('got 1.5');
  });
});

describe('unarchiveSampleImage', () => {
  test('decompresses <SAMPLE_IMG_DIR>/<sample>.bz2 with bzip2', async () => {
    const samples = await mkdtemp(path.join(os.tmpdir(), 'qit-samples-'));
    try {
      const content = Buffer.from('sample image bytes \u0000\u00ff'.repeat(1000), 'latin1');
      const raw = path.join(samples, 'img.raw');
      await writeFile(raw, content);
      await execa('bzip2', ['-z', raw]);
      useConfig({ sampleImgDir: samples });
      const out = path.join(dir, 'unpacked');
      await unarchiveSampleImage('img.raw', out);
      expect((await readFile(out)).equals(content)).toBe(true);
      await expect(unarchiveSampleImage('missing', path.join(dir, 'x'))).rejects.toThrow(
        /bzip2 could not decompress .*missing\.bz2/,
      );
      expect(existsSync(path.join(dir, 'x'))).toBe(false);
    } finally {
      await rm(samples, { recursive: true, force: true });
    }
  });

  test('without bzip2 on PATH the error names the Debian package', async () => {
    useConfig({ sampleImgDir: dir });
    const savedPath = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(unarchiveSampleImage('s', path.join(dir, 'nobz'))).rejects.toThrow(
        'install the Debian package `bzip2`',
      );
    } finally {
      process.env.PATH = savedPath;
    }
  });

  test('without SAMPLE_IMG_DIR the error says to set it', async () => {
    useConfig({ sampleImgDir: undefined });
    await expect(unarchiveSampleImage('s', path.join(dir, 'y'))).rejects.toThrow(
      'set SAMPLE_IMG_DIR',
    );
  });
});

describe('remoteFilename', () => {
  test('file: the path; ssh: an ssh URL for $USER; others: an error naming the protocol', () => {
    useConfig({ imgproto: 'file' });
    expect(remoteFilename('/a/b')).toBe('/a/b');
    useConfig({ imgproto: 'ssh' });
    const savedUser = process.env.USER;
    process.env.USER = 'tester';
    try {
      expect(remoteFilename('/a/b')).toBe('ssh://tester@127.0.0.1:22/a/b');
    } finally {
      process.env.USER = savedUser;
    }
    useConfig({ imgproto: 'nbd' });
    expect(() => remoteFilename('/a/b')).toThrow(
      'protocol nbd is not supported (supported: file, ssh)',
    );
  });
});

describe('withTimeout', () => {
  test('returns the result of a quick fn', async () => {
    expect(await withTimeout(1000, 'slow', () => 7)).toBe(7);
    expect(await withTimeout(1000, 'slow', () => Promise.resolve('x'))).toBe('x');
  });

  test("rejects with the message when fn takes longer, and fn's own error passes through", async () => {
    await expect(
      withTimeout(20, 'Timeout waiting', () => new Promise(() => undefined)),
    ).rejects.toThrow('Timeout waiting');
    await expect(
      withTimeout(1000, 'unused', () => {
        throw new Error('own');
      }),
    ).rejects.toThrow('own');
  });

  test('is disabled under gdb or valgrind (like the seed), or when told', async () => {
    useConfig({ valgrindQemu: true });
    const slow = (): Promise<string> =>
      new Promise((resolve) => setTimeout(() => resolve('done'), 60));
    expect(await withTimeout(10, 'would time out', slow)).toBe('done');
    useConfig({ gdbOptions: ['localhost:1234'] });
    expect(await withTimeout(10, 'would time out', slow)).toBe('done');
    useConfig({});
    expect(await withTimeout(10, 'would time out', slow, { enabled: false })).toBe('done');
    await expect(withTimeout(10, 'times out', slow)).rejects.toThrow('times out');
  });

  test('a timeout that would fire at once is refused', async () => {
    await expect(withTimeout(0, 'm', () => 1)).rejects.toThrow('ms must be a positive number');
  });
});
