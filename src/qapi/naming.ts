// TypeScript names for the binary's types: the source's name when the match found one, the
// binary's own name when it is not masked, else a name after the first command, event or member
// that uses the type (`QueryBlockResultItem`, `BlockJobCompletedEventData`, …), made unique.
import type { IntrospectedEntry } from './introspection';
import type { SourceMatch } from './match-source';

/** Names the generated module declares itself. */
export const RESERVED_NAMES: readonly string[] = [
  'JsonValue',
  'QmpCommands',
  'QmpEvents',
  'QemuVersion',
  'SchemaDigest',
];

const MASKED = /^\d+$/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `query-block` -> `QueryBlock`, `BLOCK_JOB_COMPLETED` -> `BlockJobCompleted`. */
export function pascalCase(name: string): string {
  const lower = name === name.toUpperCase() ? name.toLowerCase() : name;
  const words = lower.split(/[-_.]+/).filter((word) => word !== '');
  const joined = words.map((word) => word[0]?.toUpperCase() + word.slice(1)).join('');
  return /^[A-Za-z_]/.test(joined) ? joined : `_${joined}`;
}

/** Whether a type of the binary's schema is declared under a name (not spelled inline). */
export function isNamedKind(entry: IntrospectedEntry | undefined): boolean {
  if (entry === undefined) return false;
  if (entry.metaType === 'object') return entry.members.length > 0 || entry.variants.length > 0;
  return entry.metaType === 'enum' || entry.metaType === 'alternate';
}

/** Masked type name -> TypeScript name, for every type that gets a declaration. */
export function assignNames(
  entries: readonly IntrospectedEntry[],
  match: SourceMatch | undefined,
): Map<string, string> {
  const byName = new Map(entries.map((entry) => [entry.name, entry]));
  const names = new Map<string, string>();
  const used = new Set(RESERVED_NAMES);
  const take = (typeName: string, wanted: string): void => {
    let candidate = wanted;
    for (let n = 2; used.has(candidate); n += 1) candidate = `${wanted}${n}`;
    used.add(candidate);
    names.set(typeName, candidate);
  };
  for (const entry of entries) {
    if (!isNamedKind(entry)) continue;
    const known =
      match?.typeNames.get(entry.name) ?? (MASKED.test(entry.name) ? undefined : entry.name);
    if (known !== undefined) take(entry.name, IDENTIFIER.test(known) ? known : pascalCase(known));
  }
  // Derived names, in schema order, from the outermost use down.
  const visit = (typeName: string, hint: string): void => {
    const entry = byName.get(typeName);
    if (entry?.metaType === 'array') {
      visit(entry.elementType, `${hint}Item`);
      return;
    }
    if (!isNamedKind(entry) || entry === undefined) return;
    const first = !names.has(typeName);
    if (first) take(typeName, hint);
    else if (visited.has(typeName)) return;
    visited.add(typeName);
    const owner = names.get(typeName) ?? hint;
    if (entry.metaType === 'object') {
      for (const member of entry.members) visit(member.type, `${owner}${pascalCase(member.name)}`);
      for (const variant of entry.variants)
        visit(variant.type, `${owner}${pascalCase(variant.case)}`);
    } else if (entry.metaType === 'alternate') {
      entry.members.forEach((member, index) => visit(member, `${owner}Alternative${index + 1}`));
    }
  };
  const visited = new Set<string>();
  for (const entry of entries) {
    if (entry.metaType === 'command') {
      visit(entry.argType, `${pascalCase(entry.name)}Arguments`);
      visit(entry.retType, `${pascalCase(entry.name)}Result`);
    } else if (entry.metaType === 'event') {
      visit(entry.argType, `${pascalCase(entry.name)}EventData`);
    }
  }
  // Types no command or event reaches (none in QEMU's schemas, but a schema may have them).
  for (const entry of entries) {
    if (isNamedKind(entry) && !names.has(entry.name))
      take(entry.name, `Type${pascalCase(entry.name)}`);
  }
  return names;
}
