// Where generated types go so that a project's TypeScript (and its editor) uses them:
// - the package's own slot, dist/src/qapi/current.d.ts, which the package's types read: no
//   configuration at all (global setup and `qemu-iotests types` rewrite it, whole, by rename);
// - or a file of the user's choosing (`qemu-iotests types --out`), a module that augments the
//   package's QmpSchemaSelection, for installs that cannot be written to or to commit the types.
import fs from 'node:fs';
import path from 'node:path';

import { writeWhole } from '../config/private-files';

/** The package's slot, or undefined when running from the sources (no compiled slot to replace). */
export function packageSlotFile(dir = __dirname): string | undefined {
  const slot = path.join(dir, 'current.d.ts');
  return fs.existsSync(slot) ? slot : undefined;
}

/** Writes `text` to `file` unless it already holds it (an unchanged file keeps editors quiet). */
export async function writeIfChanged(file: string, text: string): Promise<boolean> {
  try {
    if (fs.readFileSync(file, 'utf8') === text) return false;
  } catch {
    // Missing: written below.
  }
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  await writeWhole(file, text);
  return true;
}

/** The module text plus the augmentation that makes the package's QMP types these. */
export function augmentingModule(text: string): string {
  return [
    text.trimEnd(),
    '',
    '// Makes these the QMP types of qemu-iotests wherever this file is part of the program.',
    "declare module 'qemu-iotests' {",
    '  interface QmpSchemaSelection {',
    '    schema: { commands: QmpCommands; events: QmpEvents };',
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * Global setup's step: the types of `binary` into the package's slot. Never fails the run: the
 * tests do not need the types, so a problem comes back as a one-line reason to print.
 */
export async function installPackageTypes(binary: string): Promise<string | undefined> {
  const slot = packageSlotFile();
  if (slot === undefined) return undefined;
  try {
    // Loaded here: a run whose types are cached reads one file and starts no QEMU.
    const { qmpTypesFor } = await import('./provide');
    await writeIfChanged(slot, (await qmpTypesFor({ binary })).text);
    return undefined;
  } catch (error: unknown) {
    return error instanceof Error ? error.message.split('\n')[0] : String(error);
  }
}
