// Run as a plain Node process (see unhandled-rejections.test.ts): Jest swaps out process-level
// 'unhandledRejection' listeners while tests run, so only a separate process can observe them.
// Drives the client through every failure path while the caller handles what it was given, then
// prints {"unhandled": [...], "scenarios": n} as the last line of stdout.

import { Socket, createConnection } from 'node:net';

import { QmpClient } from '../../../src/qmp';
import { FakeQmpServer, connectedPair, disconnect } from './fake-server';

const unhandled: string[] = [];
process.on('unhandledRejection', (reason) => {
  unhandled.push(reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason));
});
process.on('uncaughtException', (error) => {
  unhandled.push(`uncaught ${error.name}: ${error.message}`);
});

const settle = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    () => undefined,
  );
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const scenarios: Record<string, () => Promise<void>> = {
  async peerHangsUpWithPendingCalls() {
    const pair = await connectedPair({ connectionLossGraceMs: 20 });
    const calls = [pair.client.command('a'), pair.client.execute('b'), pair.client.eventWait('X')];
    await pair.peer.nextMessages(2);
    await pair.peer.hangUp();
    await Promise.all(calls.map(settle));
    await disconnect(pair);
  },
  async timeoutsAndLateReplies() {
    const pair = await connectedPair({
      commandTimeoutMs: 10,
      eventTimeoutMs: 10,
      handshakeTimeoutMs: 10_000,
    });
    const call = pair.client.command('slow');
    const request = await pair.peer.nextMessage();
    await settle(call);
    pair.peer.reply(request, 'late');
    await settle(pair.client.eventWait('NEVER'));
    await settle(pair.client.getEvents({ wait: true }));
    await sleep(20);
    await disconnect(pair);
  },
  async garbageUnknownIdsAndMalformedReplies() {
    const pair = await connectedPair();
    const call = pair.client.execute('x');
    const request = await pair.peer.nextMessage();
    pair.peer.sendRaw('garbage\n[]\n{"return": 1, "id": 99999}\n{"QMP": {}}\n{"what": 1}\n');
    pair.peer.send({ error: 'malformed', id: request.id });
    await settle(call);
    await disconnect(pair);
  },
  async closeAndAbortWithEverythingPending() {
    const first = await connectedPair();
    const pending = [first.client.command('a'), first.client.eventWait('A')];
    first.client.abort('QEMU exited with signal SIGKILL');
    await Promise.all(pending.map(settle));
    await disconnect(first);
    const second = await connectedPair();
    // Handlers attached before close(), as a caller awaiting them later must.
    const more = [second.client.command('a'), second.client.getEvents({ wait: 5000 })].map(settle);
    await second.client.close();
    await Promise.all(more);
    await disconnect(second);
  },
  async handshakeFailures() {
    const server = await FakeQmpServer.start();
    // Never greeted, handshake() never called, then closed.
    const silent = new QmpClient(createConnection({ path: server.path }));
    await server.accept();
    await silent.close();
    // Handshake times out.
    await settle(QmpClient.connect(server.path, { handshakeTimeoutMs: 10 }));
    // Negotiation refused.
    const refusing = QmpClient.connect(server.path);
    await server.accept(); // the timed-out connection above, still unclaimed
    const refusedPeer = await server.accept();
    refusedPeer.greet();
    refusedPeer.replyError(await refusedPeer.nextMessage(), 'GenericError', 'no');
    await settle(refusing);
    // Peer hangs up before the greeting.
    const hangingUp = QmpClient.connect(server.path, { connectionLossGraceMs: 0 });
    await (await server.accept()).hangUp();
    await settle(hangingUp);
    await server.stop();
  },
  async connectFailures() {
    await settle(QmpClient.connect('/nonexistent/dir/q.sock', { connectTimeoutMs: 30 }));
    const controller = new AbortController();
    const aborted = QmpClient.connect('/nonexistent/q.sock', { signal: controller.signal });
    controller.abort();
    await settle(aborted);
    const dead = new Socket();
    dead.destroy();
    const client = new QmpClient(dead);
    await settle(client.command('x'));
    await client.close();
  },
};

async function main(): Promise<void> {
  if (process.env.PROBE_CONTROL === '1') {
    // Proves the listener works: this rejection nobody handles must be reported.
    void Promise.reject(new Error('deliberately unhandled'));
  }
  for (const run of Object.values(scenarios)) {
    await run();
  }
  // Give late timers and socket events a chance to surface anything.
  await sleep(100);
  process.stdout.write(
    `\n${JSON.stringify({ unhandled, scenarios: Object.keys(scenarios).length })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stdout.write(`\n${JSON.stringify({ failed: String(error) })}\n`);
  process.exitCode = 1;
});
