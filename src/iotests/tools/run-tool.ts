// Running a QEMU tool to completion: 7.2's `qemu_tool` (raises QemuToolError unless told not to)
// and the seed's `qemu_tool_pipe_and_status` (returns output and status, reports a death by
// signal on stderr). Argument arrays only, never a shell; output decoded as UTF-8 with Python's
// universal newlines ('\r\n' and '\r' read as '\n'), exactly as the seed's text-mode pipes read it.
import { runProcess } from '../../common/run-process';
import { openOutputChannel } from './output-channel';
import { QemuToolError, pythonReturncode } from './tool-error';
import { redactCommandLine } from '../../machine';
import { traceToolEnd, traceToolStart } from '../file-watch';
import { session } from '../session';
import { trackOperation, type TestScope } from '../test-scope';

/** Options of the 7.2-style tool functions (`qemuImg`, `qemuIo`, ...), like 7.2's keyword arguments. */
export interface ToolOptions {
  /** Throw QemuToolError on a non-zero exit status (default true, 7.2's check=True). */
  check?: boolean;
  /** stdout and stderr in one stream (default true); false keeps stderr apart. */
  combineStdio?: boolean;
  /** Text written to the tool's stdin (default: stdin is /dev/null). */
  input?: string;
  /** Kill the tool (SIGKILL) after this long; default DEFAULT_TOOL_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** What a finished tool run produced (7.2's CompletedProcess). */
export interface ToolResult {
  /** The full argv, program first. */
  readonly command: readonly string[];
  /** Exit status; null when killed by a signal. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Python's returncode: exit status, or -N when killed by signal N. */
  readonly returncode: number;
  /** Combined stdout+stderr when combineStdio (the default), else stdout alone. */
  readonly stdout: string;
  /** stderr when combineStdio is false; undefined when combined. */
  readonly stderr: string | undefined;
  readonly timedOut: boolean;
}

/** Only a bound against hangs: the seed waits forever, a large `qemu-img convert` can take minutes. */
export const DEFAULT_TOOL_TIMEOUT_MS = 600_000;

/** How long to keep reading output after the tool exited (a forked child may hold the stream). */
const OUTPUT_DRAIN_MS = 5_000;

/** The environment variable that names each tool's binary, for error messages. */
const PROGRAM_VARIABLES: Readonly<Record<string, string>> = {
  qemu: 'QEMU_PROG',
  'qemu-img': 'QEMU_IMG_PROG',
  'qemu-io': 'QEMU_IO_PROG',
  'qemu-nbd': 'QEMU_NBD_PROG',
  'qemu-storage-daemon': 'QSD_PROG',
};

/** Arguments of a variadic tool function: strings, optionally followed by one options object. */
export type ArgsWithOptions<O> = readonly string[] | readonly [...string[], O];

/** Split `qemuImg('info', img, { check: false })`-style arguments into the strings and the options. */
export function splitArgs<O extends object>(
  args: ReadonlyArray<string | O>,
): { args: string[]; options: Partial<O> } {
  const last = args[args.length - 1];
  // ArgsWithOptions puts the options object last, so everything before it is a string.
  const hasOptions = typeof last === 'object';
  return {
    args: (hasOptions ? args.slice(0, -1) : args) as string[],
    options: hasOptions ? last : {},
  };
}

/** `splitArgs` for the common ToolOptions. */
export function splitToolArgs(
  fn: string,
  args: ArgsWithOptions<ToolOptions>,
): { args: string[]; options: ToolOptions } {
  const split = splitArgs<ToolOptions>(args);
  // Kept: a timer of 0 or NaN ms would SIGKILL the tool as soon as it starts.
  const timeoutMs = split.options.timeoutMs;
  if (timeoutMs !== undefined && !(timeoutMs > 0)) {
    throw new TypeError(`${fn}: option timeoutMs must be a positive number, got ${timeoutMs}`);
  }
  return split;
}

/**
 * Run a tool to completion and return what it produced. Never throws for the tool's status (only
 * when it cannot be started at all); see `runQemuTool` for the checking variant.
 */
export function runTool(
  tool: string,
  argv: readonly string[],
  options: Omit<ToolOptions, 'check'> = {},
): Promise<ToolResult> {
  // An operation of the test: named by its command line when the test forgot to await it.
  return trackOperation(
    () => redactCommandLine(argv).join(' '),
    (scope) => runToolToEnd(tool, argv, options, scope),
  );
}

async function runToolToEnd(
  tool: string,
  argv: readonly string[],
  options: Omit<ToolOptions, 'check'>,
  scope: TestScope,
): Promise<ToolResult> {
  const [file = '', ...args] = argv;
  const channel = options.combineStdio !== false ? await openOutputChannel() : undefined;
  traceToolStart(tool, argv);
  // A test that times out ends it before its afterEach hooks remove the files it reads.
  const ending = new AbortController();
  const dropEnder = scope.onEndProcesses(() => ending.abort());
  let result;
  try {
    result = await runProcess(file, args, {
      timeoutMs: options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS,
      input: options.input,
      output: channel === undefined ? undefined : [channel.childEnd, channel.childEnd],
      afterSpawn: () => channel?.releaseChildEnd(),
      signal: ending.signal,
    });
  } finally {
    dropEnder();
  }
  if (channel !== undefined) {
    await channel.closed(OUTPUT_DRAIN_MS);
  }
  if (result.spawnFailure !== undefined) {
    channel?.destroy();
    throw cannotRunError(tool, file, result.spawnFailure.message);
  }
  const stdout = universalNewlines(channel !== undefined ? channel.text() : result.stdout);
  const stderr = channel !== undefined ? undefined : universalNewlines(result.stderr);
  traceToolEnd(tool, result.exitCode, result.signal, stdout + (stderr ?? ''));
  return {
    command: [...argv],
    exitCode: result.exitCode,
    signal: result.signal,
    returncode: pythonReturncode(result.exitCode, result.signal) ?? -1,
    stdout,
    stderr,
    timedOut: result.timedOut,
  };
}

/**
 * 7.2's `qemu_tool`: run, and throw QemuToolError when the tool was killed by a signal, or when
 * it exited non-zero and `check` is on (the default).
 */
export async function runQemuTool(
  tool: string,
  argv: readonly string[],
  options: ToolOptions = {},
): Promise<ToolResult> {
  const result = await runTool(tool, argv, options);
  if ((options.check !== false && result.returncode !== 0) || result.signal !== null) {
    throw toolError(tool, result);
  }
  return result;
}

/** The QemuToolError describing a finished run. */
export function toolError(tool: string, result: ToolResult): QemuToolError {
  return new QemuToolError({
    tool,
    command: result.command,
    exitCode: result.exitCode,
    signal: result.signal,
    stdout: result.stdout,
    stderr: result.stderr,
    timedOut: result.timedOut,
  });
}

/** Options of the seed's pipe-and-status runner. */
export interface PipeAndStatusOptions {
  /** stderr into the returned output (default true); false passes it to the tool-output sink. */
  connectStderr?: boolean;
  /** Return '' instead of the output when the tool succeeded (qemu-img create). */
  dropSuccessfulOutput?: boolean;
}

/**
 * The seed's `qemu_tool_pipe_and_status`: [output, returncode], never throwing for the status;
 * a death by signal is reported on stderr as `<tool> received signal N: <command>`.
 */
export async function toolPipeAndStatus(
  tool: string,
  argv: readonly string[],
  options: PipeAndStatusOptions = {},
): Promise<[string, number]> {
  const result = await runTool(tool, argv, { combineStdio: options.connectStderr !== false });
  if (result.stderr !== undefined && result.stderr !== '') {
    writeToolOutput(result.stderr);
  }
  reportSignal(tool, result);
  const output =
    options.dropSuccessfulOutput === true && result.returncode === 0 ? '' : result.stdout;
  return [output, result.returncode];
}

/** The seed's report of a tool killed by a signal, written to stderr. */
export function reportSignal(tool: string, result: ToolResult): void {
  if (result.returncode < 0) {
    process.stderr.write(
      `${tool} received signal ${-result.returncode}: ${redactCommandLine(result.command).join(' ')}\n`,
    );
  }
}

/** Receives tool output the seed lets through to the test's own stdout/stderr. */
export type ToolOutputSink = (text: string) => void;

/**
 * Where output goes that the seed does not capture but lets through (qemu-nbd's messages,
 * qemu-io's stderr in qemuIoSilent, a daemon's output): process.stderr by default; the Jest layer
 * may route it elsewhere (e.g. the transcript). undefined restores the default.
 */
export function setToolOutputSink(sink: ToolOutputSink | undefined): void {
  session().toolOutputSink = sink;
}

/** Pass let-through tool output to the sink. */
export function writeToolOutput(text: string): void {
  if (text === '') {
    return;
  }
  const outputSink = session().toolOutputSink;
  if (outputSink !== undefined) {
    outputSink(text);
  } else {
    process.stderr.write(text);
  }
}

/** Python's universal newlines: '\r\n' and a lone '\r' both read as '\n'. */
export function universalNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** The error for a tool that could not be started at all, naming the variable that picks it. */
export function cannotRunError(tool: string, file: string, reason: string): Error {
  return new Error(
    `cannot run ${tool} (${file}): ${reason}; ` +
      `set ${PROGRAM_VARIABLES[tool] ?? 'the tool path'} to a working binary`,
  );
}
