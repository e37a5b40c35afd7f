// `qemu-iotests list`: the test files under some directories with the groups their docblocks
// declare (`@group rw quick`), filtered like a run (-g/-x, or IOTESTS_GROUPS and
// IOTESTS_EXCLUDE_GROUPS), or with --groups every group with its files: `check -n` and
// `check -g` without running anything.
import fs from 'node:fs';
import path from 'node:path';

import {
  deselectionReason,
  groupSelectionFor,
  groupWords,
  type GroupSelection,
} from '../jest/groups';

/** What Jest takes for a test file under the preset (its default testMatch, plus *.iotest.*). */
const TEST_FILE = /(\.(test|spec|iotest)\.[cm]?[jt]sx?$)/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git']);

/** One test file and its groups. */
export interface ListedFile {
  readonly file: string;
  readonly groups: string[];
}

/** The groups in the docblock that opens `source` (the comment Jest reads its pragmas from). */
export function docblockGroups(source: string): string[] {
  const docblock = /^(?:#![^\n]*\n)?\s*(\/\*\*?[\s\S]*?\*\/)/.exec(source)?.[1];
  if (docblock === undefined) return [];
  return [...docblock.matchAll(/@group\b([^\n@]*)/g)].flatMap((match) =>
    groupWords((match[1] ?? '').replace(/\*\/\s*$/, '')),
  );
}

/** The test files under `roots` (sorted), with their groups. */
export function findTestFiles(roots: readonly string[]): ListedFile[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(full);
      } else if (TEST_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        files.push(full);
      }
    }
  };
  for (const root of roots) {
    if (fs.statSync(root).isDirectory()) walk(root);
    else files.push(root);
  }
  return files
    .sort()
    .map((file) => ({ file, groups: docblockGroups(fs.readFileSync(file, 'utf8')) }));
}

/** The listing: `file  group group` per selected file, or with byGroup each group and its files. */
export function formatListing(
  files: readonly ListedFile[],
  selection: GroupSelection,
  options: { byGroup: boolean; relativeTo: string },
): string {
  const selected = files.filter(
    (entry) => deselectionReason(entry.groups, selection) === undefined,
  );
  const name = (file: string): string => path.relative(options.relativeTo, file) || file;
  if (!options.byGroup) {
    return selected.map((entry) => `${[name(entry.file), ...entry.groups].join(' ')}\n`).join('');
  }
  const byGroup = new Map<string, string[]>();
  for (const entry of selected) {
    for (const group of entry.groups.length > 0 ? entry.groups : ['(no group)']) {
      byGroup.set(group, [...(byGroup.get(group) ?? []), name(entry.file)]);
    }
  }
  return [...byGroup.keys()]
    .sort()
    .map((group) => `${group}: ${(byGroup.get(group) ?? []).join(' ')}\n`)
    .join('');
}

/** The selection of `list`: -g/-x given on its command line, else the environment's. */
export function listSelection(
  include: readonly string[],
  exclude: readonly string[],
  env: NodeJS.ProcessEnv,
): GroupSelection {
  const fromEnv = groupSelectionFor({}, env);
  return {
    include: include.length > 0 ? include.flatMap((value) => groupWords(value)) : fromEnv.include,
    exclude: exclude.length > 0 ? exclude.flatMap((value) => groupWords(value)) : fromEnv.exclude,
  };
}
