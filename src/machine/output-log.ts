// QEMU's stdout+stderr go to a log file that this process opens, hands to QEMU and keeps open
// until QEMU has exited. Reading through that descriptor works even once the file is unlinked, so
// a shutdown can remove the private dir (log included) while QEMU is still exiting, not after.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** A log file that QEMU writes and this process reads back through one shared descriptor. */
export class OutputLog {
  /** Where the file was created (it may be unlinked before the run ends). */
  readonly path: string;
  /** The descriptor QEMU's stdout and stderr are copies of. */
  readonly fd: number;
  private closed = false;
  private finalText: string | undefined;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.fd = fd;
  }

  /** Creates (or truncates) the file at `path`, open for reading and writing. */
  static create(path: string): OutputLog {
    return new OutputLog(path, openSync(path, 'w+'));
  }

  /** Everything written so far (the text it ended with, once closed); undefined if unreadable. */
  text(): string | undefined {
    if (this.closed) {
      return this.finalText;
    }
    try {
      return this.read();
    } catch {
      return undefined; // As for a log file that vanished: there is no output to show.
    }
  }

  /** Reads the text one last time and closes the descriptor; idempotent. Returns the text. */
  close(): string | undefined {
    if (!this.closed) {
      this.finalText = this.text();
      this.closed = true;
      try {
        closeSync(this.fd);
      } catch {
        // Released either way.
      }
    }
    return this.finalText;
  }

  private read(): string {
    const size = fstatSync(this.fd).size;
    if (size === 0) {
      return '';
    }
    const buffer = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      // An explicit position: QEMU's writes move the offset this descriptor shares with it.
      const read = readSync(this.fd, buffer, filled, size - filled, filled);
      if (read === 0) {
        break;
      }
      filled += read;
    }
    return buffer.toString('utf8', 0, filled);
  }
}
