// What VS Code shows: the TypeScript language service, asked for completions inside `qmp('` of a
// typed facade over the package's QMP types (QEMU 7.2's as shipped), and for hover text.
import path from 'node:path';
import { expect, test } from '@jest/globals';
import ts from 'typescript';

import {
  REPO_ROOT as REPO,
  consumerCompilerOptions,
} from '../../support/consumer-compiler-options';

const FILE = path.join(REPO, '__tests__/unit/qapi/__virtual__/editor.ts');
const TEXT = [
  "import type { QmpArgsParameter, QmpCommandName, QmpCommandReturn } from 'qemu-iotests';",
  'declare function qmp<C extends QmpCommandName>(',
  '  command: C,',
  '  ...args: QmpArgsParameter<C>',
  '): Promise<QmpCommandReturn<C>>;',
  "void qmp('blockdev-add', { driver: 'file', filename: '/x' });",
  "void qmp('",
].join('\n');

function languageService(): ts.LanguageService {
  // The public types, as a user resolves them; only the QMP types are loaded.
  const options = consumerCompilerOptions('src/qapi/schema.ts');
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => options,
    getScriptFileNames: () => [FILE],
    getScriptVersion: () => '1',
    getScriptSnapshot: (file) => {
      const text = file === FILE ? TEXT : ts.sys.readFile(file);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => REPO,
    getDefaultLibFileName: (settings) => ts.getDefaultLibFilePath(settings),
    fileExists: (file) => file === FILE || ts.sys.fileExists(file),
    readFile: (file) => (file === FILE ? TEXT : ts.sys.readFile(file)),
  };
  return ts.createLanguageService(host);
}

// One service for both questions, as an editor keeps one.
const service = languageService();

test("the language service lists at least 200 QEMU 7.2 commands at qmp('", () => {
  const completions = service.getCompletionsAtPosition(FILE, TEXT.length, {});
  const names = (completions?.entries ?? []).map((entry) => entry.name);
  expect(names.length).toBeGreaterThanOrEqual(200);
  expect(names).toEqual(
    expect.arrayContaining(['blockdev-add', 'query-block', 'block-job-cancel']),
  );
});

test('hovering a member shows its QAPI documentation', () => {
  const at = TEXT.indexOf('filename');
  const info = service.getQuickInfoAtPosition(FILE, at);
  const text = ts.displayPartsToString(info?.documentation);
  expect(ts.displayPartsToString(info?.displayParts)).toBe(
    '(property) BlockdevOptionsFile.filename: string',
  );
  expect(text).toBe('path to the image file');
});
