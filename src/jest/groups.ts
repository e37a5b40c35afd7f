// Groups, as QEMU's `check -g`/`-x` select them: a test file names its groups in its docblock
// (`@group rw quick`, the `# group:` line of a QEMU iotest) and a run picks groups to run
// (IOTESTS_GROUPS) or to leave out (IOTESTS_EXCLUDE_GROUPS). A file outside the selection is
// skipped with the reason, like an unmet requirement: it keeps its snapshots and shows in "Not run:".

/** The groups a run selects: a file runs when it is in one of `include` (if any) and in none of `exclude`. */
export interface GroupSelection {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

const GROUP_NAME = /^[A-Za-z0-9_.+-]+$/;

/** The words of a docblock pragma or a setting: separated by spaces or commas. */
export function groupWords(value: string | readonly string[] | undefined): string[] {
  const text = typeof value === 'string' ? value : (value ?? []).join(' ');
  return text.split(/[\s,]+/).filter((word) => word !== '');
}

/**
 * The selection from the environment (which wins) or `testEnvironmentOptions`; throws an Error
 * naming the variable for a value that is not a list of group names.
 */
export function groupSelectionFor(
  options: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): GroupSelection {
  return {
    include: readGroups('IOTESTS_GROUPS', options, env),
    exclude: readGroups('IOTESTS_EXCLUDE_GROUPS', options, env),
  };
}

function readGroups(
  variable: string,
  options: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): string[] {
  const value: unknown = env[variable] ?? options[variable];
  if (value === undefined) return [];
  const words =
    typeof value === 'string'
      ? groupWords(value)
      : Array.isArray(value) && value.every((item) => typeof item === 'string')
        ? groupWords(value)
        : undefined;
  const bad = words?.find((word) => !GROUP_NAME.test(word));
  if (words === undefined || bad !== undefined) {
    throw new Error(
      `${variable}=${JSON.stringify(value)}: not a list of group names ` +
        '(letters, digits, "_", ".", "+", "-"; separated by spaces or commas)',
    );
  }
  return words;
}

/** Why a file with `groups` is left out of the run, or undefined when it runs. */
export function deselectionReason(
  groups: readonly string[],
  selection: GroupSelection,
): string | undefined {
  const excluded = groups.filter((group) => selection.exclude.includes(group));
  if (excluded.length > 0) return `in excluded group ${excluded.join(', ')}`;
  if (selection.include.length > 0 && !groups.some((group) => selection.include.includes(group))) {
    const which = selection.include.length === 1 ? 'group' : 'groups';
    return `not in ${which} ${selection.include.join(', ')}`;
  }
  return undefined;
}

/** The `@group` pragma of a file's docblock (Jest's parse: `docblockPragmas`). */
export function groupsOfPragmas(pragmas: Record<string, string | string[]>): string[] {
  return groupWords(pragmas.group);
}
