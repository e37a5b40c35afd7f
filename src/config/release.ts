// QEMU_RELEASE: run a QEMU release that setup installed beside the system's (scripts/qemu-release.js
// writes <QEMU_RELEASES_DIR>/<release>/{root,modules,installed.json}); `system` or unset means the
// binaries on PATH. Read from disk, so validated here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ConfigError } from './errors';
import table from './qemu-releases.json';
import type { SettingsReader } from './settings';
import type { ConfigSource, InstalledQemuRelease } from './types';

/** The releases setup knows how to install. */
export const INSTALLABLE_RELEASES: readonly string[] = Object.keys(table.releases);

/** Where setup installs releases: QEMU_RELEASES_DIR, else the user's cache directory. */
export function releasesDir(env: ConfigSource): string {
  const chosen = env.QEMU_RELEASES_DIR;
  if (chosen !== undefined && chosen !== '') return path.resolve(chosen);
  const cache = env.XDG_CACHE_HOME;
  return path.join(
    cache !== undefined && cache !== '' ? cache : path.join(os.homedir(), '.cache'),
    table.cacheSubdir,
  );
}

/** The installed release QEMU_RELEASE names, or undefined for the system's QEMU. */
export function resolveQemuRelease(
  reader: SettingsReader,
  env: ConfigSource,
): InstalledQemuRelease | undefined {
  const setting = reader.get('QEMU_RELEASE', ['qemuRelease']);
  if (setting.value === undefined || setting.value === 'system') return undefined;
  const where = { variable: setting.name, value: setting.value, origin: setting.origin };
  if (!INSTALLABLE_RELEASES.includes(setting.value)) {
    throw new ConfigError({
      ...where,
      problem: 'not a QEMU release setup installs',
      hint: `accepted: system, ${INSTALLABLE_RELEASES.join(', ')} (or point QEMU_BUILD_DIR at a build)`,
    });
  }
  const prefix = path.join(releasesDir(env), setting.value);
  const manifest = path.join(prefix, 'installed.json');
  if (!fs.existsSync(manifest)) {
    throw new ConfigError({
      ...where,
      problem: `not installed (no ${manifest})`,
      hint: `install it with: npm run setup -- --qemu ${setting.value} (in a qemu-iotests checkout)`,
    });
  }
  return {
    name: setting.value,
    prefix,
    binDir: path.join(prefix, 'root', 'usr', 'bin'),
    moduleDir: path.join(prefix, 'modules'),
  };
}

/**
 * Points QEMU at the release's own modules (QEMU otherwise loads the system's, built for another
 * release, and aborts). Set in this process's environment, which every QEMU process, Jest worker
 * and tool inherits; a QEMU_MODULE_DIR the user set is kept.
 */
export function exportQemuModuleDir(release: InstalledQemuRelease | undefined): void {
  if (release === undefined) return;
  const current = process.env.QEMU_MODULE_DIR;
  if (current === undefined || current === '') process.env.QEMU_MODULE_DIR = release.moduleDir;
}
