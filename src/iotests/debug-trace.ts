// The debug trace (IOTESTS_DEBUG, the counterpart of `check -d`): every QMP message of every QEMU
// and storage daemon, each QEMU's and each tool's command line, and each tool's exit status and
// output, one timestamped line each, naming the test it belongs to. Written to a file per test
// file and, when asked, to the console. Writes are synchronous: a line must survive a worker
// that dies right after it, and nothing is written unless the trace was asked for.
import fs from 'node:fs';

import { session } from './session';
import { currentTestScope } from './test-scope';

/** One test file's trace. */
export class DebugTrace {
  private fd: number | undefined;

  /**
   * @param path the file to append to (created 0600), or undefined for the console alone
   * @param echo also receives every line (the console), when set
   */
  constructor(
    readonly path: string | undefined,
    private readonly echo?: (line: string) => void,
  ) {
    this.fd = path === undefined ? undefined : fs.openSync(path, 'a', 0o600);
  }

  /** Write `text` from `source` (e.g. `qemu-1234-1 <-`); every line of it gets the header. */
  write(source: string, text: string): void {
    const scope = currentTestScope();
    const header = `${clock()} [${scope.title ?? 'file'}] ${source}`;
    const lines = text.replace(/\n$/, '').split('\n');
    const out =
      lines.length === 1
        ? `${header} ${lines[0]}\n`
        : lines.map((line) => `${header} | ${line}\n`).join('');
    if (this.fd !== undefined) fs.writeSync(this.fd, out);
    this.echo?.(out);
  }

  /** No more lines; the file stays. */
  close(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Add to this file's trace, if it has one. */
export function trace(source: string, text: string): void {
  session().trace?.write(source, text);
}

/** Whether this file is traced (to skip building text nobody reads). */
export function tracing(): boolean {
  return session().trace !== undefined;
}

function clock(): string {
  const now = new Date();
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  return `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}`;
}
