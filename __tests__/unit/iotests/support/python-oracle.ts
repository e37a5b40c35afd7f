// Runs pyoracle.py (Python itself, doing what iotests.py does) on a batch of cases, so the tests
// can compare our output with Python's byte for byte. Values cross the pipe tagged, keeping the
// Python types apart that JSON would merge (int/float, dict/OrderedDict).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import type { FileContext } from '../../../../src/iotests/context';
import { describeValue } from '../../../../src/common/describe-value';
import { OrderedQmp, PyFloat, dictEntries } from '../../../../src/iotests/pyjson';

/** A value as the oracle reads and writes it. */
export type Tagged =
  | null
  | boolean
  | string
  | Tagged[]
  | { $int: string }
  | { $float: string }
  | { $dict: Array<[string, Tagged]> }
  | { $ordered: Array<[string, Tagged]> };

/** Which iotests.py the oracle runs: the seed's, QEMU 7.2's (filter_qmp on a lone value) or 10.0's. */
export type IotestsVersion = 'seed' | '7.2' | '10.0';

/** One question for Python. */
export type OracleCase =
  | { op: 'dumps'; value: Tagged; sortKeys: boolean; indent: number | null }
  | {
      op: 'filter';
      name: string;
      args: Tagged[];
      ctx?: FileContext;
      /** Whose iotests.py: the seed's (default) or QEMU 7.2's, where their filters differ. */
      iotests?: IotestsVersion;
    }
  | { op: 'orderedQmp'; value: Tagged; convKeys: boolean }
  | {
      op: 'log';
      messages: Array<{ msg: Tagged; filters?: string[]; indent?: number | null }>;
      ctx?: FileContext;
    }
  | {
      op: 'qmpLogMessage';
      cmd: string;
      args: Tagged;
      filters?: string[];
      indent?: number | null;
      ctx?: FileContext;
    };

/** Python's answer: the value, or the exception it raised. */
export type OracleResult = { ok: unknown } | { error: string };

const ORACLE = path.join(__dirname, 'pyoracle.py');

/** The context the oracle uses when a case names none. */
export const DEFAULT_ORACLE_CTX: FileContext = {
  testDir: '/tmp/t',
  sockDir: '/tmp/s',
  imgfmt: 'raw',
  filePrefix: '1-',
};

/** Ask python3 all cases at once (one process); throws when python3 itself fails. */
export function askPython(cases: OracleCase[]): OracleResult[] {
  const run = spawnSync('python3', [ORACLE], {
    input: JSON.stringify({ cases }),
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 512 * 1024 * 1024,
  });
  if (run.error !== undefined || run.status !== 0) {
    throw new Error(
      `python3 ${ORACLE} failed (status ${String(run.status)}, signal ${String(run.signal)}): ` +
        `${run.error?.message ?? ''}\n${run.stderr}`,
    );
  }
  const reply = JSON.parse(run.stdout) as { results: OracleResult[] };
  if (reply.results.length !== cases.length) {
    throw new Error(`oracle answered ${reply.results.length} of ${cases.length} cases`);
  }
  return reply.results;
}

/** The value Python computed, or a thrown Error carrying Python's exception. */
export function okValue(result: OracleResult | undefined): unknown {
  if (result === undefined) throw new Error('no oracle result');
  if ('error' in result) throw new Error(`python raised ${result.error}`);
  return result.ok;
}

/**
 * Tag a JS value with the Python type pyJsonDumps prints it as: integral numbers and bigints are
 * ints, other numbers and PyFloat floats, OrderedQmp an OrderedDict, Maps and objects dicts.
 */
export function tag(value: unknown): Tagged {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return { $int: value.toString() };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { $int: BigInt(value).toString() } : floatTag(value);
  }
  if (value instanceof PyFloat) return floatTag(value.value);
  if (Array.isArray(value)) return value.map((item: unknown) => tag(item));
  const entries = dictEntries(value);
  if (entries === undefined) throw new TypeError(`cannot tag ${describeValue(value)}`);
  const pairs = entries.map(([key, item]): [string, Tagged] => [key, tag(item)]);
  return value instanceof OrderedQmp ? { $ordered: pairs } : { $dict: pairs };
}

function floatTag(value: number): Tagged {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bytes = Array.from(new Uint8Array(view.buffer), (byte) =>
    byte.toString(16).padStart(2, '0'),
  );
  return { $float: bytes.join('') };
}
