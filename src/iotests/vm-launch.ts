// How an iotests VM starts QEMU: the seed's VM.__init__ (program, QEMU_OPTIONS, wrapper, name,
// directories, QMP timer) mapped onto QemuMachine options, and its valgrind post-shutdown step.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Capabilities } from '../capabilities';
import type { IotestsConfig } from '../config';
import type { QemuMachineOptions } from '../machine';
import type { FileContext } from './context';
import { haltFirmwarePath, wantsHaltFirmware } from './halt-firmware';

/** The exit code the valgrind wrapper uses when it found errors (--error-exitcode=99). */
export const VALGRIND_ERROR_EXIT_CODE = 99;

/** What decides how a VM starts. */
export interface VmLaunchInputs {
  pathSuffix: string;
  config: IotestsConfig;
  capabilities: Capabilities;
  context: FileContext;
  pid?: number;
  /** 'halt' (default without qtest, x86): boot a firmware that halts, so no guest code runs. */
  firmware?: 'halt' | 'default';
  /** Start with the guest CPUs stopped (-S). */
  paused?: boolean | undefined;
}

/** The QemuMachine options of an iotests VM. */
export function vmMachineOptions(inputs: VmLaunchInputs): QemuMachineOptions {
  const { config, capabilities, context } = inputs;
  const pathSuffix = inputs.pathSuffix;
  // Kept: the suffix becomes part of socket and log file names; no type says which characters.
  if (!/^[\w.+-]*$/.test(pathSuffix)) {
    throw new TypeError(
      `VM pathSuffix must be a string of letters, digits, '.', '_', '+' or '-' (it is part of ` +
        `file names), got ${JSON.stringify(pathSuffix)}`,
    );
  }
  const wrapper = vmWrapper(config, context.testDir);
  // Like the seed's qmp_timer (None under gdb/valgrind): with a wrapper the machine layer lifts
  // its limits, so only pass ours when there is none.
  const bounded = wrapper.length === 0;
  const accelerator = capabilities.accelerator;
  const firmware =
    inputs.firmware !== 'default' &&
    wantsHaltFirmware(config.binaries.qemu, accelerator, config.qemuOptions)
      ? ['-bios', haltFirmwarePath()]
      : [];
  return {
    binary: config.binaries.qemu,
    name: `qemu${pathSuffix}-${inputs.pid ?? process.pid}`,
    // machine.py's base arguments, then QEMU_OPTIONS; no -nodefaults unless QEMU_OPTIONS has it.
    defaultArgs: false,
    args: [
      '-display',
      'none',
      '-vga',
      'none',
      ...config.qemuOptions,
      ...firmware,
      ...(inputs.paused === true ? ['-S'] : []),
    ],
    wrapper,
    sockDir: context.sockDir,
    // The log stays in the machine's private directory (removed at shutdown, text kept for
    // getLog()), like machine.py's private temp dir: two VMs of one name never share a log.
    // QEMU_OPTIONS that picks an accelerator itself keeps it; otherwise the probed one.
    accel: choosesAccelerator(config.qemuOptions) ? [] : [accelerator],
    qtest: accelerator === 'qtest',
    printOutput: config.printQemu,
    ...(bounded
      ? {
          launchTimeoutMs: config.timeouts.launchMs,
          shutdownTimeoutMs: config.timeouts.shutdownMs,
          qmp: {
            commandTimeoutMs: config.timeouts.qmpCommandMs,
            eventTimeoutMs: config.timeouts.eventWaitMs,
          },
        }
      : {}),
  };
}

/** Whether QEMU options already select an accelerator (-accel X, or -machine ...,accel=X). */
export function choosesAccelerator(args: readonly string[]): boolean {
  return args.some(
    (arg, index) =>
      arg === '-accel' ||
      ((args[index - 1] === '-machine' || args[index - 1] === '-M') && /(^|,)accel=/.test(arg)),
  );
}

/** The seed's wrapper: gdbserver with GDB_OPTIONS, or valgrind logging to TEST_DIR/<pid>.valgrind. */
export function vmWrapper(config: IotestsConfig, testDir: string): string[] {
  if (config.gdbOptions !== undefined && config.valgrindQemu) {
    throw new Error(
      'gdb and valgrind are mutually exclusive: GDB_OPTIONS is set and VALGRIND_QEMU=y; ' +
        'unset one of them (or set NO_VALGRIND=y)',
    );
  }
  if (config.gdbOptions !== undefined) {
    return ['gdbserver', ...config.gdbOptions];
  }
  if (config.valgrindQemu) {
    // %p: valgrind puts its pid there, unknown before QEMU starts.
    return [
      'valgrind',
      `--log-file=${path.join(testDir, '%p.valgrind')}`,
      `--error-exitcode=${VALGRIND_ERROR_EXIT_CODE}`,
    ];
  }
  return [];
}

/**
 * The seed's VM._post_shutdown under valgrind: print valgrind's log when it reported errors
 * (exit code 99), otherwise remove it. `print` receives the log text.
 */
export function handleValgrindLog(
  testDir: string,
  pid: number,
  exitCode: number | null,
  print: (text: string) => void,
): void {
  const logFile = path.join(testDir, `${pid}.valgrind`);
  if (exitCode === VALGRIND_ERROR_EXIT_CODE) {
    print(readFileSync(logFile, 'utf8'));
  } else {
    rmSync(logFile, { force: true });
  }
}
