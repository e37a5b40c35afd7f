// What VS Code shows: the TypeScript language service, asked for completions inside `vm.qmp('`
// (the package's VM, with QEMU 7.2's types as shipped), for hover text and for a type error.
import path from 'node:path';
import { expect, test } from '@jest/globals';
import ts from 'typescript';

import {
  REPO_ROOT as REPO,
  consumerCompilerOptions,
} from '../../support/consumer-compiler-options';

const FILE = path.join(REPO, '__tests__/unit/qapi/__virtual__/editor.ts');
const TEXT = [
  "import type { VM } from 'qemu-iotests';",
  'declare const vm: VM;',
  "void vm.qmp('blockdev-add', { driver: 'file', filename: '/x' });",
  "void vm.qmp('blockdev-add', { driver: 'file', filename: '/x', nodeName: 'x' });",
  "void vm.qmp('",
].join('\n');

function languageService(): ts.LanguageService {
  // The public types, as a user resolves them.
  const options = consumerCompilerOptions('src/index.ts');
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

test("the language service lists at least 200 QEMU 7.2 commands at vm.qmp('", () => {
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
  expect(ts.displayPartsToString(info?.displayParts)).toBe('(property) filename: string');
  expect(text).toBe('path to the image file');
});

test('a misspelled member is an error that names the right one', () => {
  const line = TEXT.indexOf('nodeName');
  const messages = service
    .getSemanticDiagnostics(FILE)
    .filter((diagnostic) => diagnostic.start === line)
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatch(/^Object literal may only specify known properties, but 'nodeName'/);
  expect(messages[0]).toMatch(/Did you mean to write 'node-name'\?$/);
});
