import { describe, expect, test } from '@jest/globals';
import { SocketPathTooLongError, UNIX_SOCKET_PATH_MAX } from '../../../src/machine';
import { checkSocketPathLengths, plannedSocketPaths } from '../../../src/machine/socket-dir';

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
