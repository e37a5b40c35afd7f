// The private directory (mode 0700, from mkdtemp) that holds one machine's sockets, and the
// listening side of those sockets.

import { mkdtempSync, rmSync, rmdirSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
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

// Synchronous on purpose: these are a few cheap syscalls on a local directory, and a thread-pool
// round trip each would cost more than the work (measurably so on a loaded machine).

/** Creates a fresh private (0700) directory under `sockDir`. */
export function createPrivateDir(sockDir: string): string {
  return mkdtempSync(join(sockDir, DIR_PREFIX));
}

/** Removes a private directory: the files we know of first, anything else found recursively. */
export function removePrivateDir(dir: string, knownFiles: readonly string[]): void {
  for (const file of knownFiles) {
    try {
      unlinkSync(file);
    } catch {
      // Never created (e.g. a failed launch) or already gone.
    }
  }
  try {
    rmdirSync(dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
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
