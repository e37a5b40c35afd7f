// The QAPI source as the generator reads it: each definition's members, base, branches and doc,
// with QAPI's shorthands ('*name' for optional, ['T'] for lists, inline objects) spelled out.
import { parseQapiDoc, type QapiDoc } from './qapi-doc';
import type { QapiDefinition, QapiValue } from './qapi-source';

/** A type as the source writes it at a use site. */
export type SourceRef =
  | { kind: 'name'; name: string }
  | { kind: 'list'; element: SourceRef }
  | { kind: 'inline'; struct: SourceStruct };

export interface SourceMember {
  name: string;
  type: SourceRef;
}

/** A struct, union or implicit (inline) object type; alternates keep their members in order. */
export interface SourceStruct {
  name: string | undefined;
  doc: QapiDoc | undefined;
  members: SourceMember[];
  base: SourceRef | undefined;
  branches: Map<string, SourceRef>;
}

export type SourceType =
  | { meta: 'struct'; struct: SourceStruct }
  | { meta: 'enum'; name: string; doc: QapiDoc | undefined; values: string[] }
  | { meta: 'alternate'; name: string; doc: QapiDoc | undefined; members: SourceMember[] };

export interface SourceEntity {
  name: string;
  doc: QapiDoc | undefined;
  data: SourceRef | undefined;
  returns: SourceRef | undefined;
}

export interface SourceModel {
  types: Map<string, SourceType>;
  commands: Map<string, SourceEntity>;
  events: Map<string, SourceEntity>;
}

/** Builds the model from parsed definitions; definitions of unknown kinds are skipped. */
export function buildSourceModel(definitions: readonly QapiDefinition[]): SourceModel {
  const model: SourceModel = { types: new Map(), commands: new Map(), events: new Map() };
  for (const { expr, doc: lines } of definitions) {
    const doc = lines === undefined ? undefined : parseQapiDoc(lines);
    const data = expr.data;
    const structName = typeof expr.struct === 'string' ? expr.struct : undefined;
    const unionName = typeof expr.union === 'string' ? expr.union : undefined;
    const entityName = typeof expr.command === 'string' ? expr.command : expr.event;
    if (structName !== undefined || unionName !== undefined) {
      const name = structName ?? unionName ?? '';
      const union = unionName !== undefined;
      const struct: SourceStruct = {
        name,
        doc,
        members: union ? [] : membersOf(data, doc),
        base: expr.base === undefined ? undefined : refOf(expr.base, doc),
        branches: new Map(
          union ? membersOf(data, doc).map((member) => [member.name, member.type]) : [],
        ),
      };
      model.types.set(name, { meta: 'struct', struct });
    } else if (typeof expr.enum === 'string') {
      const values = Array.isArray(data) ? data.map(nameOf).filter(isString) : [];
      model.types.set(expr.enum, { meta: 'enum', name: expr.enum, doc, values });
    } else if (typeof expr.alternate === 'string') {
      const name = expr.alternate;
      model.types.set(name, { meta: 'alternate', name, doc, members: membersOf(data, doc) });
    } else if (typeof entityName === 'string') {
      const isCommand = typeof expr.command === 'string';
      const name = entityName;
      const entity: SourceEntity = {
        name,
        doc,
        data: data === undefined ? undefined : refOf(data, doc),
        returns: expr.returns === undefined ? undefined : refOf(expr.returns, undefined),
      };
      (isCommand ? model.commands : model.events).set(name, entity);
    }
  }
  return model;
}

function isString(value: string | undefined): value is string {
  return value !== undefined;
}

// An enum value or member type may be written plainly or as { 'name'/'type': …, 'if': … }.
function nameOf(value: QapiValue): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && !Array.isArray(value) && typeof value.name === 'string') {
    return value.name;
  }
  return undefined;
}

function refOf(value: QapiValue, doc: QapiDoc | undefined): SourceRef | undefined {
  if (typeof value === 'string') return { kind: 'name', name: value };
  if (Array.isArray(value)) {
    const element = value[0] === undefined ? undefined : refOf(value[0], undefined);
    return element === undefined ? undefined : { kind: 'list', element };
  }
  if (typeof value !== 'object') return undefined;
  const struct: SourceStruct = {
    name: undefined,
    doc,
    members: membersOf(value, doc),
    base: undefined,
    branches: new Map(),
  };
  return { kind: 'inline', struct };
}

function membersOf(data: QapiValue | undefined, doc: QapiDoc | undefined): SourceMember[] {
  if (typeof data !== 'object' || Array.isArray(data)) return [];
  const members: SourceMember[] = [];
  for (const [key, value] of Object.entries(data)) {
    const spec = typeof value === 'object' && !Array.isArray(value) ? value.type : value;
    const type = spec === undefined ? undefined : refOf(spec, doc);
    if (type !== undefined) members.push({ name: key.replace(/^\*/, ''), type });
  }
  return members;
}
