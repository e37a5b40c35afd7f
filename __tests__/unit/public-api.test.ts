// The package root's API, one home per name: the seed's helpers on the `iotests` object, the rest
// named. The older copies are deprecated aliases that are the very same functions, and TypeScript
// marks exactly those deprecated (what an editor strikes through and typescript-eslint's
// `no-deprecated` reports). The VM's job, bitmap and migration helpers live only as VM methods.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import ts from 'typescript';

import * as api from '../../src';
import * as vmBitmaps from '../../src/iotests/vm-bitmaps';
import * as vmJobWaits from '../../src/iotests/vm-job-waits';
import * as vmMigration from '../../src/iotests/vm-migration';
import * as vmRunJob from '../../src/iotests/vm-run-job';
import { REPO_ROOT, consumerCompilerOptions } from '../support/consumer-compiler-options';
import { fencedBlocks, readmeSection, readmeText } from '../support/readme';

/**
 * The root's own names: each is the one home of what it names. A new runtime export belongs here
 * and in the README's API reference (types are not listed: they leave no runtime trace).
 */
const HOMES = [
  // The seed's helpers and variables.
  'iotests',
  // Objects and utilities of the library.
  'filters',
  'createFilters',
  'vm',
  'IOTESTS_PY_LEVELS',
  'qmpLogMessage',
  'TranscriptText',
  'PyFloat',
  'OrderedQmp',
  'pyJsonDumps',
  'fileContext',
  'initRuntime',
  'runtime',
  'shutdownAllVms',
  'eventMatches',
  'probeCapabilities',
  'resolveConfig',
  'IMAGE_FORMATS',
  'unchecked',
  'isJsonObject',
  // Classes and the qcow2 module.
  'VM',
  'QemuIoInteractive',
  'QemuStorageDaemon',
  'QcowHeader',
  'dumpQcow2Header',
  'dumpQcow2HeaderExts',
  'QemuMachine',
  'QmpClient',
  // Errors.
  'NotRunError',
  'QemuToolError',
  'IotestsAssertionError',
  'QemuMachineError',
  'QemuLaunchError',
  'QemuAbnormalExitError',
  'SocketPathTooLongError',
  'QmpError',
  'QmpConnectError',
  'QmpTimeoutError',
  'QmpCommandError',
  'QmpProtocolError',
  'QmpConnectionLostError',
  'ConfigError',
];

/** Deprecated named exports, each the `iotests` member of the same name. */
const DEPRECATED_NAMED = [
  'transcript',
  'log',
  'orderedQmp',
  'qmpPath',
  'requires',
  'notrun',
  'caseNotrun',
  'unmetRequirement',
  'supportedFormats',
  'hasWorkingLuks',
  'supportsQuorum',
  'verifyVirtioScsiPciOrCcw',
  'releaseAtLeast',
  'filePath',
  'filePaths',
  'withFilePaths',
  'tryRemove',
  'createImage',
  'unarchiveSampleImage',
  'remoteFilename',
  'withTimeout',
  'observationWindow',
  'retryPbkdfFluke',
  'qemuImg',
  'qemuImgCreate',
  'qemuImgLog',
  'qemuImgJson',
  'qemuImgMeasure',
  'qemuImgCheck',
  'qemuImgInfo',
  'qemuImgMap',
  'qemuImgPipe',
  'qemuImgPipeAndStatus',
  'qemuImgStatus',
  'supportsQcow2ZstdCompression',
  'imgInfoLog',
  'imageSize',
  'compareImages',
  'qemuIo',
  'qemuIoLog',
  'qemuIoSilent',
  'qemuIoSilentCheck',
  'qemuToolPopen',
  'qemuIoPopen',
  'qemuNbd',
  'qemuNbdEarlyPipe',
  'qemuNbdListLog',
  'withQemuNbd',
  'currentVm',
];

/** Deprecated `iotests` members, each the named export of the same name (but `currentVm`). */
const DEPRECATED_MEMBERS = [
  'filters',
  'QcowHeader',
  'dumpQcow2Header',
  'dumpQcow2HeaderExts',
  'QemuIoInteractive',
  'QemuStorageDaemon',
  'VM',
  'currentVm',
];

const named = api as unknown as Record<string, unknown>;
const members = api.iotests as unknown as Record<string, unknown>;

describe('one home per name', () => {
  test('the root exports its homes and the deprecated aliases, nothing else', () => {
    expect(Object.keys(api).sort()).toEqual([...HOMES, ...DEPRECATED_NAMED].sort());
  });

  test.each(DEPRECATED_NAMED)('the deprecated %s is the iotests member of that name', (name) => {
    expect(typeof named[name]).toBe('function');
    expect(named[name]).toBe(members[name]);
  });

  test.each(DEPRECATED_MEMBERS.filter((name) => name !== 'currentVm'))(
    'the deprecated iotests.%s is the named export',
    (name) => {
      expect(members[name]).toBe(named[name]);
    },
  );

  test('no home is also an iotests member, but the deprecated ones', () => {
    const both = HOMES.filter((name) => Object.hasOwn(api.iotests, name));
    expect(both.sort()).toEqual(DEPRECATED_MEMBERS.filter((name) => name !== 'currentVm').sort());
  });
});

describe("the VM's helper modules", () => {
  const helpers = Object.entries({ ...vmJobWaits, ...vmRunJob, ...vmBitmaps, ...vmMigration })
    .filter(([, value]) => typeof value === 'function')
    .map(([name]) => name);

  test('every function of theirs is a VM method, and neither an export nor an iotests member', () => {
    expect(helpers).toEqual(expect.arrayContaining(['runJob', 'cancelAndWait', 'getBitmap']));
    for (const name of helpers) {
      expect([name, typeof Reflect.get(api.VM.prototype, name)]).toEqual([name, 'function']);
      expect([name, Object.hasOwn(api, name) || Object.hasOwn(api.iotests, name)]).toEqual([
        name,
        false,
      ]);
    }
  });
});

describe('what an editor shows', () => {
  // Files of a user's project, asked for what makes an editor mark a name: a file touching every
  // runtime export and every iotests member, and the README's upgrade example before and after.
  const dir = path.join(REPO_ROOT, '__tests__/unit/__virtual__');
  const names = Object.keys(api);
  const memberNames = Object.keys(Object.getOwnPropertyDescriptors(api.iotests));
  const probeLines = [
    "import * as api from 'qemu-iotests';",
    ...names.map((name) => `void api.${name};`),
    ...memberNames.map((name) => `void api.iotests.${name};`),
  ];
  // The upgrade notes' code blocks sit in a list item: indented by two.
  const upgrade = readmeSection('### Since 0.1.0').replace(/^ {2}/gm, '');
  const [before = '', after = ''] = fencedBlocks(upgrade, 'ts');
  const files: Record<string, string> = {
    [path.join(dir, 'public-api.ts')]: probeLines.join('\n'),
    [path.join(dir, 'upgrade-before.ts')]: before,
    [path.join(dir, 'upgrade-after.ts')]: after,
  };
  const [probe, beforeFile, afterFile] = Object.keys(files) as [string, string, string];

  const options = consumerCompilerOptions('src/index.ts');
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => options,
    getScriptFileNames: () => Object.keys(files),
    getScriptVersion: () => '1',
    getScriptSnapshot: (name) => {
      const source = files[name] ?? ts.sys.readFile(name);
      return source === undefined ? undefined : ts.ScriptSnapshot.fromString(source);
    },
    getCurrentDirectory: () => REPO_ROOT,
    getDefaultLibFileName: (settings) => ts.getDefaultLibFilePath(settings),
    fileExists: (name) => name in files || ts.sys.fileExists(name),
    readFile: (name) => files[name] ?? ts.sys.readFile(name),
  };
  const service = ts.createLanguageService(host);

  /** The compiler's errors in `file`, as text. */
  function errors(file: string): string[] {
    return service
      .getSemanticDiagnostics(file)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }

  /** The text of every span in `file` that TypeScript reports as deprecated. */
  function deprecatedSpans(file: string): string[] {
    const text = files[file] ?? '';
    return service
      .getSuggestionDiagnostics(file)
      .filter((diagnostic) => diagnostic.reportsDeprecated !== undefined)
      .map((d) => text.slice(d.start, (d.start ?? 0) + (d.length ?? 0)));
  }

  test('TypeScript marks exactly the deprecated names deprecated', () => {
    expect(errors(probe)).toEqual([]);
    const text = files[probe] ?? '';
    const marked = service
      .getSuggestionDiagnostics(probe)
      .filter((diagnostic) => diagnostic.reportsDeprecated !== undefined)
      .map((diagnostic) => {
        const line = text.slice(0, diagnostic.start).split('\n').length - 1;
        return /^void (api\.[\w.]+);$/.exec(probeLines[line] ?? '')?.[1];
      });
    expect(marked.sort()).toEqual(
      [
        ...DEPRECATED_NAMED.map((name) => `api.${name}`),
        ...DEPRECATED_MEMBERS.map((name) => `api.iotests.${name}`),
      ].sort(),
    );
  }, 60_000);

  test("the README's upgrade example compiles before and after; only before uses deprecated names", () => {
    expect(before).toContain('QemuStorageDaemon');
    expect(errors(beforeFile)).toEqual([]);
    expect(errors(afterFile)).toEqual([]);
    // Each use in the old spelling is marked (the import line's names too), none in the new.
    expect(deprecatedSpans(beforeFile).sort()).toEqual(
      [
        'filePath',
        'filePath',
        'qemuImgCreate',
        'qemuImgCreate',
        'qemuIoLog',
        'qemuIoLog',
        'QemuStorageDaemon',
      ].sort(),
    );
    expect(deprecatedSpans(afterFile)).toEqual([]);
  }, 60_000);
});

describe('the bundled ports and the test fixtures', () => {
  // Lint checks the rest of the repository (no-deprecated); it skips the fixtures, and the ports,
  // which keep their originals' deprecated QMP members.
  const files = [
    ...fs
      .readdirSync(path.join(REPO_ROOT, '__tests__/iotests'))
      .map((name) => `__tests__/iotests/${name}`),
    ...fs
      .readdirSync(path.join(REPO_ROOT, '__tests__'), { recursive: true, encoding: 'utf8' })
      .filter((name) => /(^|\/)fixtures\//.test(name))
      .map((name) => `__tests__/${name}`),
  ].filter((name) => name.endsWith('.ts'));
  const imported = /import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'qemu-iotests'/g;
  const member = new RegExp(`\\biotests\\.(${DEPRECATED_MEMBERS.join('|')})\\b`, 'g');

  test('they import no deprecated name and read no deprecated iotests member', () => {
    expect(files.length).toBeGreaterThan(60);
    const found: string[] = [];
    for (const file of files) {
      // The consumer fixture that compiles the old spellings on purpose.
      if (file.endsWith('/deprecated-names.ts')) continue;
      const text = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
      for (const [, names = ''] of text.matchAll(imported)) {
        for (const name of names.split(',').map((n) => n.trim().split(/\s+/)[0] ?? '')) {
          if (DEPRECATED_NAMED.includes(name)) found.push(`${file}: import ${name}`);
        }
      }
      for (const [use] of text.matchAll(member)) found.push(`${file}: ${use}`);
    }
    expect(found).toEqual([]);
  });
});

describe("the README's API reference", () => {
  const reference = readmeSection('## API reference');
  const upgrade = readmeSection('### Since 0.1.0');

  test.each(HOMES)('names %s', (name) => {
    expect(reference).toMatch(new RegExp(`\`[^\`]*\\b${name}\\b[^\`]*\``));
  });

  test('the upgrade notes name every deprecated spelling and its replacement', () => {
    for (const name of DEPRECATED_NAMED.filter((n) => n !== 'currentVm')) {
      expect([name, upgrade.includes(`\`${name}\``)]).toEqual([name, true]);
      expect([name, reference.includes(`iotests.${name}`)]).toEqual([name, true]);
    }
    for (const name of DEPRECATED_MEMBERS.filter((n) => n !== 'currentVm')) {
      expect([name, upgrade.includes(`\`iotests.${name}\``)]).toEqual([name, true]);
    }
    expect(upgrade).toContain('`currentVm()` and `iotests.currentVm()` are deprecated');
  });

  test('outside the upgrade notes, the README writes no deprecated spelling', () => {
    // Its TypeScript, that is: the porting table's Python column says `iotests.VM()`.
    let python = false;
    const rest = readmeText()
      .replace(upgrade, '')
      .split('\n')
      .map((line) => {
        python = line.startsWith('| Python ') || (python && line.startsWith('|'));
        return python ? line.split('|').slice(2).join('|') : line;
      })
      .join('\n');
    const named = new RegExp(`(?<![.\\w])(${DEPRECATED_NAMED.join('|')})\\(`, 'g');
    const members = new RegExp(`\\biotests\\.(${DEPRECATED_MEMBERS.join('|')})\\b`, 'g');
    expect(rest.match(named) ?? []).toEqual([]);
    expect(rest.match(members) ?? []).toEqual([]);
  });
});
