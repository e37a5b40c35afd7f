import path from 'node:path';
import { parseArgs } from 'node:util';

import {
  probeCapabilities,
  CapabilityProbeError,
  formatHeader,
  type Capabilities,
} from '../capabilities';
import {
  ConfigError,
  exportQemuModuleDir,
  KNOWN_VARIABLES,
  resolveConfig,
  validateAgainstCapabilities,
  type ConfigSource,
  type IotestsConfig,
} from '../config';
import { iotestsPyLevel } from '../capabilities/iotests-level';
import { findTestFiles, formatListing, listSelection } from './list';
import { SchemaFetchError } from '../qapi/fetch-schema';
import { SchemaShapeError } from '../qapi/introspection';
import { QapiSourceError } from '../qapi/qapi-source';
import { TranscriptCommandError, readStoredEntries, storedTranscript } from './transcript';
import { TYPES_USAGE, TypesCommandError, TypesUsageError, runTypes } from './types';

/** Where the CLI reads its environment from and writes its output to. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: ConfigSource;
  cwd: string;
  /** Capability cache location (tests point it at a temp dir). */
  cacheDir?: string;
  /** Generated QMP types: cache location and the slot to install into (tests). */
  typesCacheDir?: string;
  typesSlot?: string;
}

/** Exit statuses: 2 for usage errors, as most CLIs do. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const PROGRAM = 'qemu-iotests';

/** Text of `qemu-iotests --help`. */
export function usage(): string {
  const width = Math.max(...KNOWN_VARIABLES.map((variable) => variable.name.length));
  const variables = KNOWN_VARIABLES.map(
    (variable) =>
      `  ${variable.name.padEnd(width)}  ${variable.description} (default: ${variable.default})`,
  );
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Commands:',
    '  info [--json] [--refresh]  show the test environment and what this QEMU can do',
    '                             --json     print the resolved config and capabilities as JSON',
    '                             --refresh  probe the binaries again instead of using the cache',
    '  transcript <file.snap> [test name] [--list]',
    '                             print a stored transcript as the bytes the test logged:',
    "                             every entry in file order, or one test's (its full name)",
    '                             --list     print the names of the stored tests instead',
    '  list [--groups] [-g GROUP] [-x GROUP] [path...]',
    '                             the test files under the paths (default: here) and their',
    '                             @group docblock groups; -g/-x select like IOTESTS_GROUPS and',
    "                             IOTESTS_EXCLUDE_GROUPS; --groups lists each group's files",
    ...TYPES_USAGE,
    '  help                       show this help',
    '',
    'Tests run with Jest: npx jest --preset qemu-iotests',
    '',
    'Environment variables (also accepted in Jest testEnvironmentOptions; the environment wins):',
    ...variables,
    '',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and the script); resolves to the exit status. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) return usageError(io, 'missing command');
  if (command === 'help' || command === '--help' || command === '-h') {
    io.stdout(usage());
    return EXIT_OK;
  }
  if (command === 'transcript') return runTranscript(io, rest);
  if (command === 'list') return runList(io, rest);
  if (command === 'types') return runTypesCommand(io, rest);
  if (command !== 'info') return usageError(io, `unknown command ${JSON.stringify(command)}`);

  const flags = new Set<string>();
  for (const arg of rest) {
    if (arg === '--help' || arg === '-h') {
      io.stdout(usage());
      return EXIT_OK;
    }
    if (arg !== '--json' && arg !== '--refresh') {
      return usageError(io, `unknown option ${JSON.stringify(arg)} for info`);
    }
    flags.add(arg);
  }
  try {
    await runInfo(io, { json: flags.has('--json'), refresh: flags.has('--refresh') });
    return EXIT_OK;
  } catch (error: unknown) {
    return reportFailure(io, error);
  }
}

function runTranscript(io: CliIo, argv: readonly string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error: unknown) {
    return usageError(io, error instanceof Error ? error.message : String(error));
  }
  if (parsed.values.help === true) {
    io.stdout(usage());
    return EXIT_OK;
  }
  const [snapFile, name, ...extra] = parsed.positionals;
  if (snapFile === undefined) return usageError(io, 'transcript needs a .snap file');
  if (extra.length > 0) {
    return usageError(io, `transcript takes one test name; unexpected ${JSON.stringify(extra[0])}`);
  }
  try {
    const entries = readStoredEntries(path.resolve(io.cwd, snapFile));
    if (parsed.values.list === true) {
      const names = [...new Set(entries.map((entry) => entry.testName))];
      io.stdout(names.map((testName) => `${testName}\n`).join(''));
    } else {
      io.stdout(storedTranscript(entries, name));
    }
    return EXIT_OK;
  } catch (error: unknown) {
    if (error instanceof TranscriptCommandError) {
      io.stderr(`${PROGRAM}: ${error.message}\n`);
      return EXIT_FAILURE;
    }
    return reportFailure(io, error);
  }
}

function runList(io: CliIo, argv: readonly string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        groups: { type: 'boolean' },
        group: { type: 'string', short: 'g', multiple: true },
        exclude: { type: 'string', short: 'x', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error: unknown) {
    return usageError(io, error instanceof Error ? error.message : String(error));
  }
  if (parsed.values.help === true) {
    io.stdout(usage());
    return EXIT_OK;
  }
  try {
    const roots = parsed.positionals.length > 0 ? parsed.positionals : ['.'];
    const files = findTestFiles(roots.map((root) => path.resolve(io.cwd, root)));
    const selection = listSelection(parsed.values.group ?? [], parsed.values.exclude ?? [], io.env);
    io.stdout(
      formatListing(files, selection, {
        byGroup: parsed.values.groups === true,
        relativeTo: io.cwd,
      }),
    );
    return EXIT_OK;
  } catch (error: unknown) {
    io.stderr(`${PROGRAM}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

async function runTypesCommand(io: CliIo, argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(usage());
    return EXIT_OK;
  }
  try {
    await runTypes(io, argv);
    return EXIT_OK;
  } catch (error: unknown) {
    if (error instanceof TypesUsageError) return usageError(io, `types: ${error.message}`);
    if (error instanceof TypesCommandError) {
      io.stderr(`${PROGRAM}: ${error.message}\n`);
      return EXIT_FAILURE;
    }
    return reportFailure(io, error);
  }
}

async function runInfo(io: CliIo, opts: { json: boolean; refresh: boolean }): Promise<void> {
  const config = resolveConfig({ env: io.env, cwd: io.cwd });
  exportQemuModuleDir(config.qemuRelease);
  const capabilities = await probeCapabilities(config, {
    refresh: opts.refresh,
    ...(io.cacheDir === undefined ? {} : { cacheDir: io.cacheDir }),
  });
  validateAgainstCapabilities(config, capabilities);
  io.stdout(opts.json ? infoJson(config, capabilities) : `${formatHeader(config, capabilities)}\n`);
}

function infoJson(config: IotestsConfig, capabilities: Capabilities): string {
  const iotestsPy = iotestsPyLevel(capabilities.qemuVersion);
  return `${JSON.stringify({ config, capabilities, iotestsPy }, null, 2)}\n`;
}

function usageError(io: CliIo, problem: string): number {
  io.stderr(`${PROGRAM}: ${problem}\n\n${usage()}`);
  return EXIT_USAGE;
}

// Known failures are the user's to fix and get one line; anything else is a bug and keeps its stack.
function reportFailure(io: CliIo, error: unknown): number {
  if (
    error instanceof ConfigError ||
    error instanceof CapabilityProbeError ||
    error instanceof SchemaFetchError ||
    error instanceof SchemaShapeError ||
    error instanceof QapiSourceError
  ) {
    io.stderr(`${PROGRAM}: ${error.message}\n`);
  } else {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr(`${PROGRAM}: internal error: ${detail}\n`);
  }
  return EXIT_FAILURE;
}
