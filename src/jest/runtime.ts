// The module runtime of `--preset qemu-iotests` (Jest's `runtime` option): Jest's own, handed a
// cacheFS that shares module sources across the test files of a worker (see shared-sources.ts).
// Nothing else changes; a config that sets its own `runtime` simply goes without the sharing.
import Runtime from 'jest-runtime';

import { workerSources } from './shared-sources';

export default class QemuIotestsRuntime extends Runtime {
  constructor(...args: ConstructorParameters<typeof Runtime>) {
    const [config, environment, resolver, transformer, cacheFS, ...rest] = args;
    super(config, environment, resolver, transformer, workerSources().forFile(cacheFS), ...rest);
  }
}
