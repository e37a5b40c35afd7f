// Cache files under the shared temp dir (capabilities, generated QMP types): only a directory this
// user owns is trusted, and a file is written whole (temp file + rename) so that parallel Jest
// workers never read half of one.
import fs from 'node:fs/promises';
import path from 'node:path';

/** Whether `dir` is a real directory (not a link) owned by this user. */
export async function isPrivateDir(dir: string): Promise<boolean> {
  try {
    const stat = await fs.lstat(dir);
    if (!stat.isDirectory()) return false;
    return typeof process.getuid !== 'function' || stat.uid === process.getuid();
  } catch {
    return false;
  }
}

/** Reads `dir/name`; undefined when the directory is not private or the file is missing. */
export async function readPrivateFile(dir: string, name: string): Promise<string | undefined> {
  if (!(await isPrivateDir(dir))) return undefined;
  try {
    return await fs.readFile(path.join(dir, name), 'utf8');
  } catch {
    return undefined;
  }
}

/** Reads and parses the JSON file `dir/name`; undefined when missing, foreign or damaged. */
export async function readPrivateJson(dir: string, name: string): Promise<unknown> {
  const text = await readPrivateFile(dir, name);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Writes `dir/name` whole, creating `dir` (0700); false when it could not (never throws). */
export async function writePrivateFile(dir: string, name: string, text: string): Promise<boolean> {
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    if (!(await isPrivateDir(dir))) return false;
    await writeWhole(path.join(dir, name), text, 0o600);
    return true;
  } catch {
    return false;
  }
}

/** Writes `file` through a temp file and a rename (which also never writes through a hard link). */
export async function writeWhole(file: string, text: string, mode = 0o644): Promise<void> {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fs.writeFile(temp, text, { mode });
    await fs.rename(temp, file);
  } catch (error: unknown) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}
