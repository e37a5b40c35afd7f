// Load held across workers: one Jest run, 4 workers, 100 generated test files (25 a worker) that
// all use the same names: the same image file name, the same node name, the same NBD socket
// name, the same VM. Every file writes its own data pattern and reads it back at the end, through
// QEMU, qemu-nbd and qemu-io: any two files sharing a path would break each other's pattern.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, expect, test } from '@jest/globals';

import { buildDist, explicitDirs, removeSocketDirs, runJest, statuses } from './support/jest-child';
import { entriesUnder, killAll, qemuProcessesUsing } from './support/leftovers';

const WORKERS = 4;
const FILES = 100;
const WORKER_MARKER = 'LOAD-WORKER';

let project: string;

/** One generated test file: identical names everywhere, a pattern of its own. */
function loadTestFile(index: number): string {
  const pattern = (index % 250) + 1;
  return `import path from 'node:path';
import { expect, test } from '@jest/globals';
import { iotests } from 'qemu-iotests';

test('file ${index}: the same names as every other file, its own data', async () => {
  process.stdout.write('${WORKER_MARKER} ' + process.pid + '\\n');
  const image = iotests.filePath('t.qcow2');
  await iotests.qemuImgCreate('-f', 'qcow2', image, '1M');
  await iotests.qemuIo('-c', 'write -P ${pattern} 0 64k', image);
  await vm.qmp('blockdev-add', {
    driver: 'qcow2',
    'node-name': 'disk',
    file: { driver: 'file', filename: image },
  });
  await expect(vm).toHaveBlockNode({ nodeName: 'disk', fileName: image });
  await vm.qmpLog('block-dirty-bitmap-add', { node: 'disk', name: 'bitmap0' });
  expect(await vm.qmp('blockdev-del', { 'node-name': 'disk' })).toMatchQmp('return', {});
  const socket = path.join(iotests.sockDir, 'nbd.sock');
  await iotests.withQemuNbd(['-k', socket, '-f', 'qcow2', image], async () => {
    await iotests.qemuIo('-f', 'raw', '-c', 'read -P ${pattern} 0 64k', 'nbd+unix:///?socket=' + socket);
  });
  await iotests.qemuIo('-c', 'read -P ${pattern} 0 64k', image);
  expect(iotests.transcript().text).toBe(
    '{"execute": "block-dirty-bitmap-add", "arguments": {"name": "bitmap0", "node": "disk"}}\\n' +
      '{"return": {}}\\n' +
      'Start NBD server\\n' +
      'Kill NBD server\\n',
  );
});
`;
}

beforeAll(() => {
  buildDist();
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-load-'));
  fs.writeFileSync(path.join(project, 'package.json'), '{ "name": "load", "private": true }\n');
  const tests = path.join(project, '__tests__', 'iotests');
  fs.mkdirSync(tests, { recursive: true });
  for (let i = 1; i <= FILES; i++) {
    const name = `load-${String(i).padStart(3, '0')}.test.ts`;
    fs.writeFileSync(path.join(tests, name), loadTestFile(i));
  }
});

afterAll(() => {
  removeSocketDirs();
  fs.rmSync(project, { recursive: true, force: true });
});

test(`${WORKERS} workers x ${FILES / WORKERS} files with the same names: all green, nothing left`, async () => {
  const dirs = explicitDirs(project);
  const run = await runJest({
    rootDir: project,
    testMatch: ['**/__tests__/iotests/**/*.test.ts'],
    dirs,
    args: [`--maxWorkers=${WORKERS}`],
    timeoutMs: 180_000,
  });
  const leftovers = qemuProcessesUsing([run.testDir, run.sockDir]);
  killAll(leftovers);
  const passed = Object.values(statuses(run)).filter((status) => status === 'passed').length;
  const workers = new Set(run.output.match(new RegExp(`${WORKER_MARKER} \\d+`, 'g')));
  process.stdout.write(
    `faults/load: ${FILES} files on ${workers.size} workers in ${(run.ms / 1000).toFixed(1)} s, ` +
      `${passed} passed\n`,
  );
  const firstFailure = run.results?.testResults.find((file) => file.status !== 'passed')?.message;
  expect({ status: run.status, passed, firstFailure }).toEqual({
    status: 0,
    passed: FILES,
    firstFailure: undefined,
  });
  expect(workers.size).toBe(WORKERS);
  expect(leftovers).toEqual([]);
  expect(entriesUnder(run.testDir)).toEqual([]);
  expect(entriesUnder(run.sockDir)).toEqual([]);
}, 200_000);
