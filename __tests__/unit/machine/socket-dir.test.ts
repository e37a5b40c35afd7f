import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, test } from '@jest/globals';
import { SocketPathTooLongError, UNIX_SOCKET_PATH_MAX } from '../../../src/machine';
import {
  checkSocketPathLengths,
  createPrivateDir,
  movedOutPath,
  plannedSocketPaths,
  removePrivateDir,
} from '../../../src/machine/socket-dir';

describe('socket path limits', () => {
  // '/qemu-XXXXXX/console.sock' is the longest suffix (25 bytes).
  const suffix = '/qemu-XXXXXX/console.sock'.length;
  const needs = { qtest: true, console: true };

  test('a path of exactly 107 bytes is accepted, 108 is refused', () => {
    const fits = '/' + 'd'.repeat(UNIX_SOCKET_PATH_MAX - suffix - 1);
    expect(plannedSocketPaths(fits, needs).console).toHaveLength(UNIX_SOCKET_PATH_MAX);
    expect(() => checkSocketPathLengths(fits, needs)).not.toThrow();
    const tooLong = `${fits}d`;
    expect(() => checkSocketPathLengths(tooLong, needs)).toThrow(SocketPathTooLongError);
    try {
      checkSocketPathLengths(tooLong, needs);
    } catch (error: unknown) {
      expect(error).toMatchObject({ path: `${tooLong}/qemu-XXXXXX/console.sock`, length: 108 });
      expect(String(error)).toContain('108 bytes long, over the 107-byte limit');
      expect(String(error)).toContain('set SOCK_DIR');
    }
  });

  test('only the sockets in use count', () => {
    const dir = '/' + 'd'.repeat(UNIX_SOCKET_PATH_MAX - suffix); // console would be 108
    expect(() => checkSocketPathLengths(dir, { qtest: false, console: false })).not.toThrow();
    expect(() => checkSocketPathLengths(dir, { qtest: false, console: true })).toThrow(
      SocketPathTooLongError,
    );
  });

  test('lengths are counted in bytes, not characters', () => {
    const dir = '/' + 'é'.repeat(45); // 90 bytes, 45 characters
    expect(() => checkSocketPathLengths(dir, { qtest: false, console: false })).toThrow(
      SocketPathTooLongError,
    );
  });
});

describe('private directories', () => {
  const sockDir = mkdtempSync(join(tmpdir(), 'socket-dir-test-'));
  afterAll(() => rmSync(sockDir, { recursive: true, force: true }));

  test('a file still open (the log) is unlinked, still readable through its descriptor; the directory goes at once', async () => {
    const dir = createPrivateDir(sockDir);
    const log = join(dir, 'qemu.log');
    writeFileSync(log, 'qemu output\n');
    const fd = openSync(log, 'r'); // as QEMU's output log stays open until QEMU has exited
    try {
      await removePrivateDir(dir, [log]);
      expect(existsSync(dir)).toBe(false);
      expect(existsSync(movedOutPath(dir, log))).toBe(false);
      // Still readable through the descriptor, as OutputLog reads it.
      const buffer = Buffer.alloc(64);
      expect(buffer.toString('utf8', 0, readSync(fd, buffer, 0, 64, 0))).toBe('qemu output\n');
    } finally {
      closeSync(fd);
    }
  });

  test('whatever else is left in it is removed too, and missing files are no error', async () => {
    const dir = createPrivateDir(sockDir);
    writeFileSync(join(dir, 'leftover'), '');
    await expect(removePrivateDir(dir, [join(dir, 'never-created.log')])).resolves.toBeUndefined();
    expect(existsSync(dir)).toBe(false);
  });

  test('the moved-out name sits beside the directory and is derived from both names', () => {
    expect(movedOutPath('/run/s/qemu-AbC123', '/run/s/qemu-AbC123/vm.log')).toBe(
      '/run/s/qemu-AbC123.vm.log',
    );
  });

  test('a directory already gone is no error', async () => {
    const dir = createPrivateDir(sockDir);
    rmSync(dir, { recursive: true });
    await expect(removePrivateDir(dir, [])).resolves.toBeUndefined();
  });
});
