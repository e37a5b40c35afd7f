// `qemu-img create` argument preparation, compared with Python's own argparse (the seed parses
// with `parse_known_args`), then the IMGOPTS / LUKS rules on top.
import { describe, expect, test } from '@jest/globals';
import execa from 'execa';

import {
  CreateArgsError,
  parseCreateArgs,
  prepareCreateArgs,
} from '../../../src/iotests/tools/qemu-img-create-args';

// The oracle: Python's argparse configured as the seed configures it.
const ORACLE = `
import argparse, json, sys
out = []
for case in json.loads(sys.stdin.read()):
    p = argparse.ArgumentParser(allow_abbrev=False, add_help=True)
    p.add_argument('-o', action='append', default=[])
    p.add_argument('-f')
    p.exit = lambda status=0, message=None: (_ for _ in ()).throw(SystemExit(status))
    p.print_usage = lambda file=None: None
    p.print_help = lambda file=None: None
    p.error = lambda message: (_ for _ in ()).throw(SystemExit(2))
    try:
        parsed, remaining = p.parse_known_args(case)
        out.append({'format': parsed.f, 'opts': parsed.o, 'remaining': remaining})
    except SystemExit:
        out.append('exit')
print(json.dumps(out))
`;

const CASES: string[][] = [
  ['-f', 'qcow2', 'img', '1M'],
  ['-f', 'qcow2', 'img', '--object', 'secret,id=s0,data=x', '-o', 'a=b', '1M'],
  ['img', '--', '-o', 'x', '1M'],
  ['-fqcow2', '-oa=1', '-o=b', 'img'],
  ['-f=raw', 'x'],
  ['-o', '-x'],
  ['-o'],
  ['-f'],
  ['-1', '-f', 'raw'],
  ['-o', '-1', 'img'],
  ['-a b', '-o', 'x'],
  ['-o', '-a b'],
  ['-F', 'raw', '-b', 'base.img', '-u', 'img', '1M'],
  ['-f', 'raw', '-f', 'qcow2'],
  ['-o', '--', 'x'],
  ['-ob', '-xyz', '-fo'],
  ['-', '-o', '-'],
  ['-o='],
  ['-o', ''],
  ['', '-f', ''],
  ['-h'],
  ['--help'],
  ['-hx'],
  ['--he', 'img'],
  ['--format', 'qcow2', 'img'],
  ['--f', 'img'],
  ['-f', 'luks', '--object', 'secret,id=k,data=1', '-o', 'key-secret=k', 'img', '1G'],
  ['-o', 'a,b=c', '-o', 'd', '-f', 'qcow2', '-q', 'file name with spaces', '1M'],
  ['-o', ' spaced', '-f', ' qcow2'],
  ['-.5', '-f', 'raw', '-3.'],
  ['-q', '-f', 'raw', '-u'],
  ['-o x', 'img'],
  ['-oh', '-fh'],
  ['--', '-f', 'raw'],
  ['-f', 'raw', '--', '--', 'x'],
  ['-ü', '-f', 'qcow2'],
];

describe('parseCreateArgs matches Python argparse parse_known_args', () => {
  test(`${CASES.length} argument lists`, async () => {
    const { stdout } = await execa('python3', ['-c', ORACLE], { input: JSON.stringify(CASES) });
    const expected = JSON.parse(stdout) as unknown[];
    const actual = CASES.map((args) => {
      try {
        const parsed = parseCreateArgs(args);
        return { format: parsed.format ?? null, opts: parsed.opts, remaining: parsed.remaining };
      } catch (error) {
        expect(error).toBeInstanceOf(CreateArgsError);
        return 'exit';
      }
    });
    CASES.forEach((args, index) => {
      expect({ args, result: actual[index] }).toEqual({ args, result: expected[index] });
    });
  });
});

describe('prepareCreateArgs', () => {
  const settings = {
    imgfmt: 'qcow2',
    imgopts: 'compression_type=zstd',
    luksSecretObject: 'secret,id=keysec0,data=123456',
    luksKeySecretOpt: 'key-secret=keysec0',
  };

  test('anything but create passes through untouched', () => {
    expect(prepareCreateArgs(['info', '-f', 'qcow2', 'x'], settings)).toEqual([
      'info',
      '-f',
      'qcow2',
      'x',
    ]);
    expect(prepareCreateArgs([], settings)).toEqual([]);
  });

  test('-f first, IMGOPTS before the caller -o options for IMGFMT, other args in order', () => {
    expect(
      prepareCreateArgs(
        ['create', 'img', '-o', 'cluster_size=4k', '-u', '-f', 'qcow2', '-F', 'raw', '1M'],
        settings,
      ),
    ).toEqual([
      'create',
      '-f',
      'qcow2',
      '-o',
      'compression_type=zstd',
      '-o',
      'cluster_size=4k',
      'img',
      '-u',
      '-F',
      'raw',
      '1M',
    ]);
  });

  test('no IMGOPTS for another format, nor without -f', () => {
    expect(prepareCreateArgs(['create', '-f', 'raw', 'img', '1M'], settings)).toEqual([
      'create',
      '-f',
      'raw',
      'img',
      '1M',
    ]);
    expect(prepareCreateArgs(['create', 'img', '1M'], settings)).toEqual(['create', 'img', '1M']);
    expect(
      prepareCreateArgs(['create', '-f', 'qcow2', 'img'], { ...settings, imgopts: '' }),
    ).toEqual(['create', '-f', 'qcow2', 'img']);
  });

  test('luks gets the default secret object and key-secret unless one is given', () => {
    expect(prepareCreateArgs(['create', '-f', 'luks', 'img', '1M'], settings)).toEqual([
      'create',
      '-f',
      'luks',
      '--object',
      'secret,id=keysec0,data=123456',
      '-o',
      'key-secret=keysec0',
      'img',
      '1M',
    ]);
    const luksSettings = { ...settings, imgfmt: 'luks', imgopts: 'iter-time=10' };
    expect(
      prepareCreateArgs(['create', '-f', 'luks', '-o', 'size=1', 'img'], luksSettings),
    ).toEqual([
      'create',
      '-f',
      'luks',
      '--object',
      'secret,id=keysec0,data=123456',
      '-o',
      'iter-time=10',
      '-o',
      'size=1',
      '-o',
      'key-secret=keysec0',
      'img',
    ]);
    expect(
      prepareCreateArgs(
        ['create', '-f', 'luks', '--object', 'secret,id=mine,data=x', '-o', 'key-secret=mine', 'i'],
        luksSettings,
      ),
    ).toEqual([
      'create',
      '-f',
      'luks',
      '-o',
      'iter-time=10',
      '-o',
      'key-secret=mine',
      '--object',
      'secret,id=mine,data=x',
      'i',
    ]);
  });

  test('argparse errors become CreateArgsError naming the problem', () => {
    expect(() => prepareCreateArgs(['create', '-o'], settings)).toThrow(
      '-o expects one argument, got none',
    );
    expect(() => prepareCreateArgs(['create', '-f', '--foo'], settings)).toThrow(
      "-f expects one argument, got the option-like '--foo'",
    );
    expect(() => prepareCreateArgs(['create', '-h'], settings)).toThrow(CreateArgsError);
  });
});
