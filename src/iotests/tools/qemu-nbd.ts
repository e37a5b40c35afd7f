// qemu-nbd wrappers: the seed's qemu_nbd (daemonized with --fork, returns the parent's status),
// qemu_nbd_early_pipe, qemu_nbd_list_log and qemu_nbd_popen (here `withQemuNbd`, a scoped server).
//
// A `--fork`ed qemu-nbd daemonizes: its parent exits as soon as the server is ready and the
// server is no longer our child. It is tracked (registered so it is killed at the latest when the
// test file ends) through its pid file: the test's own `--pid-file PATH` (or `--pid-file=PATH`),
// else one the wrapper adds in the file's socket directory, so that no daemon outlives its file.
import { existsSync } from 'node:fs';

import { isLiveProcess, registerChild } from '../../machine';
import { onFileCleanup } from '../cleanup';
import { fileContext } from '../context';
import { filePath, tryRemove } from '../files';
import { filters } from '../filters';
import { callLabel, trackOperation } from '../test-scope';
import { log } from '../transcript';
import { readPidFile, waitForPidFile } from './pidfile';
import { runTool, toolPipeAndStatus, writeToolOutput } from './run-tool';
import { qemuNbdArgs, toolConfig } from './tool-config';
import { TrackedProcess } from './tracked-process';

/**
 * The seed's `qemu_nbd`: run `qemu-nbd --fork ...args` and return the parent's exit status (its
 * messages go to the tool-output sink). A daemon started with `--pid-file` is tracked.
 */
export async function qemuNbd(...args: string[]): Promise<number> {
  const { argv, pidfile } = forkedCommandLine(args);
  const result = await runTool('qemu-nbd', argv);
  writeToolOutput(result.stdout);
  if (result.returncode === 0) {
    await trackForkedDaemon(pidfile);
  }
  return result.returncode;
}

/**
 * The seed's `qemu_nbd_early_pipe`: run `qemu-nbd --fork ...args`; returns [status, stdout] with
 * stdout only when it failed ('' on success). stderr is let through to the tool-output sink.
 */
export async function qemuNbdEarlyPipe(...args: string[]): Promise<[number, string]> {
  const { argv, pidfile } = forkedCommandLine(args);
  const [output, returncode] = await toolPipeAndStatus('qemu-nbd', argv, {
    connectStderr: false,
  });
  if (returncode === 0) {
    await trackForkedDaemon(pidfile);
  }
  return [returncode, returncode !== 0 ? output : ''];
}

/**
 * The seed's `qemu_nbd_list_log`: `qemu-nbd -L ...args` (without QEMU_NBD_OPTIONS, like the seed),
 * its output logged through `testfiles` and `nbdExports` filters and returned.
 */
export function qemuNbdListLog(...args: string[]): Promise<string> {
  return trackOperation(
    () => callLabel('qemuNbdListLog', args),
    async () => {
      const [output] = await toolPipeAndStatus('qemu-nbd', [
        toolConfig().binaries.qemuNbd,
        '-L',
        ...args,
      ]);
      log(output, { filters: [filters.testfiles, filters.nbdExports] });
      return output;
    },
    qemuNbdListLog,
  );
}

/** Options of withQemuNbd. */
export interface WithQemuNbdOptions {
  /** How long the server may take to write its pid file (default: IOTESTS_LAUNCH_TIMEOUT). */
  startTimeoutMs?: number;
}

let serverCount = 0;

/**
 * The seed's `qemu_nbd_popen`: start `qemu-nbd --persistent --pid-file F ...args`, logging
 * 'Start NBD server'; wait for the pid file (failing fast with the exit code and command if
 * qemu-nbd dies first); run `fn`; then, whatever happened, log 'Kill NBD server' and kill it.
 */
export async function withQemuNbd<T>(
  args: readonly string[],
  fn: () => T | Promise<T>,
  options: WithQemuNbdOptions = {},
): Promise<Awaited<T>> {
  const startTimeoutMs = options.startTimeoutMs ?? toolConfig().timeouts.launchMs;
  serverCount += 1;
  const suffix = serverCount === 1 ? '' : `-${serverCount}`;
  const pidfile = filePath(`qemu_nbd_popen-nbd-pid-file${suffix}`);
  if (existsSync(pidfile)) {
    throw new Error(`withQemuNbd: the pid file ${pidfile} already exists (left by another run?)`);
  }
  const argv = [...qemuNbdArgs(), '--persistent', '--pid-file', pidfile, ...args];
  log('Start NBD server');
  const server = await TrackedProcess.spawn('qemu-nbd', argv, { description: 'qemu-nbd server' });
  let started = false;
  try {
    await waitForPidFile(server, pidfile, startTimeoutMs);
    started = true;
    return await fn();
  } finally {
    tryRemove(pidfile);
    log('Kill NBD server');
    await server.stop('SIGKILL');
    if (started) {
      // The seed's server writes to the test's own output; ours is captured and let through here.
      writeToolOutput(server.output());
    }
  }
}

/** The value of qemu-nbd's `--pid-file` among `args` (`--pid-file X` or `--pid-file=X`). */
export function pidFileArgument(args: readonly string[]): string | undefined {
  let found: string | undefined;
  args.forEach((arg, index) => {
    if (arg === '--pid-file' && index + 1 < args.length) {
      found = args[index + 1];
    } else if (arg.startsWith('--pid-file=')) {
      found = arg.slice('--pid-file='.length);
    }
  });
  return found;
}

let pidFilesAdded = 0;

/**
 * The command line of a `--fork`ed qemu-nbd and the pid file its daemon will write: the one
 * QEMU_NBD_OPTIONS or `args` name, else one of ours added after `--fork`, so that it can be tracked.
 */
function forkedCommandLine(args: readonly string[]): { argv: string[]; pidfile: string } {
  const head = [...qemuNbdArgs(), '--fork'];
  const given = pidFileArgument([...head, ...args]);
  if (given !== undefined) return { argv: [...head, ...args], pidfile: given };
  pidFilesAdded++;
  const pidfile = filePath(`qemu-nbd-fork-${pidFilesAdded}.pid`, {
    baseDir: fileContext().sockDir,
  });
  return { argv: [...head, '--pid-file', pidfile, ...args], pidfile };
}

/** Register a `--fork`ed qemu-nbd daemon by its pid file, so it is killed when the file ends. */
async function trackForkedDaemon(pidfile: string): Promise<void> {
  const pid = await readPidFile(pidfile);
  if (pid === undefined || !isLiveProcess(pid)) {
    return; // No daemon to track (or it is already gone).
  }
  const description = `qemu-nbd --fork daemon (pid file ${pidfile})`;
  // Registered until file cleanup, so the registry's hooks kill it if this process dies first.
  const daemon = registerChild(pid, description);
  onFileCleanup(
    async () => {
      // Not our child: the registry checks it still is the daemon before killing it, and waits.
      await daemon.killAndWait();
    },
    `stop ${description} (pid ${pid})`,
    'processes',
  );
}
