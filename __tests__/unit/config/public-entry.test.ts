// The package entry's resolveConfig loads the resolver on first call (test files never need it):
// the same configuration, and the same ConfigError class, as the configuration layer's own.
import { afterAll, beforeAll, expect, test } from '@jest/globals';

import * as layer from '../../../src/config';
import { ConfigError, resolveConfig } from '../../../src/index';
import { cleanup, makeFakeBinDir, makeTempDir } from './fake-tools';

let binDir: string;
let cwd: string;

beforeAll(() => {
  binDir = makeFakeBinDir();
  cwd = makeTempDir('cwd');
});
afterAll(() => cleanup(binDir, cwd));

test("resolveConfig from the package entry gives the layer's configuration", () => {
  const source = { env: { PATH: binDir, IMGFMT: 'raw' }, options: { CACHEMODE: 'none' }, cwd };
  expect(resolveConfig(source)).toEqual(layer.resolveConfig(source));
});

test('its errors are the ConfigError the package exports', () => {
  const bad = { env: { PATH: binDir, CACHEMODE: 'fast' }, cwd };
  expect(() => resolveConfig(bad)).toThrow(ConfigError);
  expect(() => resolveConfig(bad)).toThrow(/CACHEMODE="fast": not a cache mode/);
  expect(ConfigError).toBe(layer.ConfigError);
});
