// Recovers what query-qmp-schema masks: walks the binary's schema and the QAPI source side by side,
// from each command and event by name down through members, branches, list elements and
// alternatives, and pairs each masked type with the source's. A pairing is only taken when the
// binary's members (or enum values) all exist in the source type, so a source from another
// release can cost names and docs but never put a wrong one on a type.
import type { IntrospectedEntry } from './introspection';
import type { QapiDoc } from './qapi-doc';
import type { SourceModel, SourceRef, SourceStruct, SourceType } from './source-model';

export interface SourceMatch {
  /** Masked type name -> the source's type name (implicit inline types have none). */
  typeNames: Map<string, string>;
  /** Masked type name -> the doc block of its type (or of the command/event owning it). */
  typeDocs: Map<string, QapiDoc>;
  /** Masked object type name -> the source struct (member docs, base docs). */
  structs: Map<string, SourceStruct>;
  /** Masked object type name -> member name -> the member's type as the source writes it. */
  memberRefs: Map<string, Map<string, SourceRef>>;
  /** Masked alternate type name -> its alternatives as the source writes them, in order. */
  alternateRefs: Map<string, SourceRef[]>;
  /** Command name -> its return type as the source writes it. */
  returnRefs: Map<string, SourceRef>;
}

/** Pairs the binary's schema with the source model (see the file comment). */
export function matchSource(
  entries: readonly IntrospectedEntry[],
  model: SourceModel,
): SourceMatch {
  return new Matcher(entries, model).run();
}

class Matcher {
  private readonly byName: Map<string, IntrospectedEntry>;
  private readonly result: SourceMatch = {
    typeNames: new Map(),
    typeDocs: new Map(),
    structs: new Map(),
    memberRefs: new Map(),
    alternateRefs: new Map(),
    returnRefs: new Map(),
  };
  private readonly visited = new Set<string>();

  constructor(
    private readonly entries: readonly IntrospectedEntry[],
    private readonly model: SourceModel,
  ) {
    this.byName = new Map(entries.map((entry) => [entry.name, entry]));
  }

  run(): SourceMatch {
    for (const entry of this.entries) {
      if (entry.metaType === 'command') {
        const source = this.model.commands.get(entry.name);
        if (source === undefined) continue;
        if (source.data !== undefined) this.pair(entry.argType, source.data);
        if (source.returns !== undefined) {
          this.result.returnRefs.set(entry.name, source.returns);
          this.pair(entry.retType, source.returns);
        }
      } else if (entry.metaType === 'event') {
        const source = this.model.events.get(entry.name);
        if (source?.data !== undefined) this.pair(entry.argType, source.data);
      }
    }
    return this.result;
  }

  private pair(typeName: string, ref: SourceRef): void {
    const entry = this.byName.get(typeName);
    if (entry === undefined || entry.metaType === 'builtin') return;
    if (entry.metaType === 'array') {
      if (ref.kind === 'list') this.pair(entry.elementType, ref.element);
      return;
    }
    if (ref.kind === 'list') return;
    const source: SourceType | undefined =
      ref.kind === 'inline'
        ? { meta: 'struct', struct: ref.struct }
        : this.model.types.get(ref.name);
    if (source === undefined || this.visited.has(typeName)) return;
    if (entry.metaType === 'enum' && source.meta === 'enum') {
      if (!entry.values.every((value) => source.values.includes(value))) return;
      this.claim(typeName, source.name, source.doc);
    } else if (entry.metaType === 'alternate' && source.meta === 'alternate') {
      if (entry.members.length !== source.members.length) return;
      this.claim(typeName, source.name, source.doc);
      this.result.alternateRefs.set(
        typeName,
        source.members.map((member) => member.type),
      );
      entry.members.forEach((member, index) => {
        const alternative = source.members[index];
        if (alternative !== undefined) this.pair(member, alternative.type);
      });
    } else if (entry.metaType === 'object' && source.meta === 'struct') {
      this.pairObject(typeName, entry, source.struct);
    }
  }

  private pairObject(
    typeName: string,
    entry: Extract<IntrospectedEntry, { metaType: 'object' }>,
    struct: SourceStruct,
  ): void {
    const members = new Map(this.flatMembers(struct).map((member) => [member.name, member.type]));
    if (!entry.members.every((member) => members.has(member.name))) return;
    if (
      !entry.variants.every(
        (variant) => struct.branches.has(variant.case) || isEmpty(this.byName.get(variant.type)),
      )
    ) {
      return;
    }
    this.claim(typeName, struct.name, struct.doc);
    this.result.structs.set(typeName, struct);
    const refs = new Map<string, SourceRef>();
    for (const member of entry.members) {
      const ref = members.get(member.name);
      if (ref === undefined) continue;
      refs.set(member.name, ref);
      this.pair(member.type, ref);
    }
    this.result.memberRefs.set(typeName, refs);
    for (const variant of entry.variants) {
      const branch = struct.branches.get(variant.case);
      if (branch !== undefined) this.pair(variant.type, branch);
    }
  }

  private claim(typeName: string, sourceName: string | undefined, doc: QapiDoc | undefined): void {
    this.visited.add(typeName);
    if (sourceName !== undefined) this.result.typeNames.set(typeName, sourceName);
    if (doc !== undefined) this.result.typeDocs.set(typeName, doc);
  }

  /** A struct's members with its bases' (introspection lists them flattened too). */
  private flatMembers(struct: SourceStruct, depth = 0): SourceStruct['members'] {
    const base = struct.base === undefined || depth > 16 ? undefined : this.baseStruct(struct.base);
    return [...(base === undefined ? [] : this.flatMembers(base, depth + 1)), ...struct.members];
  }

  private baseStruct(ref: SourceRef): SourceStruct | undefined {
    return structOf(ref, this.model);
  }
}

/** The struct a base or branch reference names (or spells inline). */
export function structOf(ref: SourceRef, model: SourceModel): SourceStruct | undefined {
  if (ref.kind === 'inline') return ref.struct;
  if (ref.kind !== 'name') return undefined;
  const type = model.types.get(ref.name);
  return type?.meta === 'struct' ? type.struct : undefined;
}

function isEmpty(entry: IntrospectedEntry | undefined): boolean {
  return entry?.metaType === 'object' && entry.members.length === 0 && entry.variants.length === 0;
}

/** The doc of a member of `struct`: its own doc block, else its base's (recursively). */
export function memberDoc(
  struct: SourceStruct,
  member: string,
  model: SourceModel,
  depth = 0,
): string | undefined {
  const own = struct.doc?.members.get(member);
  if (own !== undefined || struct.base === undefined || depth > 16) return own;
  const base = structOf(struct.base, model);
  return base === undefined ? undefined : memberDoc(base, member, model, depth + 1);
}
