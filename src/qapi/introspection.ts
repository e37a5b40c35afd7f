// The shapes of `query-qmp-schema`'s reply (QEMU's SchemaInfo), checked on the way in: the reply
// comes from whatever binary the user points at, and a cached copy from disk.

/** Features QEMU attaches to commands, events, types and members ('deprecated', 'unstable', …). */
export interface Featured {
  features?: string[];
}

export interface IntrospectedMember extends Featured {
  name: string;
  /** A type name from the same schema (masked: a number, or `[…]` for arrays). */
  type: string;
  /** Present (always null) when the member is optional. */
  optional: boolean;
}

export interface IntrospectedVariant {
  case: string;
  type: string;
}

export type IntrospectedEntry =
  | ({ metaType: 'builtin'; name: string; jsonType: string } & Featured)
  | ({
      metaType: 'enum';
      name: string;
      values: string[];
      valueFeatures: Map<string, string[]>;
    } & Featured)
  | ({ metaType: 'array'; name: string; elementType: string } & Featured)
  | ({
      metaType: 'object';
      name: string;
      members: IntrospectedMember[];
      tag?: string;
      variants: IntrospectedVariant[];
    } & Featured)
  | ({ metaType: 'alternate'; name: string; members: string[] } & Featured)
  | ({
      metaType: 'command';
      name: string;
      argType: string;
      retType: string;
      allowOob: boolean;
    } & Featured)
  | ({ metaType: 'event'; name: string; argType: string } & Featured);

/** Thrown when a schema (from QEMU or the cache) does not have the shape QEMU documents. */
export class SchemaShapeError extends Error {
  override name = 'SchemaShapeError';
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(entry: Json, key: string, where: string): string {
  const value = entry[key];
  if (typeof value !== 'string') throw new SchemaShapeError(`${where}: '${key}' is not a string`);
  return value;
}

function list(entry: Json, key: string, where: string): unknown[] {
  const value = entry[key];
  if (!Array.isArray(value)) throw new SchemaShapeError(`${where}: '${key}' is not a list`);
  return value;
}

function features(entry: Json, where: string): Featured {
  if (entry.features === undefined) return {};
  const value = list(entry, 'features', where);
  if (!value.every((item) => typeof item === 'string')) {
    throw new SchemaShapeError(`${where}: 'features' holds a non-string`);
  }
  return value.length > 0 ? { features: value } : {};
}

function records(entry: Json, key: string, where: string): Json[] {
  return list(entry, key, where).map((item, index) => {
    if (!isRecord(item)) throw new SchemaShapeError(`${where}: ${key}[${index}] is not an object`);
    return item;
  });
}

/** Validates a `query-qmp-schema` return value and turns it into typed entries. */
export function parseIntrospection(value: unknown): IntrospectedEntry[] {
  if (!Array.isArray(value)) throw new SchemaShapeError('the schema is not a list');
  return value.map((raw, index) => {
    if (!isRecord(raw)) throw new SchemaShapeError(`schema entry ${index} is not an object`);
    const where = `schema entry ${index}`;
    const name = str(raw, 'name', where);
    const at = `schema entry '${name}'`;
    const metaType = str(raw, 'meta-type', at);
    const featured = features(raw, at);
    switch (metaType) {
      case 'builtin':
        return { metaType, name, jsonType: str(raw, 'json-type', at), ...featured };
      case 'enum': {
        const values = list(raw, 'values', at).map((item) => {
          if (typeof item !== 'string')
            throw new SchemaShapeError(`${at}: a value is not a string`);
          return item;
        });
        const valueFeatures = new Map<string, string[]>();
        if (raw.members !== undefined) {
          for (const member of records(raw, 'members', at)) {
            const memberFeatures = features(member, at).features;
            if (memberFeatures) valueFeatures.set(str(member, 'name', at), memberFeatures);
          }
        }
        return { metaType, name, values, valueFeatures, ...featured };
      }
      case 'array':
        return { metaType, name, elementType: str(raw, 'element-type', at), ...featured };
      case 'object': {
        const members = records(raw, 'members', at).map((member) => ({
          name: str(member, 'name', at),
          type: str(member, 'type', at),
          optional: 'default' in member,
          ...features(member, at),
        }));
        const variants =
          raw.variants === undefined
            ? []
            : records(raw, 'variants', at).map((variant) => ({
                case: str(variant, 'case', at),
                type: str(variant, 'type', at),
              }));
        const tag = raw.tag === undefined ? {} : { tag: str(raw, 'tag', at) };
        return { metaType, name, members, variants, ...tag, ...featured };
      }
      case 'alternate':
        return {
          metaType,
          name,
          members: records(raw, 'members', at).map((member) => str(member, 'type', at)),
          ...featured,
        };
      case 'command':
        return {
          metaType,
          name,
          argType: str(raw, 'arg-type', at),
          retType: str(raw, 'ret-type', at),
          allowOob: raw['allow-oob'] === true,
          ...featured,
        };
      case 'event':
        return { metaType, name, argType: str(raw, 'arg-type', at), ...featured };
      default:
        throw new SchemaShapeError(`${at}: unknown meta-type '${metaType}'`);
    }
  });
}
