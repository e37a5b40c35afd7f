import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import execa from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { QmpClient, QmpCommandError, QmpConnectionLostError } from '../../../src/qmp';

// The QMP client against a real QEMU: no VM, just the monitor.
describe('QmpClient against qemu-system-x86_64', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-it-'));
  const socketPath = join(dir, 'q.sock');
  let qemu: execa.ExecaChildProcess | undefined;
  let exited: Promise<execa.ExecaReturnValue | execa.ExecaError> | undefined;
  let client: QmpClient | undefined;

  beforeAll(() => {
    qemu = execa(
      'qemu-system-x86_64',
      [
        '-display',
        'none',
        '-nodefaults',
        '-machine',
        'none',
        '-qmp',
        `unix:${socketPath},server=on,wait=off`,
      ],
      { reject: false, stdin: 'ignore' },
    );
    // Observed from the start so an early exit is never an unhandled rejection.
    exited = qemu.then(
      (result) => result,
      (error: execa.ExecaError) => error,
    );
  });

  afterAll(async () => {
    await client?.close();
    const pid = qemu?.pid;
    if (pid !== undefined && qemu?.exitCode === null && qemu.signalCode === null) {
      process.kill(pid, 'SIGKILL');
    }
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });

  test('connects and negotiates (QEMU offers OOB)', async () => {
    client = await QmpClient.connect(socketPath, {
      connectTimeoutMs: 15_000,
      describeConnectionLoss: () =>
        qemu?.exitCode !== null || qemu.signalCode !== null
          ? `QEMU exited (code ${String(qemu?.exitCode)}, signal ${String(qemu?.signalCode)})`
          : undefined,
    });
    expect(client.greeting?.QMP.capabilities).toContain('oob');
    expect(client.oobEnabled).toBe(true);
  });

  test('query-status and query-version', async () => {
    expect(await client!.command('query-status')).toMatchObject({ status: expect.any(String) });
    const version = (await client!.command('query-version')) as {
      qemu: { major: number; minor: number; micro: number };
      package: string;
    };
    expect(version.qemu).toEqual({
      major: expect.any(Number),
      minor: expect.any(Number),
      micro: expect.any(Number),
    });
    expect(version.qemu).toEqual(
      (client!.greeting?.QMP.version as { qemu: unknown } | undefined)?.qemu,
    );
  });

  test('an unknown command: raw error reply, and QmpCommandError from command()', async () => {
    const reply = await client!.execute('no-such-command', { x: 1 });
    // As QEMU would send it without our routing id.
    expect(reply).toStrictEqual({
      error: { class: 'CommandNotFound', desc: 'The command no-such-command has not been found' },
    });
    const error = await client!.command('no-such-command').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpCommandError);
    expect(error).toMatchObject({ command: 'no-such-command', errorClass: 'CommandNotFound' });
  });

  test('exec-oob reaches QEMU (query-status does not allow OOB)', async () => {
    const reply = await client!.execute('query-status', undefined, { oob: true });
    expect(reply).toStrictEqual({
      error: { class: 'GenericError', desc: 'The command query-status does not support OOB' },
    });
  });

  test('quit: the reply, the SHUTDOWN event, then QEMU exits', async () => {
    await expect(client!.command('quit')).resolves.toEqual({});
    const shutdown = await client!.eventWait('SHUTDOWN', { match: { data: { guest: false } } });
    expect(shutdown.data).toEqual({ guest: false, reason: 'host-qmp-quit' });
    const result = await exited!;
    expect(result.exitCode).toBe(0);
    await expect(client!.command('query-status')).rejects.toThrow(/QMP connection lost/);
  });
});

describe('QEMU killed while a wait is pending', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-it-'));
  const socketPath = join(dir, 'q.sock');
  let qemu: execa.ExecaChildProcess | undefined;
  let exited: Promise<unknown> | undefined;
  let client: QmpClient | undefined;

  afterAll(async () => {
    await client?.close();
    const pid = qemu?.pid;
    if (pid !== undefined && qemu?.exitCode === null && qemu.signalCode === null) {
      process.kill(pid, 'SIGKILL');
    }
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });

  test('the wait fails with the exit reason, even though the socket closes first', async () => {
    qemu = execa(
      'qemu-system-x86_64',
      [
        '-display',
        'none',
        '-nodefaults',
        '-machine',
        'none',
        '-qmp',
        `unix:${socketPath},server=on,wait=off`,
      ],
      { reject: false, stdin: 'ignore' },
    );
    const child = qemu;
    exited = child.then(
      () => undefined,
      () => undefined,
    );
    // What a machine does: describe the exit once it is known (the socket may close first).
    client = await QmpClient.connect(socketPath, {
      describeConnectionLoss: () =>
        child.signalCode !== null ? `QEMU exited with signal ${child.signalCode}` : undefined,
    });
    const waiting = client.eventWait('NEVER_SENT').catch((e: unknown) => e);
    process.kill(child.pid!, 'SIGKILL');
    const error = await waiting;
    expect(error).toBeInstanceOf(QmpConnectionLostError);
    expect((error as QmpConnectionLostError).reason).toBe('QEMU exited with signal SIGKILL');
  });
});
