// Where the QAPI source of a binary is, when it is at hand: given explicitly, or found from a QEMU
// build tree (meson records its source directory; a build directory inside the source is common).
import fs from 'node:fs';
import path from 'node:path';

/** The directory holding qapi-schema.json for `binary`, or undefined. */
export function findQapiDir(binary: string, explicit?: string): string | undefined {
  if (explicit !== undefined && explicit !== '') return path.resolve(explicit);
  const binDir = path.dirname(path.resolve(binary));
  const candidates = [mesonSourceDir(binDir), path.join(binDir, '..')]
    .filter((dir): dir is string => dir !== undefined)
    .map((dir) => path.join(dir, 'qapi'));
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'qapi-schema.json')));
}

function mesonSourceDir(buildDir: string): string | undefined {
  try {
    const info: unknown = JSON.parse(
      fs.readFileSync(path.join(buildDir, 'meson-info', 'meson-info.json'), 'utf8'),
    );
    if (typeof info !== 'object' || info === null || !('directories' in info)) return undefined;
    const { directories } = info;
    if (typeof directories !== 'object' || directories === null || !('source' in directories)) {
      return undefined;
    }
    return typeof directories.source === 'string' ? directories.source : undefined;
  } catch {
    return undefined;
  }
}

/** What the generated types depend on in a QAPI directory: each schema file's size and mtime. */
export function qapiDirStamp(qapiDir: string): Array<[string, number, number]> {
  return fs
    .readdirSync(qapiDir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const stat = fs.statSync(path.join(qapiDir, name));
      return [name, stat.size, stat.mtimeMs];
    });
}
