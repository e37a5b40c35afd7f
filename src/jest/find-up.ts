import fs from 'node:fs';
import path from 'node:path';

/** The nearest `name` in `start` or a directory above it. */
export function findUp(start: string, name: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}
