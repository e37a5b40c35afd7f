// A minimal client for QEMU's qtest protocol: one text line per command, one 'OK ...' or
// 'FAIL ...' line per reply, in order. QEMU also sends unsolicited 'IRQ raise N' / 'IRQ lower N'
// lines once interrupts are intercepted; those are not replies and are skipped.

import type { Socket } from 'node:net';
import { QemuMachineError } from './errors';

interface PendingCommand {
  command: string;
  resolve: (reply: string) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Talks qtest over a connected socket. */
export class QtestClient {
  private readonly pending: PendingCommand[] = [];
  private buffered = '';
  private lostReason: string | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly commandTimeoutMs: number,
    private readonly describeLoss: () => string,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('error', () => {
      // 'close' follows and reports the loss.
    });
    socket.on('close', () => this.fail(this.describeLoss()));
  }

  /** Sends one command and resolves with QEMU's reply line ('OK ...' / 'FAIL ...', no newline). */
  command(command: string, timeoutMs = this.commandTimeoutMs): Promise<string> {
    if (/[\r\n]/.test(command)) {
      return Promise.reject(
        new TypeError(`qtest command must be a single line, got ${JSON.stringify(command)}`),
      );
    }
    if (this.lostReason !== undefined) {
      return Promise.reject(this.lossError(command, this.lostReason));
    }
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.pending.findIndex((entry) => entry.timer === timer);
        // A reply that arrives later must not be taken for the next command's: the stream is
        // out of step from here on, so the connection is given up.
        if (index !== -1) {
          this.fail(`no reply to qtest command '${command}' within ${timeoutMs} ms`);
        }
      }, timeoutMs);
      this.pending.push({ command, resolve, reject, timer });
      this.socket.write(`${command}\n`);
    });
  }

  /** Rejects everything pending and closes the socket. */
  close(reason = 'qtest connection closed'): void {
    this.fail(reason);
    this.socket.destroy();
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) !== -1) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      if (line.startsWith('IRQ ')) {
        continue;
      }
      const entry = this.pending.shift();
      if (entry === undefined) {
        continue; // Nothing asked for it (e.g. a reply to a command that timed out).
      }
      clearTimeout(entry.timer);
      entry.resolve(line);
    }
  }

  private fail(reason: string): void {
    if (this.lostReason === undefined) {
      this.lostReason = reason;
    }
    for (const entry of this.pending.splice(0)) {
      clearTimeout(entry.timer);
      entry.reject(this.lossError(entry.command, reason));
    }
    this.socket.destroy();
  }

  private lossError(command: string, reason: string): QemuMachineError {
    return new QemuMachineError(`qtest command '${command}' failed: ${reason}`);
  }
}
