// The README's examples are real: its first test is a file of the bundled suite (run by
// `npm run iotests`), quoted verbatim, and the snapshot it shows is that file's stored snapshot.
import fs from 'node:fs';
import path from 'node:path';

import { expect, test } from '@jest/globals';

const ROOT = path.resolve(__dirname, '../..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

test("the README's first test is __tests__/iotests/000-readme-first-test.test.ts, verbatim", () => {
  const file = fs.readFileSync(
    path.join(ROOT, '__tests__/iotests/000-readme-first-test.test.ts'),
    'utf8',
  );
  expect(readme).toContain('```ts\n' + file + '```');
});

test('the snapshot the README shows is the stored one', () => {
  const snap = fs.readFileSync(
    path.join(ROOT, '__snapshots__/qcow2/__tests__/iotests/000-readme-first-test.test.ts.snap'),
    'utf8',
  );
  const shown = /reads like\nan `NNN.out` file:\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(shown).toBeDefined();
  expect(snap).toContain(`\n${shown}`);
});
