// Load held in one process: 200 QEMU lifecycles (launch, QMP, shutdown) carrying 50 000 QMP
// commands, with the file descriptors of this process counted before and after (no leak) and its
// resident memory sampled along the way (no unbounded growth). QemuMachine directly, with
// `-machine none`: the VM class adds nothing here but a guest that would only slow the loop down.
import fs from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, expect, test } from '@jest/globals';

import { QemuMachine, liveChildren } from '../../src/machine';
import { QmpCommandError } from '../../src/qmp';
import { unchecked } from '../../src/qapi/calls';
import { liveHeap, mib } from './support/memory';

const QEMU = process.env.QEMU_PROG ?? 'qemu-system-x86_64';
const LIFECYCLES = 200;
const COMMANDS_PER_LIFECYCLE = 250; // 200 x 250 = 50 000 commands
const IN_FLIGHT = 25;

let sockDir: string;

beforeAll(() => {
  sockDir = fs.mkdtempSync(path.join('/tmp', 'fload'));
});

afterAll(() => {
  fs.rmSync(sockDir, { recursive: true, force: true });
});

function openFds(): string[] {
  return fs.readdirSync('/proc/self/fd').map((fd) => {
    try {
      return `${fd} -> ${fs.readlinkSync(`/proc/self/fd/${fd}`)}`;
    } catch {
      return `${fd} -> (closed while listing)`;
    }
  });
}

/** Sends `count` commands, at most IN_FLIGHT at a time; one in 25 is refused by QEMU on purpose. */
async function commandLoad(machine: QemuMachine, count: number): Promise<number> {
  let next = 0;
  let refused = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const n = next++;
      if (n % 25 === 24) {
        const error = await machine.cmd(unchecked('no-such-command')).catch((e: unknown) => e);
        if (!(error instanceof QmpCommandError))
          throw new Error(`expected a refusal, got ${String(error)}`);
        refused++;
      } else if (n % 2 === 0) {
        const status = (await machine.cmd('query-status')) as { status?: string };
        if (status.status === undefined)
          throw new Error(`odd query-status: ${JSON.stringify(status)}`);
      } else {
        await machine.cmd('qom-list', { path: '/machine' });
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return refused;
}

async function lifecycle(index: number): Promise<number> {
  const machine = new QemuMachine({
    binary: QEMU,
    machineType: 'none',
    sockDir,
    name: `load-${index}`,
  });
  await machine.launch();
  try {
    return await commandLoad(machine, COMMANDS_PER_LIFECYCLE);
  } finally {
    await machine.shutdown();
  }
}

test(`${LIFECYCLES} QEMU lifecycles and ${LIFECYCLES * COMMANDS_PER_LIFECYCLE} QMP commands: no fd leak, bounded memory`, async () => {
  // One lifecycle first: modules, the process registry and the hooks are set up once per process.
  await lifecycle(-1);
  const fdsBefore = openFds();
  const heapBefore = liveHeap();
  const rssBefore = process.memoryUsage().rss;
  const rssSamples: number[] = [];
  const started = performance.now();
  let commands = 0;
  let refused = 0;
  for (let i = 0; i < LIFECYCLES; i++) {
    refused += await lifecycle(i);
    commands += COMMANDS_PER_LIFECYCLE;
    if (i % 50 === 49) rssSamples.push(process.memoryUsage().rss);
  }
  const seconds = (performance.now() - started) / 1000;
  // Let closed sockets and reaped children release their descriptors.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const fdsAfter = openFds();
  const heapAfter = liveHeap();
  const rssAfter = process.memoryUsage().rss;

  process.stdout.write(
    `faults/load: ${LIFECYCLES} lifecycles, ${commands} QMP commands (${refused} refused on purpose) ` +
      `in ${seconds.toFixed(1)} s; fds ${fdsBefore.length} -> ${fdsAfter.length}; ` +
      `RSS ${mib(rssBefore)} -> ${mib(rssAfter)} MiB (every 50: ${rssSamples.map(mib).join(', ')}); ` +
      `live heap ${mib(heapBefore)} -> ${mib(heapAfter)} MiB\n`,
  );
  expect(commands).toBe(50_000);
  expect(fdsAfter).toEqual(fdsBefore);
  expect(liveChildren()).toEqual([]);
  expect(fs.readdirSync(sockDir)).toEqual([]);
  // Generous bounds: a leak of 200 bytes per command would keep 10 MiB on the heap; RSS also
  // holds what V8 and the allocator keep for reuse, so it only catches gross growth.
  expect(mib(heapAfter - heapBefore)).toBeLessThan(10);
  expect(mib(rssAfter - rssBefore)).toBeLessThan(100);
}, 240_000);
