// The bundled ports read QMP values through the types QEMU's schema gives them: no type
// assertion (`as X`, `<X>value`, `!`) and no local asObject/asList-style narrowing helper. What is
// wrong on purpose says so with `unchecked(...)`. Checked on the syntax tree, not by grep.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import ts from 'typescript';

const PORTS = path.resolve(__dirname, '../iotests');

interface Finding {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

function findingsIn(file: string): Finding[] {
  const text = fs.readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const findings: Finding[] = [];
  const report = (node: ts.Node): void => {
    findings.push({
      file: path.basename(file),
      line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1,
      text: node.getText().split('\n')[0] ?? '',
    });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) {
      // `as const` keeps literal types; it asserts nothing about a value.
      const isConst = ts.isTypeReferenceNode(node.type) && node.type.typeName.getText() === 'const';
      if (!isConst) report(node);
    } else if (ts.isNonNullExpression(node)) {
      report(node);
    } else if (
      (ts.isFunctionDeclaration(node) || ts.isVariableDeclaration(node)) &&
      node.name !== undefined &&
      /^as[A-Z]/.test(node.name.getText())
    ) {
      report(node.name);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

test('the bundled ports assert no types: no casts, no non-null assertions, no asObject helpers', () => {
  const files = fs
    .readdirSync(PORTS)
    .filter((name) => name.endsWith('.ts'))
    .map((name) => path.join(PORTS, name));
  expect(files.length).toBeGreaterThanOrEqual(30);
  expect(files.flatMap(findingsIn)).toEqual([]);
});

test('the check finds what it forbids', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'casts-'));
  try {
    const file = path.join(scratch, 'bad.test.ts');
    fs.writeFileSync(
      file,
      [
        'const a = reply as any;',
        'const b = <string>value;',
        'const c = maybe!.x;',
        'function asList(v: unknown) { return v; }',
        "const d = ['x'] as const;",
      ].join('\n'),
    );
    expect(findingsIn(file).map((finding) => finding.line)).toEqual([1, 2, 3, 4]);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
});
