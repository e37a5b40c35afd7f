#!/usr/bin/env node
// Benchmarks of the machine + QMP layers against the same work done with no library at all.
//
//   npx tsc -p tsconfig.build.json && node bench/run.js      (npm run bench builds first)
//
// Measured, with the library and without, alternating so machine noise hits both alike:
//   vm_lifecycle_ms / raw_lifecycle_ms: median of launch -> QMP ready -> quit -> process exit
//   qmp_rtt_us / raw_rtt_us:            median query-status round trip, sequential calls
//   pipelined_cmds_per_s:               2000 query-status issued at once through the client
// Both variants run the same QEMU command line and the same design: we listen on a UNIX socket
// and QEMU connects to it as a client. The last line printed is one JSON object with the numbers.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { performance } = require('node:perf_hooks');
const { RawQmp, listenForQemu, median, qmpMonitorArgs, round } = require('./lib');

const DIST = path.join(__dirname, '..', 'dist', 'src');
if (!fs.existsSync(path.join(DIST, 'machine', 'index.js'))) {
  process.stderr.write(
    'bench: dist/ is missing; build first: npx tsc -p tsconfig.build.json (npm run bench does)\n',
  );
  process.exit(1);
}
const { QemuMachine } = require(path.join(DIST, 'machine'));
const { QmpClient } = require(path.join(DIST, 'qmp'));

const QEMU = process.env.QEMU_PROG || 'qemu-system-x86_64';
const LIFECYCLES = 40; // per variant
const RTT_CALLS = 2000; // per variant
const RTT_BLOCK = 100; // calls per turn before switching variant
const PIPELINED = 2000;
const PIPELINE_ROUNDS = 5;
const TARGET_RATIO = 1.15;
// The arguments QemuMachine generates besides its sockets, used verbatim for the raw variant.
const COMMON_ARGS = ['-display', 'none', '-vga', 'none', '-nodefaults'];
const TAIL_ARGS = ['-accel', 'tcg', '-machine', 'none'];

/** A QEMU started by hand: listen, spawn, accept, greeting + qmp_capabilities. */
async function startRaw(dir) {
  const socketPath = path.join(dir, 'qmp.sock');
  fs.rmSync(socketPath, { force: true });
  const { server, connected } = await listenForQemu(socketPath);
  const argv = [...COMMON_ARGS, ...qmpMonitorArgs(socketPath), ...TAIL_ARGS];
  const child = spawn(QEMU, argv, { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const socket = await connected;
  server.close();
  const qmp = new RawQmp(socket);
  const greeting = await qmp.next();
  if (greeting.QMP === undefined)
    throw new Error(`unexpected greeting ${JSON.stringify(greeting)}`);
  // The same negotiation as QmpClient (and Python's qemu.qmp): out-of-band execution if offered.
  const offersOob = greeting.QMP.capabilities.includes('oob');
  await qmp.call('qmp_capabilities', 0, offersOob ? { enable: ['oob'] } : undefined);
  return { child, exited, qmp, socket };
}

async function stopRaw(raw) {
  await raw.qmp.call('quit', -1);
  await raw.exited;
  raw.socket.destroy();
}

async function rawLifecycle(dir) {
  const start = performance.now();
  await stopRaw(await startRaw(dir));
  return performance.now() - start;
}

function newMachine() {
  return new QemuMachine({ binary: QEMU, machineType: 'none' });
}

async function vmLifecycle() {
  const machine = newMachine();
  const start = performance.now();
  await machine.launch();
  await machine.shutdown();
  return performance.now() - start;
}

async function measureLifecycles(dir) {
  const vm = [];
  const raw = [];
  // Warm-up (page cache, first spawn), not recorded.
  await vmLifecycle();
  await rawLifecycle(dir);
  for (let i = 0; i < LIFECYCLES; i++) {
    // Alternate which goes first, too.
    if (i % 2 === 0) {
      vm.push(await vmLifecycle());
      raw.push(await rawLifecycle(dir));
    } else {
      raw.push(await rawLifecycle(dir));
      vm.push(await vmLifecycle());
    }
  }
  return { vm: median(vm), raw: median(raw) };
}

async function measureRoundTrips(dir) {
  const machine = newMachine();
  await machine.launch();
  const raw = await startRaw(dir);
  try {
    const client = machine.qmpClient;
    const viaClient = [];
    const viaRaw = [];
    let id = 1;
    for (let i = 0; i < 20; i++) {
      await client.execute('query-status');
      await raw.qmp.call('query-status', id++);
    }
    for (let done = 0; done < RTT_CALLS; done += RTT_BLOCK) {
      for (let i = 0; i < RTT_BLOCK; i++) {
        const start = performance.now();
        await client.execute('query-status');
        viaClient.push(performance.now() - start);
      }
      for (let i = 0; i < RTT_BLOCK; i++) {
        const start = performance.now();
        await raw.qmp.call('query-status', id++);
        viaRaw.push(performance.now() - start);
      }
    }
    const rates = [];
    for (let round = 0; round < PIPELINE_ROUNDS; round++) {
      const start = performance.now();
      const replies = await Promise.all(
        Array.from({ length: PIPELINED }, () => client.execute('query-status')),
      );
      const seconds = (performance.now() - start) / 1000;
      if (replies.some((reply) => reply.return === undefined)) {
        throw new Error('a pipelined query-status failed');
      }
      rates.push(PIPELINED / seconds);
    }
    return {
      client: median(viaClient) * 1000,
      raw: median(viaRaw) * 1000,
      pipelined: median(rates),
    };
  } finally {
    await stopRaw(raw).catch(() => raw.child.kill('SIGKILL'));
    await machine.shutdown().catch(() => machine.kill());
  }
}

function verdict(ratio) {
  return ratio <= TARGET_RATIO ? 'ok' : `OVER the ${TARGET_RATIO} target`;
}

async function main() {
  // Make sure both variants can use the installed QEMU before timing anything.
  if (typeof QmpClient !== 'function') throw new Error('dist/src/qmp has no QmpClient');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbench-'));
  const began = performance.now();
  try {
    const lifecycle = await measureLifecycles(dir);
    const rtt = await measureRoundTrips(dir);
    const result = {
      vm_lifecycle_ms: round(lifecycle.vm, 2),
      raw_lifecycle_ms: round(lifecycle.raw, 2),
      qmp_rtt_us: round(rtt.client, 1),
      raw_rtt_us: round(rtt.raw, 1),
      pipelined_cmds_per_s: Math.round(rtt.pipelined),
    };
    const lifecycleRatio = lifecycle.vm / lifecycle.raw;
    const rttRatio = rtt.client / rtt.raw;
    process.stdout.write(
      `lifecycle: QemuMachine ${result.vm_lifecycle_ms} ms vs bare ${result.raw_lifecycle_ms} ms ` +
        `(median of ${LIFECYCLES}), ratio ${round(lifecycleRatio, 3)} ${verdict(lifecycleRatio)}\n` +
        `round trip: QmpClient ${result.qmp_rtt_us} us vs bare ${result.raw_rtt_us} us ` +
        `(median of ${RTT_CALLS}), ratio ${round(rttRatio, 3)} ${verdict(rttRatio)}\n` +
        `pipelined: ${result.pipelined_cmds_per_s} commands/s (${PIPELINED} at once, median of ` +
        `${PIPELINE_ROUNDS})\n` +
        `total bench time ${round((performance.now() - began) / 1000, 1)} s\n`,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error && error.stack ? error.stack : error}\n`);
  process.exitCode = 1;
});
