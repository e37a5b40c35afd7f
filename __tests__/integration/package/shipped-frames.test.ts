// Stack frames inside the package point at files the package ships: every source a shipped source
// map names (tsc's per-file maps and the registry bundle's) is in `npm pack`'s file list, so a
// frame such as `node_modules/qemu-iotests/src/iotests/vm.ts:143` opens in a user's editor.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { beforeAll, expect, test } from '@jest/globals';

const ROOT = path.resolve(__dirname, '../../..');

let packed: Set<string>;

beforeAll(() => {
  const setup = spawnSync(process.execPath, [path.join(ROOT, 'scripts/setup.js'), '--quiet'], {
    encoding: 'utf8',
  });
  if (setup.status !== 0) throw new Error(`setup failed: ${setup.stdout}${setup.stderr}`);
  const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
  const [result] = JSON.parse(pack.stdout) as Array<{ files: Array<{ path: string }> }>;
  packed = new Set(result.files.map((file) => file.path));
}, 120_000);

test('every source of every shipped source map is shipped', () => {
  const maps = [...packed].filter((file) => file.endsWith('.js.map'));
  expect(maps.length).toBeGreaterThan(50);
  const missing: string[] = [];
  for (const map of maps) {
    const { sources, sourceRoot } = JSON.parse(fs.readFileSync(path.join(ROOT, map), 'utf8')) as {
      sources: string[];
      sourceRoot?: string;
    };
    for (const source of sources) {
      const shipped = path.posix.normalize(
        path.posix.join(path.posix.dirname(map), sourceRoot ?? '', source),
      );
      if (!packed.has(shipped)) missing.push(`${map} -> ${shipped}`);
    }
  }
  expect(missing).toEqual([]);
});
