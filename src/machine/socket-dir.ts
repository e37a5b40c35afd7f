// The private directory (mode 0700, from mkdtemp) that holds one machine's sockets, and the
// listening side of those sockets.

import { mkdtempSync } from 'node:fs';
import { rename, rm, rmdir, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { basename, join } from 'node:path';
import { socketPathList, type MachineSocketPaths } from './command-line';
import { SocketPathTooLongError, UNIX_SOCKET_PATH_MAX } from './errors';

const DIR_PREFIX = 'qemu-';
// mkdtemp appends six random characters.
const DIR_PLACEHOLDER = `${DIR_PREFIX}XXXXXX`;

/** Socket file names inside the private directory, kept short for the AF_UNIX limit. */
const SOCKET_NAMES = { qmp: 'qmp.sock', qtest: 'qtest.sock', console: 'console.sock' } as const;

/** Which optional sockets a machine needs besides QMP. */
export interface SocketNeeds {
  qtest: boolean;
  console: boolean;
}

/** The socket paths inside `dir`. */
export function socketPathsIn(dir: string, needs: SocketNeeds): MachineSocketPaths {
  const paths: MachineSocketPaths = { qmp: join(dir, SOCKET_NAMES.qmp) };
  if (needs.qtest) {
    paths.qtest = join(dir, SOCKET_NAMES.qtest);
  }
  if (needs.console) {
    paths.console = join(dir, SOCKET_NAMES.console);
  }
  return paths;
}

/** The socket paths a launch will use, with the random part of the directory as XXXXXX. */
export function plannedSocketPaths(sockDir: string, needs: SocketNeeds): MachineSocketPaths {
  return socketPathsIn(join(sockDir, DIR_PLACEHOLDER), needs);
}

/** Throws SocketPathTooLongError if any socket under `sockDir` would exceed the AF_UNIX limit. */
export function checkSocketPathLengths(sockDir: string, needs: SocketNeeds): void {
  for (const path of socketPathList(plannedSocketPaths(sockDir, needs))) {
    const length = Buffer.byteLength(path);
    if (length > UNIX_SOCKET_PATH_MAX) {
      throw new SocketPathTooLongError(path, length);
    }
  }
}

/** Creates a fresh private (0700) directory under `sockDir`. */
export function createPrivateDir(sockDir: string): string {
  // Synchronous: one cheap syscall that QEMU's spawn has to wait for anyway.
  return mkdtempSync(join(sockDir, DIR_PREFIX));
}

/**
 * Where removePrivateDir moves an open file of `dir` before unlinking it: beside `dir`, named
 * after it (mkdtemp made that name ours).
 */
export function movedOutPath(dir: string, file: string): string {
  return `${dir}.${basename(file)}`;
}

/**
 * Removes a private directory in the background: asynchronous, because removing a directory can
 * take a millisecond on a busy disk, time a shutdown can spend waiting for QEMU to exit instead.
 * Never rejects. `openFiles` are files in it that stay open after it is gone (QEMU's log, read
 * through our descriptor until QEMU has exited): each is first moved out (movedOutPath) and
 * unlinked there, since a directory still holding an open file is only freed when that file is
 * closed, which would put the slow part back on the shutdown's path. Anything else left is
 * removed recursively. Sockets need no unlinking: closing a listener removes its socket file.
 */
export async function removePrivateDir(dir: string, openFiles: readonly string[]): Promise<void> {
  await Promise.all(openFiles.map((file) => unlinkOutside(file, movedOutPath(dir, file))));
  try {
    await rmdir(dir);
  } catch {
    await rm(dir, { recursive: true, force: true }).catch(() => {
      // Best effort: a leftover private dir is untidy, not harmful.
    });
  }
}

async function unlinkOutside(file: string, outside: string): Promise<void> {
  try {
    await rename(file, outside);
  } catch {
    // Never created (a failed launch), already gone, or not movable: unlink it where it is.
    await unlink(file).catch(() => undefined);
    return;
  }
  await unlink(outside).catch(() => undefined);
}

/**
 * A UNIX socket this process listens on for exactly one connection (from QEMU). Later
 * connections are refused by closing them: nobody else has business on a machine's socket.
 */
export class SingleConnectionListener {
  readonly connection: Promise<Socket>;
  private readonly server: Server;
  private accepted: Socket | undefined;

  private constructor(server: Server) {
    this.server = server;
    this.connection = new Promise((resolve) => {
      server.on('connection', (socket) => {
        if (this.accepted === undefined) {
          this.accepted = socket;
          // Whoever takes the socket adds its own handling; until then a reset must not crash us.
          socket.on('error', () => undefined);
          resolve(socket);
        } else {
          socket.destroy();
        }
      });
    });
  }

  /** Starts listening on `path`. */
  static listen(path: string): Promise<SingleConnectionListener> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      const listener = new SingleConnectionListener(server);
      server.once('error', reject);
      server.listen(path, () => {
        server.removeListener('error', reject);
        server.on('error', () => {
          // Errors after listening (none are expected) must not crash the process.
        });
        resolve(listener);
      });
    });
  }

  /** Stops listening; an accepted connection stays open unless `dropConnection` is set. */
  close(opts: { dropConnection?: boolean } = {}): void {
    this.server.close();
    if (opts.dropConnection === true) {
      this.accepted?.destroy();
    }
  }
}
