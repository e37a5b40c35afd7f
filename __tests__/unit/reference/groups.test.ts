// The bundled ports carry their originals' groups: each file's `@group` docblock lists exactly the
// words of the `# group:` line of the Python test in QEMU's source, so `IOTESTS_GROUPS=quick`
// runs what `check -g quick` runs. The listing (`qemu-iotests list`) reads the same docblocks.
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, test } from '@jest/globals';

import { docblockGroups, findTestFiles, formatListing } from '../../../src/cli/list';
import { findReferenceSource } from '../../support/qemu-reference';

const SUITE = path.resolve(__dirname, '../../iotests');
const source = findReferenceSource();

describe('docblockGroups', () => {
  test('reads @group lines of the opening docblock only', () => {
    expect(docblockGroups('/**\n * @qemu-vm none\n * @group rw quick\n */\n')).toEqual([
      'rw',
      'quick',
    ]);
    expect(docblockGroups('/** @group auto */\nimport x;\n')).toEqual(['auto']);
    expect(docblockGroups('import x;\n/** @group auto */\n')).toEqual([]);
    expect(docblockGroups('// @group rw\n')).toEqual([]);
  });
});

const ports = fs
  .readdirSync(SUITE)
  .filter((name) => /^\d{3}-.*\.test\.ts$/.test(name) && !name.startsWith('000-'));

(source.root === undefined ? describe.skip : describe)('bundled ports vs QEMU', () => {
  test.each(ports)('%s', (name) => {
    const original = path.join(source.root as string, 'tests/qemu-iotests', name.slice(0, 3));
    const line = /^# group:(.*)$/m.exec(fs.readFileSync(original, 'utf8'))?.[1] ?? '';
    const theirs = line.split(/\s+/).filter((word) => word !== '');
    expect(docblockGroups(fs.readFileSync(path.join(SUITE, name), 'utf8'))).toEqual(theirs);
  });
});

test('the listing selects like a run', () => {
  const files = findTestFiles([SUITE]);
  const listing = formatListing(
    files,
    { include: ['migration'], exclude: ['rw'] },
    { byGroup: false, relativeTo: SUITE },
  );
  expect(listing).toBe('234-migrate-blockdev-graph.test.ts quick migration\n');
});
