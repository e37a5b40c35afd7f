// Reading the user's `testEnvironmentOptions` and per-file docblock pragmas.
import type { ConfigSource } from '../config';
import type { TranscriptMode, VmMode } from './bridge';

const VM_MODES: readonly VmMode[] = ['boot', 'none'];
const TRANSCRIPT_MODES: readonly TranscriptMode[] = ['snapshot'];

/**
 * `testEnvironmentOptions` as a variable map for resolveConfig (same names as the environment
 * variables, e.g. `{ IMGFMT: 'qcow2' }`); options that are not strings are left to other readers.
 */
export function environmentOptionsAsSource(options: Record<string, unknown>): ConfigSource {
  const source: ConfigSource = {};
  for (const [key, value] of Object.entries(options)) {
    if (typeof value === 'string') source[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') source[key] = String(value);
  }
  return source;
}

/**
 * Whether the file's `vm` is booted before its first test: the docblock pragma `@qemu-vm none`
 * wins over `testEnvironmentOptions.vm`; the default is 'boot'.
 */
export function vmModeFor(
  pragmas: Record<string, string | string[]>,
  options: Record<string, unknown>,
): VmMode {
  const pragma = pragmas['qemu-vm'];
  const chosen = Array.isArray(pragma) ? pragma[pragma.length - 1] : (pragma ?? options.vm);
  if (chosen === undefined) return 'boot';
  if (typeof chosen === 'string' && (VM_MODES as readonly string[]).includes(chosen)) {
    return chosen as VmMode;
  }
  const where = pragma === undefined ? 'testEnvironmentOptions.vm' : '@qemu-vm pragma';
  throw new Error(
    `qemu-iotests: ${where} is ${JSON.stringify(chosen)}; accepted: ${VM_MODES.join(', ')}`,
  );
}

/**
 * What becomes of each test's transcript: the docblock pragma `@transcript snapshot` makes it the
 * test's snapshot once the test passed (a script-style port's tests); without it, the test decides.
 */
export function transcriptModeFor(
  pragmas: Record<string, string | string[]>,
): TranscriptMode | undefined {
  const pragma = pragmas.transcript;
  const chosen = Array.isArray(pragma) ? pragma[pragma.length - 1] : pragma;
  if (chosen === undefined) return undefined;
  if ((TRANSCRIPT_MODES as readonly string[]).includes(chosen)) return chosen as TranscriptMode;
  throw new Error(
    `qemu-iotests: @transcript pragma is ${JSON.stringify(chosen)}; accepted: ${TRANSCRIPT_MODES.join(', ')}`,
  );
}

/** IOTESTS_DEBUG: no trace, a trace file per test file, or the file and the console. */
export type DebugMode = 'off' | 'file' | 'console';

const DEBUG_MODES: Readonly<Record<string, DebugMode>> = {
  n: 'off',
  no: 'off',
  '0': 'off',
  false: 'off',
  y: 'file',
  yes: 'file',
  '1': 'file',
  true: 'file',
  console: 'console',
};

/**
 * The debug trace setting: the environment's IOTESTS_DEBUG wins over `testEnvironmentOptions`;
 * throws an Error naming the variable and the accepted values for anything else.
 */
export function debugModeFor(
  options: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): DebugMode {
  const value: unknown = env.IOTESTS_DEBUG ?? options.IOTESTS_DEBUG;
  if (value === undefined || value === '') return 'off';
  const mode = typeof value === 'string' ? DEBUG_MODES[value.toLowerCase()] : undefined;
  if (mode === undefined) {
    throw new Error(
      `IOTESTS_DEBUG=${JSON.stringify(value)}: accepted: y (a trace file per test file), ` +
        'console (the file and the console), n',
    );
  }
  return mode;
}
