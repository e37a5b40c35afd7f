import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { Socket, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  QmpClient,
  QmpCommandError,
  QmpConnectError,
  QmpConnectionLostError,
  QmpError,
  QmpProtocolError,
  QmpTimeoutError,
} from '../../../src/qmp';
import type { QmpClientOptions, QmpEvent } from '../../../src/qmp';
import { FakeQmpServer, connectedPair, disconnect, eventMessage } from './fake-server';
import type { Connected } from './fake-server';

/** Everything a test opened, closed afterwards even when the test fails. */
const opened: Connected[] = [];
const servers: FakeQmpServer[] = [];

async function pair(options: QmpClientOptions = {}, capabilities?: string[]): Promise<Connected> {
  const connected = await connectedPair(options, capabilities);
  opened.push(connected);
  return connected;
}

async function server(): Promise<FakeQmpServer> {
  const started = await FakeQmpServer.start();
  servers.push(started);
  return started;
}

/** A client on a fresh connection, before any handshake. */
async function rawClient(options: QmpClientOptions = {}): Promise<Connected> {
  const fake = await server();
  const socket = createConnection({ path: fake.path });
  const peer = await fake.accept();
  const client = new QmpClient(socket, options);
  const connected = { server: fake, peer, client };
  opened.push(connected);
  return connected;
}

/** The rejection reason of `promise`; fails if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

const names = (events: QmpEvent[]): string[] => events.map((e) => e.event);

/** Polls `condition` (bounded) for state that arrives asynchronously over the socket. */
async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`still waiting for ${what} after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

afterEach(async () => {
  for (const connected of opened.splice(0)) {
    await disconnect(connected);
  }
  for (const fake of servers.splice(0)) {
    await fake.stop();
  }
});

describe('handshake', () => {
  test('enables OOB when the greeting offers it', async () => {
    const { peer, client } = await rawClient();
    const handshake = client.handshake();
    peer.greet(['oob']);
    const request = await peer.nextMessage();
    expect(request).toEqual({
      execute: 'qmp_capabilities',
      arguments: { enable: ['oob'] },
      id: expect.any(Number),
    });
    expect(client.oobEnabled).toBe(false);
    peer.reply(request);
    const greeting = await handshake;
    expect(greeting.QMP.capabilities).toEqual(['oob']);
    expect(client.greeting).toBe(greeting);
    expect(client.oobEnabled).toBe(true);
    expect(client.handshake()).toBe(handshake);
  });

  test('sends no arguments when OOB is not offered', async () => {
    const { peer, client } = await rawClient();
    const handshake = client.handshake();
    peer.greet([]);
    const request = await peer.nextMessage();
    expect(request).toEqual({ execute: 'qmp_capabilities', id: expect.any(Number) });
    peer.reply(request);
    await handshake;
    expect(client.oobEnabled).toBe(false);
  });

  test('a greeting that arrived before handshake() is used', async () => {
    const { peer, client } = await rawClient();
    peer.greet([]);
    await until(() => client.greeting !== undefined, 'the greeting');
    expect(client.greeting?.QMP.version).toEqual({
      qemu: { micro: 0, minor: 2, major: 7 },
      package: 'fake',
    });
    const handshake = client.handshake();
    peer.reply(await peer.nextMessage());
    await expect(handshake).resolves.toBe(client.greeting);
  });

  test('no greeting: times out naming the greeting and the knob', async () => {
    const { client } = await rawClient({ handshakeTimeoutMs: 50 });
    const error = await rejection(client.handshake());
    expect(error).toBeInstanceOf(QmpTimeoutError);
    expect(error).toMatchObject({ operation: 'the QMP greeting', timeoutMs: 50 });
    expect((error as Error).message).toContain('raise IOTESTS_QMP_TIMEOUT (seconds)');
  });

  test('a malformed greeting is a protocol error', async () => {
    const { peer, client } = await rawClient();
    const handshake = client.handshake();
    peer.send({ QMP: { capabilities: 'oob' } });
    const error = await rejection(handshake);
    expect(error).toBeInstanceOf(QmpProtocolError);
    expect((error as QmpProtocolError).raw).toBe('{"QMP":{"capabilities":"oob"}}');
    expect(client.protocolErrors()).toEqual([error]);
  });

  test('a refused negotiation fails connect() and closes the client', async () => {
    const fake = await server();
    const connecting = QmpClient.connect(fake.path);
    const peer = await fake.accept();
    peer.greet();
    peer.replyError(await peer.nextMessage(), 'CommandNotFound', 'nope');
    const error = await rejection(connecting);
    expect(error).toBeInstanceOf(QmpCommandError);
    expect(error).toMatchObject({ command: 'qmp_capabilities', errorClass: 'CommandNotFound' });
    await peer.closed; // the client hung up
  });

  test('the peer hanging up before the greeting loses the connection', async () => {
    const { peer, client } = await rawClient({ connectionLossGraceMs: 0 });
    const handshake = client.handshake();
    await peer.hangUp();
    const error = await rejection(handshake);
    expect(error).toBeInstanceOf(QmpConnectionLostError);
    expect((error as Error).message).toBe(
      'QMP connection lost while waiting for the QMP greeting: the QMP peer closed the connection',
    );
  });
});

describe('commands', () => {
  test('raw execute returns the reply as sent; command() returns the value or throws', async () => {
    const { peer, client } = await pair();
    const raw = client.execute('blockdev-add', { driver: 'file', filename: '/nope' });
    const request = await peer.nextMessage();
    expect(request).toEqual({
      execute: 'blockdev-add',
      arguments: { driver: 'file', filename: '/nope' },
      id: expect.any(Number),
    });
    peer.replyError(request, 'GenericError', "Could not open '/nope'");
    await expect(raw).resolves.toStrictEqual({
      error: { class: 'GenericError', desc: "Could not open '/nope'" },
    });

    const raising = client.command('blockdev-add', { driver: 'file', filename: '/nope' });
    peer.replyError(await peer.nextMessage(), 'GenericError', "Could not open '/nope'");
    const error = await rejection(raising);
    expect(error).toBeInstanceOf(QmpCommandError);
    expect(error).toBeInstanceOf(QmpError);
    expect(error).toMatchObject({
      errorClass: 'GenericError',
      description: "Could not open '/nope'",
      command: 'blockdev-add',
      args: { driver: 'file', filename: '/nope' },
    });

    const status = client.command('query-status');
    const statusRequest = await peer.nextMessage();
    expect(statusRequest).toEqual({ execute: 'query-status', id: expect.any(Number) });
    peer.reply(statusRequest, { status: 'running', running: true });
    await expect(status).resolves.toEqual({ status: 'running', running: true });
  });

  test('oob: true sends exec-oob', async () => {
    const { peer, client } = await pair();
    const call = client.execute('migrate-pause', undefined, { oob: true });
    const request = await peer.nextMessage();
    expect(request).toEqual({ 'exec-oob': 'migrate-pause', id: expect.any(Number) });
    peer.reply(request);
    // The routing id stays inside the client.
    await expect(call).resolves.toStrictEqual({ return: {} });
  });

  test('many commands in flight, answered in reverse order, each get their own reply', async () => {
    const { peer, client } = await pair();
    const count = 200;
    const calls = Array.from({ length: count }, (_, i) => client.command('echo', { i }));
    const requests = await peer.nextMessages(count);
    expect(new Set(requests.map((r) => r.id)).size).toBe(count);
    expect(client.pendingCommands).toBe(count);
    for (const request of [...requests].reverse()) {
      peer.reply(request, { echoed: (request.arguments as { i: number }).i });
    }
    const results = await Promise.all(calls);
    expect(results).toEqual(Array.from({ length: count }, (_, i) => ({ echoed: i })));
    expect(client.pendingCommands).toBe(0);
  });

  test('replies split at arbitrary points and several messages per chunk', async () => {
    const { peer, client } = await pair();
    const first = client.command('a');
    const second = client.command('b');
    const [a, b] = await peer.nextMessages(2);
    const text =
      JSON.stringify({ return: 'A', id: a.id }) +
      '\r\n' +
      JSON.stringify(eventMessage('MIDDLE')) +
      '\r\n' +
      JSON.stringify({ return: 'B', id: b.id }) +
      '\r\n';
    // Every piece written separately, with pauses so they arrive as separate chunks.
    for (const piece of [text.slice(0, 5), text.slice(5, 40), text.slice(40)]) {
      peer.sendRaw(piece);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await expect(first).resolves.toBe('A');
    await expect(second).resolves.toBe('B');
    expect(names(await client.getEvents())).toEqual(['MIDDLE']);
    expect(client.protocolErrors()).toEqual([]);
  });

  test('a 10 MB reply', async () => {
    const { peer, client } = await pair();
    const call = client.command('query-big');
    const request = await peer.nextMessage();
    const blob = 'z'.repeat(10 * 1024 * 1024);
    peer.reply(request, { blob });
    const result = (await call) as { blob: string };
    expect(result.blob.length).toBe(blob.length);
    expect(result.blob === blob).toBe(true);
    const lastReceived = client.history().at(-1)!;
    expect(lastReceived.direction).toBe('received');
    expect(lastReceived.message.length).toBeLessThan(70 * 1024); // history keeps a prefix only
  });

  test('invalid JSON is recorded, reported, and does not kill pending calls', async () => {
    const reported: Error[] = [];
    const { peer, client } = await pair({ onProtocolError: (error) => reported.push(error) });
    const call = client.command('query-status');
    const request = await peer.nextMessage();
    peer.sendRaw('this is not json\r\n{"half": \r\n');
    peer.reply(request, { status: 'running' });
    await expect(call).resolves.toEqual({ status: 'running' });
    const errors = client.protocolErrors();
    expect(errors.map((e) => e.raw)).toEqual(['this is not json', '{"half": ']);
    expect(errors.every((e) => e instanceof QmpProtocolError)).toBe(true);
    expect(reported).toEqual(errors);
    expect(client.closed).toBe(false);
  });

  test('replies with an unknown id or no id are ignored and recorded', async () => {
    const { peer, client } = await pair();
    const call = client.command('query-status');
    const request = await peer.nextMessage();
    peer.send({ return: 'stray', id: 987654 });
    peer.send({ return: 'stray', id: 'not-ours' });
    peer.send({ error: { class: 'GenericError', desc: "JSON parse error, invalid keyword 'x'" } });
    peer.reply(request, 'mine');
    await expect(call).resolves.toBe('mine');
    expect(client.protocolErrors().map((e) => e.message)).toEqual([
      'QMP reply with unknown id 987654 ignored: {"return":"stray","id":987654}',
      'QMP reply with unknown id "not-ours" ignored: {"return":"stray","id":"not-ours"}',
      'QMP reply without an id ignored: ' +
        `{"error":{"class":"GenericError","desc":"JSON parse error, invalid keyword 'x'"}}`,
    ]);
  });

  test('a malformed error reply rejects that call with a protocol error', async () => {
    const { peer, client } = await pair();
    const call = client.execute('x');
    const request = await peer.nextMessage();
    peer.send({ error: 'just text', id: request.id });
    expect(await rejection(call)).toBeInstanceOf(QmpProtocolError);
  });

  test('a timeout names the command, the timeout and the knob; the late reply is ignored', async () => {
    const { peer, client } = await pair({ commandTimeoutMs: 60, handshakeTimeoutMs: 10_000 });
    const slow = client.command('query-slow');
    const slowRequest = await peer.nextMessage();
    const error = await rejection(slow);
    expect(error).toBeInstanceOf(QmpTimeoutError);
    expect(error).toMatchObject({
      operation: "reply to QMP command 'query-slow'",
      timeoutMs: 60,
      knob: 'IOTESTS_QMP_TIMEOUT',
    });
    expect((error as Error).message).toBe(
      "Timed out after 60 ms waiting for reply to QMP command 'query-slow'; " +
        'if QEMU is just slow, raise IOTESTS_QMP_TIMEOUT (seconds)',
    );

    const next = client.command('query-next', undefined, { timeoutMs: 5000 });
    const nextRequest = await peer.nextMessage();
    expect(nextRequest.id).not.toBe(slowRequest.id);
    peer.reply(slowRequest, 'late');
    peer.reply(nextRequest, 'next');
    await expect(next).resolves.toBe('next');
    expect(client.protocolErrors().map((e) => e.message)).toEqual([
      `Late reply to timed-out QMP command 'query-slow' (id ${String(slowRequest.id)}) ignored: ` +
        `{"return":"late","id":${String(slowRequest.id)}}`,
    ]);
  });

  test('history keeps the last raw exchanges, oldest first', async () => {
    const { peer, client } = await pair({ historySize: 3 });
    const call = client.command('query-status');
    const request = await peer.nextMessage();
    peer.reply(request, { status: 'running' });
    await call;
    const history = client.history();
    expect(history.map((r) => [r.direction, r.message])).toEqual([
      ['received', '{"return":{},"id":1}'],
      ['sent', `{"execute":"query-status","id":${String(request.id)}}`],
      ['received', `{"return":{"status":"running"},"id":${String(request.id)}}`],
    ]);
    expect(history.every((r) => typeof r.at === 'number' && r.at > 0)).toBe(true);
  });

  test('values out of range are rejected with the bad value named', async () => {
    const { client } = await pair();
    await expect(client.execute('x', undefined, { timeoutMs: -5 })).rejects.toThrow(
      'timeoutMs must be a number of milliseconds in (0, 2147483647], got -5',
    );
    await expect(client.eventsWait([])).rejects.toThrow('events must be a non-empty array');
    await expect(client.getEvents({ wait: -1 })).rejects.toThrow('wait must be a number');
    expect(client.pendingCommands).toBe(0);
    expect(() => new QmpClient(new Socket(), { historySize: 1.5 })).toThrow(
      'historySize must be an integer >= 0, got 1.5',
    );
  });
});

describe('connection loss', () => {
  test('the peer closing mid-command rejects every pending call and wait', async () => {
    const { peer, client } = await pair({ connectionLossGraceMs: 0 });
    const calls = [client.command('a'), client.command('b'), client.execute('c')];
    const wait = client.eventWait('NEVER');
    await peer.nextMessages(3);
    await peer.hangUp();
    const errors = await Promise.all([...calls, wait].map(rejection));
    for (const error of errors) {
      expect(error).toBeInstanceOf(QmpConnectionLostError);
      expect((error as QmpConnectionLostError).reason).toBe('the QMP peer closed the connection');
    }
    expect((errors[0] as Error).message).toBe(
      "QMP connection lost while waiting for reply to QMP command 'a': the QMP peer closed the connection",
    );
    expect(client.closed).toBe(true);
    await expect(client.command('later')).rejects.toBeInstanceOf(QmpConnectionLostError);
  });

  test('describeConnectionLoss() supplies the reason', async () => {
    const { peer, client } = await pair({
      describeConnectionLoss: () => 'QEMU exited with signal SIGKILL',
    });
    const call = client.command('query-status');
    await peer.nextMessage();
    await peer.hangUp();
    const error = await rejection(call);
    expect(error).toBeInstanceOf(QmpConnectionLostError);
    expect((error as QmpConnectionLostError).reason).toBe('QEMU exited with signal SIGKILL');
  });

  test('when the reason is not known yet, abort(reason) during the grace period supplies it', async () => {
    const { peer, client } = await pair({
      describeConnectionLoss: () => undefined,
      connectionLossGraceMs: 10_000,
    });
    const call = client.command('query-status');
    await peer.nextMessage();
    await peer.hangUp();
    await until(() => client.closed, 'the client to see the hang-up');
    // A call made now waits for the final reason too.
    const late = client.command('late');
    client.abort('QEMU exited with signal SIGKILL');
    for (const error of [await rejection(call), await rejection(late)]) {
      expect((error as QmpConnectionLostError).reason).toBe('QEMU exited with signal SIGKILL');
    }
  });

  test('at the end of the grace period describeConnectionLoss() is asked again', async () => {
    let exitSeen: string | undefined;
    const { peer, client } = await pair({
      describeConnectionLoss: () => exitSeen,
      connectionLossGraceMs: 50,
    });
    const call = client.command('query-status');
    await peer.nextMessage();
    await peer.hangUp();
    setTimeout(() => (exitSeen = 'QEMU exited with code 1'), 10);
    const error = await rejection(call);
    expect((error as QmpConnectionLostError).reason).toBe('QEMU exited with code 1');
  });

  test('abort(reason) rejects pending calls and waits at once', async () => {
    const { peer, client } = await pair();
    const call = client.command('query-status');
    const wait = client.eventWait('SHUTDOWN');
    await peer.nextMessage();
    client.abort('QEMU exited with code 0');
    for (const error of [await rejection(call), await rejection(wait)]) {
      expect(error).toBeInstanceOf(QmpConnectionLostError);
      expect((error as QmpConnectionLostError).reason).toBe('QEMU exited with code 0');
    }
    await peer.closed;
  });

  test('close() is idempotent and fails pending calls', async () => {
    const { peer, client } = await pair();
    const call = client.command('query-status');
    await peer.nextMessage();
    await Promise.all([client.close(), client.close()]);
    await client.close();
    const error = await rejection(call);
    expect((error as QmpConnectionLostError).reason).toBe('the QMP client was closed');
    expect(client.closed).toBe(true);
    await peer.closed;
  });

  test('events buffered before the loss can still be taken', async () => {
    const { peer, client } = await pair({ connectionLossGraceMs: 0 });
    peer.event('SHUTDOWN', { guest: false, reason: 'host-qmp-quit' });
    peer.event('OTHER');
    await client.eventWait('OTHER');
    await peer.hangUp();
    await until(() => client.closed, 'the client to see the hang-up');
    await expect(
      client.eventWait('SHUTDOWN', { match: { data: { guest: false } } }),
    ).resolves.toMatchObject({
      event: 'SHUTDOWN',
    });
    await expect(client.eventWait('SHUTDOWN')).rejects.toBeInstanceOf(QmpConnectionLostError);
    await expect(client.getEvents({ wait: true })).rejects.toBeInstanceOf(QmpConnectionLostError);
  });
});

describe('connect', () => {
  test('retries until the socket appears', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qmp-late-'));
    const connecting = QmpClient.connect(join(dir, 'qmp.sock'), { connectTimeoutMs: 5000 });
    connecting.catch(() => undefined); // observed below; keeps the rejection handled meanwhile
    await new Promise((resolve) => setTimeout(resolve, 100));
    const late = await FakeQmpServer.start(dir);
    servers.push(late);
    const peer = await late.accept();
    await peer.negotiate();
    const client = await connecting;
    expect(client.greeting).toBeDefined();
    await client.close();
  });

  test('gives up after connectTimeoutMs naming the path, the last error and the knob', async () => {
    const fake = await server();
    const missing = `${fake.dir}/missing.sock`;
    const error = await rejection(QmpClient.connect(missing, { connectTimeoutMs: 100 }));
    expect(error).toBeInstanceOf(QmpConnectError);
    expect((error as QmpConnectError).path).toBe(missing);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Cannot connect to QMP socket ${missing}: no QMP server accepted within 100 ms ` +
          `\\(last error: connect ENOENT .*\\); if QEMU is just slow, raise IOTESTS_QMP_TIMEOUT \\(seconds\\)$`,
      ),
    );
  });

  test('an abort signal stops connecting at once', async () => {
    const fake = await server();
    const controller = new AbortController();
    const connecting = QmpClient.connect(`${fake.dir}/missing.sock`, {
      connectTimeoutMs: 10_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('QEMU exited with code 1')), 30);
    const error = await rejection(connecting);
    expect(error).toBeInstanceOf(QmpConnectError);
    expect((error as Error).message).toContain('connecting aborted: QEMU exited with code 1');
  });
});

describe('events', () => {
  test('eventWait matches by name and pattern; non-matching events stay buffered in order', async () => {
    const { peer, client } = await pair();
    peer.event('JOB_STATUS_CHANGE', { status: 'created', id: 'job0' });
    peer.event('BLOCK_JOB_COMPLETED', { device: 'job1', type: 'mirror', len: 5, offset: 5 });
    peer.event('JOB_STATUS_CHANGE', { status: 'running', id: 'job0' });
    peer.event('BLOCK_JOB_COMPLETED', { device: 'job0', type: 'mirror', len: 9, offset: 9 });

    const completed = await client.eventWait('BLOCK_JOB_COMPLETED', {
      match: { data: { device: 'job0', type: 'mirror' } },
    });
    expect(completed.data).toEqual({ device: 'job0', type: 'mirror', len: 9, offset: 9 });
    // null inside a pattern: the key must be there, any value.
    const anyStatus = await client.eventWait('JOB_STATUS_CHANGE', {
      match: { data: { status: null } },
    });
    expect(anyStatus.data).toEqual({ status: 'created', id: 'job0' });
    expect(client.bufferedEvents).toBe(2);
    const rest = await client.getEvents();
    expect(rest.map((e) => [e.event, e.data?.device ?? e.data?.status])).toEqual([
      ['BLOCK_JOB_COMPLETED', 'job1'],
      ['JOB_STATUS_CHANGE', 'running'],
    ]);
    expect(await client.getEvents()).toEqual([]);
  });

  test('a pattern with a missing key does not match, and the wait picks a later arrival', async () => {
    const { peer, client } = await pair();
    peer.event('BLOCK_JOB_ERROR', { device: 'job0', operation: 'read' });
    await client.eventWait('BLOCK_JOB_ERROR', { match: { data: { device: 'job0' } } });
    peer.event('BLOCK_JOB_COMPLETED', { device: 'job0' });
    const waiting = client.eventWait('BLOCK_JOB_COMPLETED', { match: { data: { error: null } } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    peer.event('BLOCK_JOB_COMPLETED', { device: 'job0', error: 'Input/output error' });
    await expect(waiting).resolves.toMatchObject({ data: { error: 'Input/output error' } });
    expect(names(await client.getEvents())).toEqual(['BLOCK_JOB_COMPLETED']);
  });

  test('eventsWait returns the first event matching any alternative', async () => {
    const { peer, client } = await pair();
    const waiting = client.eventsWait([
      ['BLOCK_JOB_COMPLETED', { data: { device: 'j' } }],
      ['BLOCK_JOB_CANCELLED', { data: { device: 'j' } }],
    ]);
    peer.event('BLOCK_JOB_COMPLETED', { device: 'other' });
    peer.event('BLOCK_JOB_CANCELLED', { device: 'j' });
    await expect(waiting).resolves.toMatchObject({ event: 'BLOCK_JOB_CANCELLED' });
    expect(names(await client.getEvents())).toEqual(['BLOCK_JOB_COMPLETED']);
  });

  test('an event wait timeout names the events, the pattern and the knob', async () => {
    const { peer, client } = await pair({ eventTimeoutMs: 50 });
    peer.event('RESUME');
    await client.eventWait('RESUME');
    peer.event('STOP');
    const error = await rejection(
      client.eventsWait([['BLOCK_JOB_READY', { data: { device: 'j' } }], ['BLOCK_JOB_ERROR']]),
    );
    expect(error).toBeInstanceOf(QmpTimeoutError);
    expect(error).toMatchObject({ timeoutMs: 50, knob: 'IOTESTS_EVENT_TIMEOUT' });
    expect((error as Error).message).toBe(
      'Timed out after 50 ms waiting for one of QMP events BLOCK_JOB_READY matching ' +
        '{"data":{"device":"j"}}, BLOCK_JOB_ERROR (1 other event(s) buffered: STOP); ' +
        'if QEMU is just slow, raise IOTESTS_EVENT_TIMEOUT (seconds)',
    );
    const single = await rejection(client.eventWait('SHUTDOWN', { timeoutMs: 30 }));
    expect((single as QmpTimeoutError).operation).toBe('QMP event SHUTDOWN');
    expect((single as QmpTimeoutError).timeoutMs).toBe(30);
  });

  test('events interleaved with replies in one chunk', async () => {
    const { peer, client } = await pair();
    const call = client.command('block-job-cancel', { device: 'j' });
    const request = await peer.nextMessage();
    peer.sendRaw(
      [
        eventMessage('JOB_STATUS_CHANGE', { id: 'j', status: 'aborting' }),
        { return: {}, id: request.id },
        eventMessage('BLOCK_JOB_CANCELLED', { device: 'j' }),
      ]
        .map((m) => JSON.stringify(m) + '\r\n')
        .join(''),
    );
    await expect(call).resolves.toEqual({});
    await client.eventWait('BLOCK_JOB_CANCELLED');
    expect(names(await client.getEvents())).toEqual(['JOB_STATUS_CHANGE']);
  });

  test('getEvents({wait}) waits for the first event and returns everything buffered', async () => {
    const { peer, client } = await pair({ eventTimeoutMs: 5000 });
    expect(await client.getEvents()).toEqual([]);
    expect(await client.getEvents({ wait: 0 })).toEqual([]);
    const waiting = client.getEvents({ wait: true });
    peer.event('A');
    expect(names(await waiting)).toEqual(['A']);
    peer.event('B');
    peer.event('C');
    await until(() => client.bufferedEvents === 2, 'two buffered events');
    expect(names(await client.getEvents({ wait: true }))).toEqual(['B', 'C']);
    const numbered = client.getEvents({ wait: 2000 });
    peer.event('D');
    expect(names(await numbered)).toEqual(['D']);
    const error = await rejection(client.getEvents({ wait: 30 }));
    expect(error).toBeInstanceOf(QmpTimeoutError);
    expect((error as QmpTimeoutError).operation).toBe('any QMP event');
  });

  test('getEvent takes one event, oldest first: null without wait, the next one with it', async () => {
    const { peer, client } = await pair({ eventTimeoutMs: 5000 });
    expect(await client.getEvent()).toBeNull();
    expect(await client.getEvent({ wait: false })).toBeNull();
    peer.event('A');
    peer.event('B');
    await until(() => client.bufferedEvents === 2, 'two buffered events');
    expect((await client.getEvent())?.event).toBe('A');
    expect(client.bufferedEvents).toBe(1);
    expect((await client.getEvent({ wait: true }))?.event).toBe('B');
    const waiting = client.getEvent({ wait: true });
    peer.event('C');
    expect((await waiting)?.event).toBe('C');
    const numbered = client.getEvent({ wait: 2000 });
    peer.event('D');
    expect((await numbered)?.event).toBe('D');
    const error = await rejection(client.getEvent({ wait: 30 }));
    expect(error).toBeInstanceOf(QmpTimeoutError);
    expect((error as QmpTimeoutError).operation).toBe('any QMP event');
    await expect(client.getEvent({ wait: -1 })).rejects.toThrow('wait must be a number');
  });

  test('clearEvents forgets buffered events', async () => {
    const { peer, client } = await pair();
    peer.event('A');
    peer.event('B');
    await client.eventWait('B');
    expect(client.bufferedEvents).toBe(1);
    client.clearEvents();
    expect(client.bufferedEvents).toBe(0);
    expect(await client.getEvents()).toEqual([]);
  });

  test('a burst of 100 000 events in one write is buffered in order', async () => {
    const { peer, client } = await pair();
    const burst: string[] = [];
    for (let n = 0; n < 100_000; n++) {
      burst.push(JSON.stringify(eventMessage('TICK', { n })));
    }
    burst.push(JSON.stringify(eventMessage('LAST')));
    peer.sendRaw(burst.join('\r\n') + '\r\n');
    await client.eventWait('LAST', { timeoutMs: 30_000 });
    const events = await client.getEvents();
    expect(events).toHaveLength(100_000);
    expect(events.every((e, n) => e.event === 'TICK' && e.data?.n === n)).toBe(true);
    expect(client.droppedEvents).toBe(0);
  });

  test('the buffer is bounded: the oldest events are dropped and counted', async () => {
    const { peer, client } = await pair({ maxBufferedEvents: 1000 });
    const burst: string[] = [];
    for (let n = 0; n < 100_000; n++) {
      burst.push(JSON.stringify(eventMessage('TICK', { n })));
    }
    peer.sendRaw(burst.join('\n') + '\n');
    await client.eventWait('TICK', { match: { data: { n: 99_999 } }, timeoutMs: 30_000 });
    // The last event went straight to the wait; 99 999 were buffered, 1000 kept.
    expect(client.droppedEvents).toBe(98_999);
    const events = await client.getEvents();
    expect(events).toHaveLength(1000);
    expect(events[0]?.data?.n).toBe(98_999);
    expect(events.at(-1)?.data?.n).toBe(99_998);
  });
});
