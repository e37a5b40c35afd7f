// `qemu-iotests types`: the QMP types of the configured QEMU, installed where the package's types
// read them, or written to a file of the user's choosing.
import path from 'node:path';
import { parseArgs } from 'node:util';

import { exportQemuModuleDir, resolveConfig, type ConfigSource } from '../config';
import { augmentingModule, packageSlotFile, writeIfChanged } from '../qapi/install';
import { countDeclared, qmpTypesFor } from '../qapi/provide';

export interface TypesCommandIo {
  stdout: (text: string) => void;
  env: ConfigSource;
  cwd: string;
  /** Generated-types cache location (tests point it at a temp dir). */
  typesCacheDir?: string | undefined;
  /** The package slot to install into (tests); default: the package's own. */
  typesSlot?: string | undefined;
}

/** A usage mistake, reported with the usage text. */
export class TypesUsageError extends Error {
  override name = 'TypesUsageError';
}

/** A failure the user can fix (nowhere to install), reported in one line. */
export class TypesCommandError extends Error {
  override name = 'TypesCommandError';
}

export const TYPES_USAGE = [
  '  types [--out FILE] [--plain] [--qapi DIR] [--refresh]',
  '                             generate the QMP types of the configured QEMU (cached per binary)',
  "                             and install them where the package's types read them",
  '                             --out FILE  write them to FILE instead, a module that makes them',
  "                                         the package's types where it is compiled ('-': stdout)",
  '                             --plain     with --out: the module alone, without that augmentation',
  "                             --qapi DIR  the QEMU source's qapi/ directory (type names, docs)",
  '                             --refresh   generate again instead of using the cache',
];

/** Runs the command; resolves when done, throws TypesUsageError or TypesCommandError. */
export async function runTypes(io: TypesCommandIo, argv: readonly string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        out: { type: 'string' },
        plain: { type: 'boolean' },
        qapi: { type: 'string' },
        refresh: { type: 'boolean' },
      },
    }));
  } catch (error: unknown) {
    throw new TypesUsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.plain === true && values.out === undefined) {
    throw new TypesUsageError('--plain needs --out');
  }
  const config = resolveConfig({ env: io.env, cwd: io.cwd });
  // A release setup installed needs its own modules, as for `info`.
  exportQemuModuleDir(config.qemuRelease);
  const types = await qmpTypesFor({
    binary: config.binaries.qemu,
    qapiDir: values.qapi === undefined ? undefined : path.resolve(io.cwd, values.qapi),
    cacheDir: io.typesCacheDir,
    refresh: values.refresh,
  });
  const { commands, events } = countDeclared(types.text);
  const what =
    `QEMU ${types.version}: ${commands} commands, ${events} events` +
    ` (${types.origin}, ${types.elapsedMs} ms` +
    `${types.origin === 'generated' && types.qapiDir === undefined ? ', no QAPI source: pass --qapi for names and docs' : ''})`;
  if (values.out === '-') {
    io.stdout(values.plain === true ? types.text : augmentingModule(types.text));
    return;
  }
  if (values.out !== undefined) {
    const file = path.resolve(io.cwd, values.out);
    await writeIfChanged(file, values.plain === true ? types.text : augmentingModule(types.text));
    io.stdout(`${what}\nwrote ${file}\n`);
    return;
  }
  const slot = io.typesSlot ?? packageSlotFile(path.join(__dirname, '../qapi'));
  if (slot === undefined) {
    throw new TypesCommandError(
      'this copy of qemu-iotests runs from its sources and has no compiled types to replace: use --out FILE',
    );
  }
  await writeIfChanged(slot, types.text);
  io.stdout(`${what}\ninstalled ${slot}\n`);
}
