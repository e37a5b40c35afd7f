// From a binary's schema (and the QAPI source, when at hand) to the declaration module's text.
import { emitModule } from './emit';
import type { IntrospectedEntry } from './introspection';
import { matchSource } from './match-source';
import { assignNames } from './naming';
import { readQapiSource, type QapiDefinition } from './qapi-source';
import { buildSourceModel } from './source-model';

export interface GenerateInput {
  entries: readonly IntrospectedEntry[];
  /** `query-version`'s text, e.g. '7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)'. */
  version: string;
  /** The schema's digest (see fetchSchema), recorded so that a shipped module can stand in. */
  digest: string;
  /** The QAPI source's definitions (see readQapiSource), for real names and doc comments. */
  source?: readonly QapiDefinition[];
}

/** The TypeScript declaration module for one schema (see emit.ts). */
export function generateQmpTypes(input: GenerateInput): string {
  const model = input.source === undefined ? undefined : buildSourceModel(input.source);
  const match = model === undefined ? undefined : matchSource(input.entries, model);
  return emitModule({
    entries: input.entries,
    names: assignNames(input.entries, match),
    source: model === undefined || match === undefined ? undefined : { model, match },
    version: input.version,
    digest: input.digest,
  });
}

/** Reads a QAPI source tree's definitions from its directory (the one with qapi-schema.json). */
export function readQapiDir(qapiDir: string): QapiDefinition[] {
  return readQapiSource(`${qapiDir}/qapi-schema.json`);
}
