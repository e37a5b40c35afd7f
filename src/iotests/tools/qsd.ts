// The seed's QemuStorageDaemon (7.2 flavour, with an optional QMP monitor): a qemu-storage-daemon
// process with its pid file in the test directory, started with a bounded wait, stopped
// idempotently, and killed at the latest when the test file ends.
import path from 'node:path';

import { SocketPathTooLongError, UNIX_SOCKET_PATH_MAX } from '../../machine';
import type { JsonValue, QmpObject, QmpResponse } from '../../qmp';
import { QmpClient } from '../../qmp';
import type { QmpCallParameters, QmpCommand, QmpReply, QmpReturn } from '../../qapi/calls';
import { fileContext } from '../context';
import { trace } from '../debug-trace';
import { tryRemove } from '../files';
import { waitForPidFile } from './pidfile';
import { writeToolOutput } from './run-tool';
import { toolConfig } from './tool-config';
import { TrackedProcess } from './tracked-process';

/** Options of QemuStorageDaemon.start, as the seed's keyword arguments. */
export interface QsdStartOptions {
  /** Distinguishes the files of several daemons (default 'a'). */
  instanceId?: string;
  /** Add a QMP monitor (a listening socket in SOCK_DIR) and connect to it. */
  qmp?: boolean;
  /** How long the daemon may take to write its pid file (default: IOTESTS_LAUNCH_TIMEOUT). */
  startTimeoutMs?: number;
}

const INSTANCE_ID = /^[A-Za-z0-9_.-]+$/;

/** A running qemu-storage-daemon. */
export class QemuStorageDaemon {
  /**
   * Start `qemu-storage-daemon ...args --pidfile F` (plus a QMP monitor when `qmp` is set) and wait
   * until it wrote its pid file. Throws QemuToolError `qemu-storage-daemon terminated with exit
   * code N: <command>` with its output when it dies first, or a timeout error.
   */
  static async start(
    args: readonly string[],
    options: QsdStartOptions = {},
  ): Promise<QemuStorageDaemon> {
    // Kept, these two: no type says which strings these may be.
    if (args.includes('--pidfile')) {
      throw new TypeError(
        'QemuStorageDaemon.start: do not pass --pidfile, the daemon adds its own',
      );
    }
    const instanceId = options.instanceId ?? 'a';
    if (!INSTANCE_ID.test(instanceId)) {
      throw new TypeError(
        `QemuStorageDaemon.start: instanceId must match ${String(INSTANCE_ID)}, got ${JSON.stringify(instanceId)}`,
      );
    }
    const config = toolConfig();
    const ctx = fileContext();
    // The pid prefix keeps parallel test files that share a directory apart.
    const pidfile = path.join(ctx.testDir, `${ctx.filePrefix}qsd-${instanceId}-pid`);
    const argv = [config.binaries.qsd, ...args, '--pidfile', pidfile];
    let qmpSocket: string | undefined;
    if (options.qmp === true) {
      qmpSocket = path.join(ctx.sockDir, `${ctx.filePrefix}qsd-${instanceId}.sock`);
      const length = Buffer.byteLength(qmpSocket);
      if (length > UNIX_SOCKET_PATH_MAX) {
        throw new SocketPathTooLongError(qmpSocket, length);
      }
      tryRemove(qmpSocket);
      argv.push(
        '--chardev',
        `socket,id=qmp-sock,path=${qmpSocket.replace(/,/g, ',,')},server=on,wait=off`,
        '--monitor',
        'qmp-sock',
      );
    }
    tryRemove(pidfile);
    const child = await TrackedProcess.spawn('qemu-storage-daemon', argv, {
      description: `qemu-storage-daemon ${instanceId}`,
    });
    const daemon = new QemuStorageDaemon(child, pidfile, qmpSocket, config.timeouts.shutdownMs);
    try {
      const pid = await waitForPidFile(
        child,
        pidfile,
        options.startTimeoutMs ?? config.timeouts.launchMs,
      );
      if (pid !== child.pid) {
        throw new Error(
          `qemu-storage-daemon wrote pid ${pid} to ${pidfile}, but its pid is ${child.pid}`,
        );
      }
      if (qmpSocket !== undefined) {
        const label = `qemu-storage-daemon ${instanceId}`;
        const client = await QmpClient.connect(qmpSocket, {
          commandTimeoutMs: config.timeouts.qmpCommandMs,
          eventTimeoutMs: config.timeouts.eventWaitMs,
          onMessage: (direction, raw) =>
            trace(`${label} ${direction === 'sent' ? '->' : '<-'}`, raw),
        });
        child.reportQmpHistory(() => client.history());
        daemon.client = client;
      }
    } catch (error) {
      // Its output is in the error already: stop it without letting the output through again.
      daemon.stopping = daemon.terminate('SIGKILL', false).catch(() => undefined);
      await daemon.stopping;
      throw error;
    }
    return daemon;
  }

  /** The pid file the daemon wrote (in the test directory). */
  readonly pidfile: string;
  /** The QMP socket, when started with `qmp: true`. */
  readonly qmpSocket: string | undefined;

  private client: QmpClient | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly child: TrackedProcess,
    pidfile: string,
    qmpSocket: string | undefined,
    private readonly shutdownMs: number,
  ) {
    this.pidfile = pidfile;
    this.qmpSocket = qmpSocket;
  }

  /** The daemon's process id. */
  get pid(): number {
    return this.child.pid;
  }

  /** The full command line. */
  get command(): readonly string[] {
    return this.child.command;
  }

  /** What the daemon printed so far (stdout and stderr). */
  output(): string {
    return this.child.output();
  }

  /**
   * 7.2's `QemuStorageDaemon.qmp`: send a QMP command and return the raw reply (`{return}` or
   * `{error}`). Only for a daemon started with `qmp: true`.
   */
  qmp<C extends QmpCommand>(
    command: C,
    ...rest: QmpCallParameters<C, never, 'exact'>
  ): Promise<QmpReply<C>>;
  async qmp(command: string, args?: QmpObject): Promise<QmpResponse> {
    return this.getQmp('qmp').execute(command, args);
  }

  /**
   * QEMU 10.0's `QemuStorageDaemon.cmd`: send a QMP command and return its `return` value; an
   * error reply throws QmpCommandError. Argument names are sent as given.
   */
  cmd<C extends QmpCommand>(
    command: C,
    ...rest: QmpCallParameters<C, never, 'exact'>
  ): Promise<QmpReturn<C>>;
  async cmd(command: string, args?: QmpObject): Promise<JsonValue> {
    return this.getQmp('cmd').command(command, args);
  }

  /** QEMU 10.0's `QemuStorageDaemon.get_qmp`: the daemon's QMP connection. */
  getQmp(caller = 'getQmp'): QmpClient {
    if (this.client === undefined) {
      throw new Error(
        `QemuStorageDaemon.${caller}: start the daemon with { qmp: true } to use QMP`,
      );
    }
    if (this.stopping !== undefined) {
      throw new Error(`QemuStorageDaemon.${caller}: the daemon was stopped`);
    }
    return this.client;
  }

  /**
   * Stop the daemon with `signal` (SIGTERM by default, SIGKILL after the shutdown timeout), close
   * QMP, remove the pid file and socket. Idempotent: later calls wait for the first.
   */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.stopping ??= this.terminate(signal, true);
    return this.stopping;
  }

  private async terminate(signal: NodeJS.Signals, letOutputThrough: boolean): Promise<void> {
    const wasRunning = !this.child.exited;
    const status = await this.child.stop(signal, this.shutdownMs);
    await this.client?.close();
    if (this.qmpSocket !== undefined) {
      tryRemove(this.qmpSocket);
    }
    tryRemove(this.pidfile);
    if (letOutputThrough) {
      // The seed's daemon writes to the test's own output; ours is captured and let through here.
      writeToolOutput(this.child.output());
    }
    // Dying on its own of something else than our signal is worth an error (like a QEMU crash).
    if (!wasRunning && (status.exitCode !== 0 || status.signal !== null)) {
      throw this.child.toolError('qemu-storage-daemon had already exited before stop()', {
        status,
      });
    }
  }
}
