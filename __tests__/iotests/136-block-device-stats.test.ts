/**
 * @qemu-vm none
 * @group rw
 */
// QEMU iotest 136: block device statistics (query-blockstats) of a blkdebug-on-null drive, with
// every combination of stats-account-invalid / stats-account-failed, for null-aio and null-co.
//
// Accelerator: the original steps QEMU's virtual clock (qtest `clock_step`) once in setUp and once
// after every batch of I/O, and relies on qtest's fixed per-request latency (qtest_latency_ns in
// block/accounting.c: 1 ms per request, only under the qtest accelerator) for its exact latency
// assertions. Those cases are ported as they are and require qtest (skipped here, where QEMU has
// only tcg). Each of them also runs a second time, in the class's describe block "real clock"
// after the verbatim port, which performs the same I/O and asserts every counter exactly (bytes,
// operations, failed/invalid operations, merges, highest offset, idle time), while for the
// latencies, which follow the real clock there, it asserts what holds on any clock: zero exactly
// when nothing was accounted, otherwise a non-zero total and min <= avg <= max. test_no_op does
// no I/O and needs no clock stepping: it runs as is.
// The VM starts with -S (vCPUs stopped): see setUp.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { VM, iotests, type Qapi } from 'qemu-iotests';

/** The file's requirements (the original's notrun and main(supported_fmts=...)). */
function requireFileSupport(): void {
  if (!iotests.supportedFormats().includes('null-co')) {
    iotests.notrun('null-co driver support missing');
  }
  iotests.requires({ formats: ['raw'] });
}

requireFileSupport();

const INTERVAL_LENGTH = 10;
const NSEC_PER_SEC = 1_000_000_000;
/** qtest_latency_ns in block/accounting.c: every request takes exactly this long under qtest. */
const OP_LATENCY = NSEC_PER_SEC / 1000;
const BAD_SECTOR = 8192;
const BAD_OFFSET = BAD_SECTOR * 512;

/** Which clock the case runs on: qtest's virtual clock (stepped), or the real one (tcg). */
type Clock = 'virtual' | 'real';

/** One TestCase class of the original: the driver and the two accounting switches. */
interface StatsVariant {
  name: string;
  driver: 'null-aio' | 'null-co';
  accountInvalid: boolean;
  accountFailed: boolean;
}

const VARIANTS: readonly StatsVariant[] = [
  {
    name: 'BlockDeviceStatsTestCase',
    driver: 'null-aio',
    accountInvalid: false,
    accountFailed: false,
  },
  {
    name: 'BlockDeviceStatsTestAccountInvalid',
    driver: 'null-aio',
    accountInvalid: true,
    accountFailed: false,
  },
  {
    name: 'BlockDeviceStatsTestAccountFailed',
    driver: 'null-aio',
    accountInvalid: false,
    accountFailed: true,
  },
  {
    name: 'BlockDeviceStatsTestAccountBoth',
    driver: 'null-aio',
    accountInvalid: true,
    accountFailed: true,
  },
  {
    name: 'BlockDeviceStatsTestCoroutine',
    driver: 'null-co',
    accountInvalid: false,
    accountFailed: false,
  },
];

/** The I/O of one do_test_stats call (all counts default to 0). */
interface IoBatch {
  rdSize?: number;
  rdOps?: number;
  wrSize?: number;
  wrOps?: number;
  flushOps?: number;
  invalidRdOps?: number;
  invalidWrOps?: number;
  failedRdOps?: number;
  failedWrOps?: number;
  wrMerged?: number;
}

type Stats = Qapi.BlockDeviceStats;
type TimedStats = Qapi.BlockDeviceTimedStats;

/** The expected totals of one test, updated after each batch of I/O, and the checks. */
class ExpectedStats {
  totalRdBytes = 0;
  totalRdOps = 0;
  totalWrBytes = 0;
  totalWrOps = 0;
  totalWrMerged = 0;
  totalFlushOps = 0;
  failedRdOps = 0;
  failedWrOps = 0;
  invalidRdOps = 0;
  invalidWrOps = 0;
  wrHighestOffset = 0;

  constructor(
    private readonly variant: StatsVariant,
    private readonly vm: VM,
    private readonly clock: Clock,
  ) {}

  accountedOps(read: boolean, write: boolean, flush: boolean): number {
    const { accountFailed, accountInvalid } = this.variant;
    let ops = 0;
    if (write) {
      ops += this.totalWrOps;
      ops += accountFailed ? this.failedWrOps : 0;
      ops += accountInvalid ? this.invalidWrOps : 0;
    }
    if (read) {
      ops += this.totalRdOps;
      ops += accountFailed ? this.failedRdOps : 0;
      ops += accountInvalid ? this.invalidRdOps : 0;
    }
    if (flush) {
      ops += this.totalFlushOps;
    }
    return ops;
  }

  /** The latency qtest accounts: OP_LATENCY per successful (or, if accounted, failed) request. */
  accountedLatency(read: boolean, write: boolean, flush: boolean): number {
    const { accountFailed } = this.variant;
    let latency = 0;
    if (write) {
      latency += this.totalWrOps * OP_LATENCY;
      latency += accountFailed ? this.failedWrOps * OP_LATENCY : 0;
    }
    if (read) {
      latency += this.totalRdOps * OP_LATENCY;
      latency += accountFailed ? this.failedRdOps * OP_LATENCY : 0;
    }
    if (flush) {
      latency += this.totalFlushOps * OP_LATENCY;
    }
    return latency;
  }

  async blockstats(device: string): Promise<Stats> {
    const result = await this.vm.cmd('query-blockstats');
    for (const entry of result) {
      if (entry.device === device) {
        return entry.stats;
      }
    }
    throw new Error(`Device not found for blockstats: ${device}`);
  }

  async checkValues(): Promise<void> {
    const stats = await this.blockstats('drive0');

    // The totals match what we have counted.
    expect(stats.rd_bytes).toBe(this.totalRdBytes);
    expect(stats.wr_bytes).toBe(this.totalWrBytes);
    expect(stats.rd_operations).toBe(this.totalRdOps);
    expect(stats.wr_operations).toBe(this.totalWrOps);
    expect(stats.flush_operations).toBe(this.totalFlushOps);
    expect(stats.wr_highest_offset).toBe(this.wrHighestOffset);
    expect(stats.failed_rd_operations).toBe(this.failedRdOps);
    expect(stats.failed_wr_operations).toBe(this.failedWrOps);
    expect(stats.invalid_rd_operations).toBe(this.invalidRdOps);
    expect(stats.invalid_wr_operations).toBe(this.invalidWrOps);
    expect(stats.account_invalid).toBe(this.variant.accountInvalid);
    expect(stats.account_failed).toBe(this.variant.accountFailed);
    expect(stats.wr_merged).toBe(this.totalWrMerged);

    // Exactly one interval, of the length we asked for.
    expect(stats.timed_stats.length).toBe(1);
    const [timed] = stats.timed_stats;
    expect(timed?.interval_length).toBe(INTERVAL_LENGTH);

    for (const kind of ['rd', 'wr', 'flush'] as const) {
      if (timed !== undefined) this.checkLatencies(stats, timed, kind);
    }

    // idle_time_ns is there (and > 0) once any operation was accounted.
    if (this.accountedOps(true, true, true) !== 0) {
      expect(stats.idle_time_ns).toBeGreaterThan(0);
    } else {
      expect(stats).not.toHaveProperty('idle_time_ns');
    }

    // This test never changes these.
    expect(stats.rd_merged).toBe(0);
    expect(stats.failed_flush_operations).toBe(0);
    expect(stats.invalid_flush_operations).toBe(0);
  }

  private checkLatencies(stats: Stats, timed: TimedStats, kind: 'rd' | 'wr' | 'flush'): void {
    const total = this.accountedLatency(kind === 'rd', kind === 'wr', kind === 'flush');
    const min = timed[`min_${kind}_latency_ns`];
    const max = timed[`max_${kind}_latency_ns`];
    const avg = timed[`avg_${kind}_latency_ns`];
    if (total === 0) {
      // Nothing accounted: zero on any clock.
      expect(stats[`${kind}_total_time_ns`]).toBe(0);
      expect([min, max, avg]).toEqual([0, 0, 0]);
      if (kind !== 'flush') {
        expect(timed[`avg_${kind}_queue_depth`]).toBe(0);
      }
    } else if (this.clock === 'virtual') {
      expect(stats[`${kind}_total_time_ns`]).toBe(total);
      expect([min, max, avg]).toEqual([OP_LATENCY, OP_LATENCY, OP_LATENCY]);
      if (kind !== 'flush') {
        expect(timed[`avg_${kind}_queue_depth`]).toBeGreaterThan(0);
      }
    } else {
      // Real clock: the requests took some (unknown) time.
      expect(stats[`${kind}_total_time_ns`]).toBeGreaterThan(0);
    }
    // min <= avg <= max
    expect(min).toBeLessThanOrEqual(avg);
    expect(avg).toBeLessThanOrEqual(max);
  }

  async stepClock(): Promise<void> {
    if (this.clock === 'virtual') {
      await this.vm.qtest(`clock_step ${NSEC_PER_SEC}`);
    }
  }

  /** Run one batch of I/O through qemu-io, update the expected totals, and check the stats. */
  async doTestStats(batch: IoBatch): Promise<void> {
    const {
      rdSize = 0,
      rdOps = 0,
      wrSize = 0,
      wrOps = 0,
      flushOps = 0,
      invalidRdOps = 0,
      invalidWrOps = 0,
      failedRdOps = 0,
      failedWrOps = 0,
      wrMerged = 0,
    } = batch;
    const ops: string[] = [];
    for (let i = 0; i < rdOps; i++) ops.push(`aio_read ${i * rdSize} ${rdSize}`);
    for (let i = 0; i < wrOps; i++) ops.push(`aio_write ${i * wrSize} ${wrSize}`);
    for (let i = 0; i < flushOps; i++) ops.push('aio_flush');
    let highestOffset = wrOps * wrSize;
    for (let i = 0; i < invalidRdOps; i++) ops.push('aio_read -i 0 512');
    for (let i = 0; i < invalidWrOps; i++) ops.push('aio_write -i 0 512');
    for (let i = 0; i < failedRdOps; i++) ops.push(`aio_read ${BAD_OFFSET} 512`);
    for (let i = 0; i < failedWrOps; i++) ops.push(`aio_write ${BAD_OFFSET} 512`);

    // One more flush settles the outstanding AIO before the clock moves on, so that the last
    // access precedes the clock step and idle_time_ns comes out > 0.
    const anyIo =
      rdOps + wrOps + invalidRdOps + invalidWrOps + failedRdOps + failedWrOps > 0 ? 1 : 0;
    if (anyIo > 0) {
      ops.push('aio_flush');
    }
    if (failedWrOps > 0) {
      highestOffset = Math.max(highestOffset, BAD_OFFSET + 512);
    }

    for (const op of ops) {
      await this.vm.hmpQemuIo('drive0', op);
    }

    this.totalRdBytes += rdOps * rdSize;
    this.totalRdOps += rdOps;
    this.totalWrBytes += wrOps * wrSize;
    this.totalWrOps += wrOps;
    this.totalWrMerged += wrMerged;
    this.totalFlushOps += flushOps + anyIo;
    this.invalidRdOps += invalidRdOps;
    this.invalidWrOps += invalidWrOps;
    this.failedRdOps += failedRdOps;
    this.failedWrOps += failedWrOps;
    this.wrHighestOffset = Math.max(this.wrHighestOffset, highestOffset);

    // Let time pass, so that idle_time_ns has a meaningful value.
    await this.stepClock();
    await this.checkValues();
  }
}

/** A test case body, given the stats tracker of its VM. */
type CaseBody = (stats: ExpectedStats) => Promise<void>;

const SIZES_AND_COUNTS: ReadonlyArray<readonly [number, number]> = [
  [512, 1],
  [65536, 1],
  [512, 12],
  [65536, 12],
];

/** The test_* methods that do I/O (and so step the clock after each batch). */
const IO_CASES: ReadonlyArray<readonly [string, CaseBody]> = [
  [
    'test_read_only',
    async (s) => {
      for (const [size, count] of SIZES_AND_COUNTS) {
        await s.doTestStats({ rdSize: size, rdOps: count });
      }
    },
  ],
  [
    'test_write_only',
    async (s) => {
      for (const [size, count] of SIZES_AND_COUNTS) {
        await s.doTestStats({ wrSize: size, wrOps: count });
      }
    },
  ],
  [
    'test_invalid',
    async (s) => {
      await s.doTestStats({ invalidRdOps: 7 });
      await s.doTestStats({ invalidWrOps: 3 });
      await s.doTestStats({ invalidRdOps: 4, invalidWrOps: 5 });
    },
  ],
  [
    'test_failed',
    async (s) => {
      await s.doTestStats({ failedRdOps: 8 });
      await s.doTestStats({ failedWrOps: 6 });
      await s.doTestStats({ failedRdOps: 5, failedWrOps: 12 });
    },
  ],
  [
    'test_flush',
    async (s) => {
      await s.doTestStats({ flushOps: 8 });
    },
  ],
  [
    'test_all',
    async (s) => {
      // rd_size, rd_ops, wr_size, wr_ops, flush_ops, invalid_rd_ops, invalid_wr_ops,
      // failed_rd_ops, failed_wr_ops, wr_merged
      const rows = [
        [512, 1, 512, 1, 1, 4, 7, 5, 2, 0],
        [65536, 1, 2048, 12, 7, 7, 5, 2, 5, 0],
        [32768, 9, 8192, 1, 4, 3, 2, 4, 6, 0],
        [16384, 11, 3584, 16, 9, 8, 6, 7, 3, 0],
      ] as const;
      for (const row of rows) {
        const [rdSize, rdOps, wrSize, wrOps, flushOps, invalidRdOps, invalidWrOps] = row;
        const [failedRdOps, failedWrOps, wrMerged] = row.slice(7);
        await s.doTestStats({
          rdSize,
          rdOps,
          wrSize,
          wrOps,
          flushOps,
          invalidRdOps,
          invalidWrOps,
          failedRdOps,
          failedWrOps,
          wrMerged,
        });
      }
    },
  ],
];

function blkdebugConfig(): string {
  return [
    '',
    '[inject-error]',
    'event = "read_aio"',
    'errno = "5"',
    `sector = "${BAD_SECTOR}"`,
    '',
    '[inject-error]',
    'event = "write_aio"',
    'errno = "5"',
    `sector = "${BAD_SECTOR}"`,
    '',
  ].join('\n');
}

for (const variant of VARIANTS) {
  describe(variant.name, () => {
    // skip_if_unsupported(required_drivers) on setUp: the driver must be whitelisted.
    iotests.requires({ requiredFormats: [variant.driver] });

    const blkdebugFile = (): string => path.join(iotests.testDir, 'blkdebug.conf');
    let machine: VM;

    beforeEach(async () => {
      const driveArgs = [
        `stats-intervals.0=${INTERVAL_LENGTH}`,
        `stats-account-invalid=${variant.accountInvalid ? 'on' : 'off'}`,
        `stats-account-failed=${variant.accountFailed ? 'on' : 'off'}`,
        'file.image.read-zeroes=on',
      ];
      writeFileSync(blkdebugFile(), blkdebugConfig());
      machine = new VM({ paused: true }).addDrive(
        `blkdebug:${blkdebugFile()}:${variant.driver}://`,
        {
          opts: driveArgs.join(','),
        },
      );
      // Under tcg the guest firmware would run and read the boot sector of this virtio disk
      // (512 bytes more in rd_bytes, at a moment of its choosing); under qtest no guest code runs.
      // the VM starts paused (-S), so the vCPUs stay stopped, so the only I/O is the test's own.
      await machine.launch();
    });

    afterEach(async () => {
      await machine.shutdown();
      rmSync(blkdebugFile());
    });

    /** setUp's initial clock value, then the case, on the given clock. */
    async function runCase(clock: Clock, body: CaseBody): Promise<void> {
      const stats = new ExpectedStats(variant, machine, clock);
      await stats.stepClock();
      await body(stats);
    }

    for (const [name, body] of IO_CASES) {
      test(name, async () => {
        // Steps the virtual clock (clock_step) and expects qtest's fixed request latency.
        iotests.requires({ accelerator: 'qtest' });
        await runCase('virtual', body);
      });
    }

    test('test_no_op', async () => {
      // All values must be sane before any I/O. The clock is stepped only where there is one
      // to step (setUp's initial value; it changes nothing that is checked here).
      await runCase(iotests.capabilities.hasQtest ? 'virtual' : 'real', (s) => s.checkValues());
    });

    // Not in the original: the cases with I/O again, on the real clock (see the top of the file).
    describe('real clock', () => {
      for (const [name, body] of IO_CASES) {
        test(name, async () => {
          await runCase('real', body);
        });
      }
    });
  });
}
