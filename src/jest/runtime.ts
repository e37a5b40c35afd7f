// The module runtime of `--preset qemu-iotests` (Jest's `runtime` option): Jest's own, handed a
// cacheFS that shares module sources across the test files of a worker (see shared-sources.ts).
// That leans on jest-runtime reading every module through its `cacheFS` constructor argument, an
// undocumented detail: the sharing is on only for the jest-runtime major it was made for (a canary
// test checks that it still takes effect), and any other version runs exactly as Jest's own.
import Runtime from 'jest-runtime';

import { workerSources } from './shared-sources';

/** The jest-runtime major whose cacheFS handling the sharing was made for. */
export const SHARED_SOURCES_JEST_MAJOR = 30;

/** Whether a jest-runtime of this version gets shared sources. */
export function sharesSources(jestRuntimeVersion: string): boolean {
  return Number.parseInt(jestRuntimeVersion, 10) === SHARED_SOURCES_JEST_MAJOR;
}

const sharing = sharesSources(
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('jest-runtime/package.json') as { version: string }).version,
);

export default class QemuIotestsRuntime extends Runtime {
  constructor(...args: ConstructorParameters<typeof Runtime>) {
    const [config, environment, resolver, transformer, cacheFS, ...rest] = args;
    const files = sharing ? workerSources().forFile(cacheFS) : cacheFS;
    super(config, environment, resolver, transformer, files, ...rest);
  }
}
