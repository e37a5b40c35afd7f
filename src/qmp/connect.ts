// Opening the UNIX socket of a QMP server that may not be listening yet.

import { createConnection } from 'node:net';
import type { Socket } from 'node:net';

import { QmpConnectError } from './errors';
import { QMP_TIMEOUT_KNOB } from './options';

/** How to connect. */
export interface SocketConnectOptions {
  /** Give up after this long (retries included). */
  timeoutMs: number;
  /** Stop retrying at once, e.g. because QEMU already exited. */
  signal?: AbortSignal | undefined;
  /** Pause between attempts while the socket is missing or refusing; default 20 ms. */
  retryIntervalMs?: number;
}

/** Errors that mean "the server is not listening yet": worth another attempt. */
const RETRYABLE_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EAGAIN']);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describeAbort(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) {
    return reason.message;
  }
  return typeof reason === 'string' ? reason : 'aborted';
}

/**
 * Connects to the UNIX socket at `path`, retrying while it is missing or refusing connections.
 * Rejects with QmpConnectError naming the path and the last error.
 */
export function connectUnixSocket(path: string, options: SocketConnectOptions): Promise<Socket> {
  const { timeoutMs, signal } = options;
  const retryIntervalMs = options.retryIntervalMs ?? 20;
  return new Promise<Socket>((resolve, reject) => {
    let current: Socket | undefined;
    let retryTimer: NodeJS.Timeout | undefined;
    let lastError: Error | undefined;
    let settled = false;

    const finish = (outcome: QmpConnectError | Socket): void => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(overallTimer);
      clearTimeout(retryTimer);
      signal?.removeEventListener('abort', onAbort);
      if (outcome instanceof QmpConnectError) {
        current?.destroy();
        reject(outcome);
      } else {
        resolve(outcome);
      }
    };
    const onAbort = (): void => {
      finish(new QmpConnectError(path, `connecting aborted: ${describeAbort(signal!)}`));
    };
    const overallTimer = setTimeout(() => {
      const last = lastError === undefined ? '' : ` (last error: ${lastError.message})`;
      finish(
        new QmpConnectError(
          path,
          `no QMP server accepted within ${timeoutMs} ms${last}; if QEMU is just slow, raise ${QMP_TIMEOUT_KNOB} (seconds)`,
          { cause: lastError },
        ),
      );
    }, timeoutMs);

    const attempt = (): void => {
      const socket = createConnection({ path });
      current = socket;
      const onError = (error: Error): void => {
        socket.destroy();
        if (settled) {
          return;
        }
        lastError = error;
        const code = errorCode(error);
        if (code !== undefined && RETRYABLE_CODES.has(code)) {
          // Not listening yet: try again; the overall timer ends the attempts.
          retryTimer = setTimeout(attempt, retryIntervalMs);
        } else {
          finish(new QmpConnectError(path, error.message, { cause: error }));
        }
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.removeListener('error', onError);
        finish(socket);
      });
    };

    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    attempt();
  });
}
