// The seed's QemuIoInteractive: qemu-io kept running, fed one command at a time, each answer read
// up to the next `qemu-io> ` prompt. Reading is event-driven on the combined output stream.
import { splitArgs, universalNewlines } from './run-tool';
import type { QemuToolError } from './tool-error';
import { pythonReturncode } from './tool-error';
import { qemuIoWrapArgs } from './qemu-io';
import { TrackedProcess } from './tracked-process';

const PROMPT = 'qemu-io> ';

/** Options of QemuIoInteractive.start (a trailing object after the qemu-io arguments). */
export interface QemuIoInteractiveOptions {
  /** Bound for the first prompt and for each command's answer (default 60 s). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** How long `close()` waits for qemu-io to quit before killing it. */
const CLOSE_TIMEOUT_MS = 10_000;

interface PendingRead {
  resolve(text: string): void;
  reject(error: Error): void;
}

/** An interactive qemu-io process (the seed's QemuIoInteractive). */
export class QemuIoInteractive {
  /**
   * Start qemu-io with `args` (wrapped like `qemuIo`'s) and wait for its first prompt; throws
   * QemuToolError with everything it printed when it does not start (e.g. cannot open the image).
   */
  static async start(
    ...args: readonly string[] | readonly [...string[], QemuIoInteractiveOptions]
  ): Promise<QemuIoInteractive> {
    const split = splitArgs<QemuIoInteractiveOptions>(args);
    const timeoutMs = split.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // Kept: a timer of 0 or NaN ms would fail every command as soon as it is sent.
    if (!(timeoutMs > 0)) {
      throw new TypeError(
        `QemuIoInteractive.start: timeoutMs must be a positive number, got ${String(timeoutMs)}`,
      );
    }
    const argv = qemuIoWrapArgs(split.args);
    const child = await TrackedProcess.spawn('qemu-io', argv, {
      stdin: 'pipe',
      description: 'qemu-io (interactive)',
    });
    const qio = new QemuIoInteractive(child, timeoutMs);
    await qio.readGreeting();
    return qio;
  }

  /** The full qemu-io command line. */
  readonly args: readonly string[];

  private buffer = '';
  private ended = false;
  private pending: PendingRead | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly child: TrackedProcess,
    private readonly timeoutMs: number,
  ) {
    this.args = child.command;
    child.onOutput((chunk) => {
      this.buffer += chunk;
      this.deliver();
    });
    // The answer so far is complete once qemu-io exited and its output stream drained.
    void child
      .whenExited()
      .then(() => child.waitOutputClosed(1_000))
      .then(() => {
        this.ended = true;
        this.deliver();
      });
  }

  /** qemu-io's process id. */
  get pid(): number {
    return this.child.pid;
  }

  /**
   * Run one qemu-io command (no newline; not `q`/`quit`, that is `close()`) and return its output,
   * everything qemu-io printed before the next prompt. Throws when qemu-io exits instead of
   * answering (the error carries all output so far) or does not answer within the timeout.
   */
  async cmd(command: string): Promise<string> {
    // Kept, these two: no type says which strings qemu-io would misread.
    if (command.includes('\n')) {
      throw new TypeError(
        `QemuIoInteractive.cmd: one command per call, without newlines: ${JSON.stringify(command)}`,
      );
    }
    const line = command.trim();
    if (line === 'q' || line === 'quit') {
      throw new TypeError("QemuIoInteractive.cmd: use close() to quit, not 'q'/'quit'");
    }
    if (this.closing !== undefined) {
      throw new Error('QemuIoInteractive.cmd: this qemu-io was closed');
    }
    if (this.pending !== undefined) {
      throw new Error('QemuIoInteractive.cmd: another command is still running; await it first');
    }
    const answer = this.readUntilPrompt(`command ${JSON.stringify(line)}`);
    this.child.stdin?.write(`${line}\n`);
    return answer;
  }

  /** Quit qemu-io (sends `q`, like the seed's close); kills it if it does not exit. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.quit();
    return this.closing;
  }

  private async quit(): Promise<void> {
    this.child.stdin?.end('q\n');
    if ((await this.child.waitExit(CLOSE_TIMEOUT_MS)) === undefined) {
      await this.child.stop('SIGKILL');
    }
  }

  private async readGreeting(): Promise<void> {
    // The seed reads exactly the prompt's length and insists it is the prompt.
    let text: string;
    try {
      text = await this.readUntilPrompt('the first prompt');
    } catch (error) {
      this.child.kill('SIGKILL');
      throw error;
    }
    if (text !== '') {
      await this.close();
      throw await this.failure(`qemu-io printed something before its first prompt`, text + PROMPT);
    }
  }

  private readUntilPrompt(what: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        this.child.kill('SIGKILL');
        void this.failure(`qemu-io gave no prompt within ${this.timeoutMs} ms after ${what}`).then(
          reject,
        );
      }, this.timeoutMs);
      this.pending = {
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.deliver();
    });
  }

  /** Hand complete answers (text before a prompt) to the waiting reader. */
  private deliver(): void {
    const pending = this.pending;
    if (pending === undefined) {
      return;
    }
    const at = this.buffer.indexOf(PROMPT);
    if (at !== -1) {
      const text = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + PROMPT.length);
      this.pending = undefined;
      pending.resolve(universalNewlines(text));
      return;
    }
    if (this.ended) {
      this.pending = undefined;
      void this.failure('qemu-io exited unexpectedly', this.buffer).then((error) =>
        pending.reject(error),
      );
    }
  }

  private async failure(summary: string, output = this.child.output()): Promise<QemuToolError> {
    const status = await this.child.waitExit(1_000);
    const exit =
      status === undefined
        ? 'still running'
        : `returncode ${String(pythonReturncode(status.exitCode, status.signal))}`;
    return this.child.toolError(`${summary} (${exit})`, {
      status,
      output: universalNewlines(output),
    });
  }
}
