// The QMP types the package ships, one module per QEMU release CI tests (generated/qemu-<release>),
// so that the editor has types before the first run. A binary whose schema has a shipped module's
// digest gets that module (with the source's names and docs) even when its own source is not at hand.
import fs from 'node:fs';
import path from 'node:path';

/** Releases with a module in generated/ (current.ts names the one the package's types use). */
export const SHIPPED_RELEASES = ['7.2', '10.0'] as const;
export type ShippedRelease = (typeof SHIPPED_RELEASES)[number];

/** The source (.ts, in the repository) or compiled (.d.ts, in the package) shipped module. */
export function shippedModuleFile(
  release: ShippedRelease,
  dir = path.join(__dirname, 'generated'),
): string {
  const compiled = path.join(dir, `qemu-${release}.d.ts`);
  return fs.existsSync(compiled) ? compiled : path.join(dir, `qemu-${release}.ts`);
}

const DIGEST = /^export type SchemaDigest = '([0-9a-f]+)';$/m;
const VERSION = /^export type QemuVersion = '(?:[^'\\]|\\.)*';$/m;

/** A shipped module's text for a schema digest, its QemuVersion set to `version`. */
export function shippedTypesFor(digest: string, version: string): string | undefined {
  for (const release of SHIPPED_RELEASES) {
    let text: string;
    try {
      text = fs.readFileSync(shippedModuleFile(release), 'utf8');
    } catch {
      continue;
    }
    if (DIGEST.exec(text)?.[1] === digest) {
      const quoted = `'${version.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
      return text.replace(VERSION, `export type QemuVersion = ${quoted};`);
    }
  }
  return undefined;
}
