// qemuImgCreate under IMGFMT=luks: IMGOPTS (iter-time=10) and the default LUKS secret are added,
// and the image really opens with that secret.
import { afterAll, beforeAll, expect, test } from '@jest/globals';

import { filePath } from '../../../src/iotests/files';
import { retryPbkdfFluke } from '../../../src/iotests/pbkdf-retry';
import {
  imgInfoLog,
  luksDefaultSecretObject,
  qemuImgCommand,
  qemuImgCreate,
  qemuImgInfo,
  qemuIo,
} from '../../../src/iotests/tools';
import { resetTranscript, transcript } from '../../../src/iotests/transcript';
import type { ToolsRuntime } from './tools-runtime';
import { setUpToolsRuntime, tearDownToolsRuntime } from './tools-runtime';

let rt: ToolsRuntime | undefined;

beforeAll(async () => {
  rt = await setUpToolsRuntime({ IMGFMT: 'luks' });
});

afterAll(async () => {
  await tearDownToolsRuntime(rt);
});

test('create adds the default secret, IMGOPTS first and key-secret last', async () => {
  const img = filePath('t.luks');
  const command = qemuImgCommand(['create', '-f', 'luks', img, '1M']);
  expect(command.slice(1)).toEqual([
    'create',
    '-f',
    'luks',
    '--object',
    'secret,id=keysec0,data=123456',
    '-o',
    'iter-time=10',
    '-o',
    'key-secret=keysec0',
    img,
    '1M',
  ]);
  // QEMU 7.2's PBKDF benchmark sometimes measures 0 ms of CPU here: retry that fluke only.
  await retryPbkdfFluke(() => qemuImgCreate('-f', 'luks', img, '1M'));
  const info = (await qemuImgInfo(
    '--object',
    luksDefaultSecretObject(),
    '--image-opts',
    `driver=luks,key-secret=keysec0,file.filename=${img}`,
  )) as Record<string, unknown>;
  expect(info.format).toBe('luks');
  expect(info['virtual-size']).toBe(1048576);
});

test('a wrong secret cannot open it (the default secret really was used)', async () => {
  const img = filePath('t2.luks');
  // QEMU 7.2's PBKDF benchmark sometimes measures 0 ms of CPU here: retry that fluke only.
  await retryPbkdfFluke(() => qemuImgCreate('-f', 'luks', img, '1M'));
  const opts = `driver=luks,key-secret=keysec0,file.filename=${img}`;
  await expect(
    qemuIo('--object', 'secret,id=keysec0,data=wrong', '--image-opts', '-c', 'read 0 512', opts),
  ).rejects.toThrow(/Invalid password/);
  const read = await qemuIo(
    '--object',
    luksDefaultSecretObject(),
    '--image-opts',
    '-c',
    'read 0 512',
    opts,
  );
  expect(read.stdout).toMatch(/^read 512\/512 bytes at offset 0\n/);
  resetTranscript();
  await imgInfoLog(`driver=luks,key-secret=keysec0,file.filename=${img}`, {
    useImageOpts: true,
    filterPath: img,
    extraArgs: ['--object', luksDefaultSecretObject()],
  });
  expect(transcript()).toMatch(/^image: json:.*\nfile format: IMGFMT\nvirtual size: 1 MiB/);
});
