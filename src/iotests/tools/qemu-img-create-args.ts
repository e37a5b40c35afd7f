// The seed's `qemu_img_create_prepare_args`: for `create`, pull out `-f` and every `-o` the way
// Python's argparse (`parse_known_args`, allow_abbrev=False) does, put IMGOPTS first when the
// format is IMGFMT, add the default LUKS secret when no key-secret is given, and keep every other
// argument in its original order. Python 3.11's argparse is the reference for the corner cases
// ('-fqcow2', '-o=x', '--' kept, a value that looks like an option is refused, ...).

import { IotestsTypeError } from '../../common/errors';

/** What the preparation depends on (the seed's module globals). */
export interface CreateArgsSettings {
  imgfmt: string;
  /** IMGOPTS; undefined or '' when unset. */
  imgopts: string | undefined;
  /** The seed's luks_default_secret_object. */
  luksSecretObject: string;
  /** The seed's luks_default_key_secret_opt. */
  luksKeySecretOpt: string;
}

/** An argument list argparse would reject (the seed's script would exit with a usage error). */
export class CreateArgsError extends IotestsTypeError {}

type KnownOption = '-o' | '-f' | '-h';

const KNOWN: ReadonlyMap<string, KnownOption> = new Map<string, KnownOption>([
  ['-o', '-o'],
  ['-f', '-f'],
  ['-h', '-h'],
  ['--help', '-h'],
]);

type Classified =
  | { kind: 'positional' }
  | { kind: 'separator' }
  | { kind: 'unknown-option' }
  | { kind: 'option'; option: KnownOption; explicit: string | undefined };

// argparse's _negative_number_matcher: such strings are values, not options, as long as the
// parser itself has no option that looks like a negative number (this one has none).
const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/;

/** argparse's `_parse_optional`, for a parser whose options are -h/--help, -o and -f. */
function classify(arg: string): Classified {
  if (arg === '--') {
    return { kind: 'separator' };
  }
  if (!arg.startsWith('-') || arg.length === 1) {
    return { kind: 'positional' };
  }
  const exact = KNOWN.get(arg);
  if (exact !== undefined) {
    return { kind: 'option', option: exact, explicit: undefined };
  }
  const equals = arg.indexOf('=');
  if (equals !== -1) {
    const named = KNOWN.get(arg.slice(0, equals));
    if (named !== undefined) {
      return { kind: 'option', option: named, explicit: arg.slice(equals + 1) };
    }
  }
  if (arg[1] !== '-') {
    // A single-dash option with its value attached: '-fqcow2', '-ofoo=bar'.
    const short = KNOWN.get(arg.slice(0, 2));
    if (short !== undefined) {
      return { kind: 'option', option: short, explicit: arg.slice(2) };
    }
  }
  if (NEGATIVE_NUMBER.test(arg) || arg.includes(' ')) {
    return { kind: 'positional' };
  }
  return { kind: 'unknown-option' };
}

/** Result of argparse's `parse_known_args` for `-o` (append) and `-f`. */
export interface ParsedCreateArgs {
  format: string | undefined;
  opts: string[];
  remaining: string[];
}

/** Parse `create`'s arguments (without 'create') like the seed's argparse parser. */
export function parseCreateArgs(args: readonly string[]): ParsedCreateArgs {
  let format: string | undefined;
  const opts: string[] = [];
  const remaining: string[] = [];
  let afterSeparator = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (afterSeparator) {
      remaining.push(arg);
      continue;
    }
    const classified = classify(arg);
    if (classified.kind === 'separator') {
      // Python 3.11 keeps '--' among the unknown arguments and reads everything after it as values.
      afterSeparator = true;
      remaining.push(arg);
      continue;
    }
    if (classified.kind !== 'option') {
      remaining.push(arg);
      continue;
    }
    if (classified.option === '-h') {
      throw new CreateArgsError(
        `qemu-img create arguments: '${arg}' is argparse's help option; the seed's parser would ` +
          'print its usage and exit (pass it after -- if it is meant for qemu-img)',
      );
    }
    let value = classified.explicit;
    if (value === undefined) {
      const next = args[index + 1];
      if (next === undefined || classify(next).kind !== 'positional') {
        throw new CreateArgsError(
          `qemu-img create arguments: ${classified.option} expects one argument` +
            (next === undefined ? ', got none' : `, got the option-like '${next}'`) +
            ` (use ${classified.option}=VALUE for a value that starts with '-')`,
        );
      }
      value = next;
      index++;
    }
    if (classified.option === '-o') {
      opts.push(value);
    } else {
      format = value;
    }
  }
  return { format, opts, remaining };
}

/** The seed's qemu_img_create_prepare_args: the argument list qemu-img is really given. */
export function prepareCreateArgs(args: readonly string[], settings: CreateArgsSettings): string[] {
  if (args.length === 0 || args[0] !== 'create') {
    return [...args];
  }
  const parsed = parseCreateArgs(args.slice(1));
  const optsList = [...parsed.opts];
  const result = ['create'];
  if (parsed.format !== undefined) {
    result.push('-f', parsed.format);
  }
  // IMGOPTS are options of IMGFMT (extended_l2, compression_type, ...): only for that format.
  if (
    settings.imgopts !== undefined &&
    settings.imgopts !== '' &&
    parsed.format === settings.imgfmt
  ) {
    optsList.unshift(settings.imgopts);
  }
  if (parsed.format === 'luks' && optsList.every((opts) => !opts.includes('key-secret'))) {
    result.push('--object', settings.luksSecretObject);
    optsList.push(settings.luksKeySecretOpt);
  }
  for (const opts of optsList) {
    result.push('-o', opts);
  }
  result.push(...parsed.remaining);
  return result;
}
