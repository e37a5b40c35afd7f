// A long-lived tool process (qemu-io in interactive mode, a qemu-nbd server, a storage daemon):
// spawned with an argument array, stdout+stderr captured in one ordered stream, registered in the
// process registry (so it never outlives the run) and in the file cleanup (so it never outlives
// the test file), and stopped with a bounded wait.
import type execa from 'execa';
import type { Writable } from 'node:stream';

import { redactCommandLine, registerChild } from '../../machine';
import { onFileCleanup } from '../cleanup';
import { reportProcess, traceToolEnd, traceToolStart } from '../file-watch';
import { describeExitStatus } from '../process-state';
import { raceTimeout } from '../race-timeout';
import { loadExeca } from '../../common/execa-on-demand';
import type { QmpExchangeRecord } from '../../qmp';
import { currentTestScope } from '../test-scope';
import type { OutputChannel } from './output-channel';
import { openOutputChannel } from './output-channel';
import { spawnFailureOf } from '../../common/run-process';
import { cannotRunError, universalNewlines } from './run-tool';
import { QemuToolError } from './tool-error';

/** How a process ended. */
export interface ExitStatus {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

/** Options of TrackedProcess.spawn. */
export interface SpawnOptions {
  /** 'pipe' to write to the process (qemu-io's commands); default: /dev/null. */
  stdin?: 'pipe' | 'ignore';
  /** For the process registry and error messages; default: the tool name. */
  description?: string;
}

/** After SIGKILL, how long to wait for the kernel to reap the process before giving up. */
const KILL_WAIT_MS = 10_000;

/** A spawned tool process that is tracked until it exits. */
export class TrackedProcess {
  /** Spawn `argv` (program first); throws when it cannot be started at all. */
  static async spawn(
    tool: string,
    argv: readonly string[],
    options: SpawnOptions = {},
  ): Promise<TrackedProcess> {
    // Built here with the binary first; an empty one fails in spawn, naming the argument.
    const [file = '', ...args] = argv;
    const run = await loadExeca();
    const channel = await openOutputChannel();
    let child: execa.ExecaChildProcess;
    try {
      child = run(file, args, {
        reject: false,
        buffer: false,
        stdio: [options.stdin ?? 'ignore', channel.childEnd, channel.childEnd],
      });
    } finally {
      channel.releaseChildEnd();
    }
    const pid = child.pid;
    if (pid === undefined) {
      const result = await child;
      channel.destroy();
      throw cannotRunError(tool, file, spawnFailureOf(result)?.message ?? 'spawn failed');
    }
    return new TrackedProcess(tool, argv, pid, child, channel, options.description ?? tool);
  }

  readonly tool: string;
  /** The full argv, program first. */
  readonly command: readonly string[];
  readonly pid: number;
  /** The process's stdin when spawned with stdin 'pipe'. */
  readonly stdin: Writable | null;

  private status: ExitStatus | undefined;
  private qmpHistorySource: (() => QmpExchangeRecord[]) | undefined;
  private readonly exitPromise: Promise<ExitStatus>;
  private readonly channel: OutputChannel;

  private constructor(
    tool: string,
    argv: readonly string[],
    pid: number,
    child: execa.ExecaChildProcess,
    channel: OutputChannel,
    description: string,
  ) {
    this.tool = tool;
    this.command = [...argv];
    this.pid = pid;
    this.channel = channel;
    this.stdin = child.stdin;
    // Writing to a process that died must not crash the test run with EPIPE.
    this.stdin?.on('error', () => undefined);
    const label = `${description} (pid ${pid})`;
    traceToolStart(label, argv);
    reportProcess({
      title: label,
      state: () =>
        this.status === undefined
          ? 'running'
          : describeExitStatus(this.status.exitCode, this.status.signal),
      output: () => this.output(),
      qmpHistory: () => this.qmpHistorySource?.() ?? [],
    });
    // A test that times out ends what it started before its afterEach hooks remove files.
    const dropEnder = currentTestScope().onEndProcesses(() => this.kill('SIGKILL'));
    const unregister = registerChild(pid, description);
    const dropCleanup = onFileCleanup(
      () => this.stop('SIGKILL').then(() => undefined),
      `stop ${description} (pid ${pid})`,
      'processes',
    );
    this.exitPromise = child.then((result) => {
      const signal = (result.signal ?? null) as NodeJS.Signals | null;
      this.status = { exitCode: signal === null ? (result.exitCode ?? null) : null, signal };
      unregister();
      dropCleanup();
      dropEnder();
      traceToolEnd(label, this.status.exitCode, signal, this.output());
      return this.status;
    });
  }

  /** Where failure reports read this process's QMP exchanges (a storage daemon's monitor). */
  reportQmpHistory(source: () => QmpExchangeRecord[]): void {
    this.qmpHistorySource = source;
  }

  /** Everything the process wrote so far (stdout and stderr in order), universal newlines. */
  output(): string {
    return universalNewlines(this.channel.text());
  }

  /** Called with each chunk of raw output as it arrives. */
  onOutput(listener: (chunk: string) => void): void {
    this.channel.onText(listener);
  }

  /** Whether the process has exited (and been reaped). */
  get exited(): boolean {
    return this.status !== undefined;
  }

  /** How it exited; undefined while it runs. */
  get exitStatus(): ExitStatus | undefined {
    return this.status;
  }

  /** Resolves when the process exits. */
  whenExited(): Promise<ExitStatus> {
    return this.exitPromise;
  }

  /** Wait up to `timeoutMs` for the exit; undefined when it is still running then. */
  async waitExit(timeoutMs: number): Promise<ExitStatus | undefined> {
    if (this.status !== undefined) {
      return this.status;
    }
    return await raceTimeout(this.exitPromise, timeoutMs, () => undefined);
  }

  /** Wait (bounded) until the process's output stream is closed, so `output()` is complete. */
  async waitOutputClosed(timeoutMs: number): Promise<boolean> {
    return this.channel.closed(timeoutMs);
  }

  /** Send `signal` unless the process already exited. */
  kill(signal: NodeJS.Signals): void {
    if (this.status !== undefined) {
      return;
    }
    try {
      process.kill(this.pid, signal);
    } catch {
      // Exited meanwhile.
    }
  }

  /**
   * Send `signal`, wait up to `graceMs` for the exit, then SIGKILL and wait again (bounded).
   * Resolves with the exit status; rejects only when even SIGKILL did not end it.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = KILL_WAIT_MS): Promise<ExitStatus> {
    this.kill(signal);
    let status = await this.waitExit(signal === 'SIGKILL' ? KILL_WAIT_MS : graceMs);
    if (status === undefined && signal !== 'SIGKILL') {
      this.kill('SIGKILL');
      status = await this.waitExit(KILL_WAIT_MS);
    }
    if (status === undefined) {
      throw new Error(
        `${this.tool} (pid ${this.pid}) did not exit within ${KILL_WAIT_MS} ms of SIGKILL`,
      );
    }
    await this.channel.closed(1_000);
    return status;
  }

  /**
   * A QemuToolError about this process: `summary`, then its command line (secrets redacted),
   * with the exit status given (none: unknown) and its output so far unless other text is given.
   */
  toolError(
    summary: string,
    details: { status?: ExitStatus | undefined; timedOut?: boolean; output?: string } = {},
  ): QemuToolError {
    return new QemuToolError({
      tool: this.tool,
      command: this.command,
      exitCode: details.status?.exitCode ?? null,
      signal: details.status?.signal ?? null,
      stdout: details.output ?? this.output(),
      stderr: undefined,
      timedOut: details.timedOut ?? false,
      summary: `${summary}: ${redactCommandLine(this.command).join(' ')}`,
    });
  }
}
