// A real migration between two VMs over a UNIX socket in SOCK_DIR: enableMigrationEvents and
// waitMigration on both sides, with the transcript lines the seed's helpers write.
import { afterAll, beforeAll, beforeEach, expect, test } from '@jest/globals';
import path from 'node:path';
import { resetTranscript, transcript } from '../../../src/iotests/transcript';
import { VM } from '../../../src/iotests/vm';
import { qemuImg, setUpVmRuntime, type VmTestRuntime } from './vm-runtime';

const MIGRATION_EVENT_LINE =
  /^\{"data": \{"status": "([a-z-]+)"\}, "event": "MIGRATION", "timestamp": \{"microseconds": "USECS", "seconds": "SECS"\}\}$/;

let rt: VmTestRuntime;

beforeAll(async () => {
  rt = await setUpVmRuntime();
});

afterAll(async () => {
  const errors = await rt.tearDown();
  expect(errors).toEqual([]);
});

beforeEach(() => {
  resetTranscript();
});

/** The statuses of the MIGRATION lines in `text`; fails on any other line. */
function migrationStatuses(text: string): string[] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => {
      const match = MIGRATION_EVENT_LINE.exec(line);
      if (match === null) {
        throw new Error(`not a filtered MIGRATION event line: ${line}`);
      }
      return match[1] ?? '';
    });
}

test('a VM migrates to a second VM; both sides log their MIGRATION events', async () => {
  const image = rt.filePath('migrate.qcow2');
  await qemuImg(rt, 'create', '-f', 'qcow2', image, '1M');
  const socket = path.join(rt.sockDir, `${process.pid}-migrate.sock`);
  const source = new VM({ pathSuffix: 'a' }).addDrive(image);
  const destination = new VM({ pathSuffix: 'b' }).addDrive(image).addIncoming(`unix:${socket}`);
  await source.launch();
  await destination.launch();

  await source.enableMigrationEvents('A');
  await destination.enableMigrationEvents('B');
  expect(transcript()).toBe(
    'Enabling migration QMP events on A...\n{"return": {}}\n' +
      'Enabling migration QMP events on B...\n{"return": {}}\n',
  );

  resetTranscript();
  expect(await source.cmd('migrate', { uri: `unix:${socket}` })).toEqual({});
  expect(await source.waitMigration('postmigrate')).toBe(true);
  const sourceStatuses = migrationStatuses(transcript());
  expect(sourceStatuses[0]).toBe('setup');
  expect(sourceStatuses.at(-1)).toBe('completed');
  expect(await source.cmd('query-status')).toMatchObject({ status: 'postmigrate' });

  resetTranscript();
  expect(await destination.waitMigration('running')).toBe(true);
  expect(migrationStatuses(transcript()).at(-1)).toBe('completed');
  expect(await destination.cmd('query-status')).toMatchObject({ status: 'running' });

  await source.shutdown();
  await destination.shutdown();
  expect([source.exitCode, destination.exitCode]).toEqual([0, 0]);
});

test('waitMigration resolves false when the migration fails', async () => {
  const source = new VM({ pathSuffix: 'c' });
  await source.launch();
  await source.enableMigrationEvents('C');
  resetTranscript();
  // Nobody listens on this socket: the migration fails.
  const nowhere = path.join(rt.sockDir, `${process.pid}-nobody.sock`);
  // QEMU accepts the command and reports the failure through MIGRATION events.
  expect(await source.qmp('migrate', { uri: `unix:${nowhere}` })).toEqual({ return: {} });
  expect(await source.waitMigration(null)).toBe(false);
  expect(migrationStatuses(transcript())).toEqual(['setup', 'failed']);
  await source.shutdown();
});
