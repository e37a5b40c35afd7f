// The preset's TypeScript transform: ts-jest, loaded only when a file really has to be transpiled.
// ts-jest computes its cache key with TypeScript loaded, and loading TypeScript costs ~300 ms in
// every process that transforms (Jest's parent, for global setup, and each worker) even when every
// file comes from Jest's cache. In transpile-only mode (isolatedModules) the output depends only on
// the file, the options, the tsconfig files ts-jest reads and the two versions, so the key is
// computed from exactly those, without TypeScript; on a cache miss ts-jest is loaded and does the
// work. Any other setup (type-checking, custom compiler, AST transformers, Babel) goes straight to
// ts-jest, which then tracks what the output depends on itself. So do other ts-jest or TypeScript
// versions than the ones this key was made for: what ts-jest's output depends on is its own
// business, checked here for ts-jest 29 with TypeScript 5 (a canary test compares the outputs).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';

import { tsconfigChain } from './tsconfig-files';

/** Bumped whenever the key's material changes, so that old cache entries are not reused. */
const KEY_SCHEMA = 1;

/** The part of Jest's transform options this module reads; the rest is passed on untouched. */
export interface TransformOptionsLike {
  readonly configString: string;
  readonly config: { readonly rootDir: string };
  readonly instrument?: boolean;
  readonly supportsStaticESM?: boolean;
}

/** What a transform returns: the code and, usually, its source map. */
export type TransformResult = string | { code: string; map?: unknown };

/** The transformer interface Jest calls (synchronous and asynchronous variants). */
export interface TransformerLike {
  getCacheKey(source: string, filePath: string, options: TransformOptionsLike): string;
  process(source: string, filePath: string, options: TransformOptionsLike): TransformResult;
  processAsync?(
    source: string,
    filePath: string,
    options: TransformOptionsLike,
  ): Promise<TransformResult>;
}

interface TransformerFactory {
  createTransformer(options: Record<string, unknown>): TransformerLike;
}

// ts-jest's entry point, found the way Jest finds it: the default export, else the module.
function loadTsJest(options: Record<string, unknown>): TransformerLike {
  const loaded = requireHere('ts-jest') as { default?: TransformerFactory } & TransformerFactory;
  return (loaded.default ?? loaded).createTransformer(options);
}

const requireHere = createRequire(__filename);

/** The ts-jest and TypeScript majors whose transpile-only output the key was made for. */
export const KEYED_VERSIONS = { 'ts-jest': 29, typescript: 5 } as const;

/** Whether the installed ts-jest and TypeScript are the ones the key was made for. */
export function keyedVersionsInstalled(): boolean {
  return toolVersions()
    .split(' ')
    .every((tool) => {
      const at = tool.lastIndexOf('@');
      const major = KEYED_VERSIONS[tool.slice(0, at) as keyof typeof KEYED_VERSIONS];
      return major !== undefined && Number.parseInt(tool.slice(at + 1), 10) === major;
    });
}

/** Whether ts-jest's output for these options depends on nothing but the file and its configs. */
export function isTranspileOnly(options: Record<string, unknown>): boolean {
  for (const key of ['compiler', 'astTransformers', 'babelConfig']) {
    if (options[key] !== undefined) return false;
  }
  const tsconfig = options.tsconfig;
  const inline =
    typeof tsconfig === 'object' && tsconfig !== null
      ? (tsconfig as Record<string, unknown>)
      : undefined;
  return options.isolatedModules === true || inline?.isolatedModules === true;
}

let versions: string | undefined;
// Like ts-jest's own config cache, read once per process (a watch-mode worker keeps its answer).
const tsconfigsByRoot = new Map<string, string>();

// ts-jest's version and the version of the TypeScript ts-jest itself would load.
function toolVersions(): string {
  if (versions === undefined) {
    const tsJestPackage = requireHere.resolve('ts-jest/package.json');
    const typescriptPackage = createRequire(tsJestPackage).resolve('typescript/package.json');
    versions = [tsJestPackage, typescriptPackage]
      .map((file) => {
        const { name, version } = JSON.parse(fs.readFileSync(file, 'utf8')) as {
          name?: unknown;
          version?: unknown;
        };
        return `${String(name)}@${String(version)}`;
      })
      .join(' ');
  }
  return versions;
}

/** The cache key of one file: everything ts-jest's transpile-only output depends on. */
export function transpileCacheKey(
  source: string,
  filePath: string,
  transformOptions: TransformOptionsLike,
  tsJestOptions: Record<string, unknown>,
): string {
  const material = JSON.stringify({
    schema: KEY_SCHEMA,
    tools: toolVersions(),
    tsJestOptions,
    jestConfig: transformOptions.configString,
    instrument: transformOptions.instrument === true,
    staticEsm: transformOptions.supportsStaticESM === true,
    tsconfigs: tsconfigsOf(transformOptions.config.rootDir),
    filePath,
  });
  return createHash('sha256').update(material).update('\0').update(source).digest('hex');
}

function tsconfigsOf(rootDir: string): string {
  let chain = tsconfigsByRoot.get(rootDir);
  if (chain === undefined) {
    chain = JSON.stringify(tsconfigChain(rootDir));
    tsconfigsByRoot.set(rootDir, chain);
  }
  return chain;
}

/** Jest's entry point: a transformer for the options given in the preset's `transform`. */
export function createTransformer(tsJestOptions: Record<string, unknown> = {}): TransformerLike {
  let tsJest: TransformerLike | undefined;
  const load = (): TransformerLike => {
    tsJest ??= loadTsJest(tsJestOptions);
    return tsJest;
  };
  if (!isTranspileOnly(tsJestOptions) || !keyedVersionsInstalled()) return load();
  return {
    getCacheKey: (source, filePath, options) =>
      transpileCacheKey(source, filePath, options, tsJestOptions),
    process: (source, filePath, options) => load().process(source, filePath, options),
    processAsync: (source, filePath, options) => {
      const transformer = load();
      return transformer.processAsync !== undefined
        ? transformer.processAsync(source, filePath, options)
        : Promise.resolve(transformer.process(source, filePath, options));
    },
  };
}

export default { createTransformer };
