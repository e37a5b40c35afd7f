// Compiler options of a strict consumer project whose 'qemu-iotests' is this repository's `entry`
// (type tests that run the TypeScript API: language service, augmentation).
import path from 'node:path';
import ts from 'typescript';

export const REPO_ROOT = path.resolve(__dirname, '../..');

export function consumerCompilerOptions(entry: string): ts.CompilerOptions {
  return {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    baseUrl: REPO_ROOT,
    paths: { 'qemu-iotests': [entry] },
  };
}
