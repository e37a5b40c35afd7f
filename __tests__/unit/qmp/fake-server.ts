// A scriptable QMP server on a UNIX socket in a temp dir, for protocol edge cases.
// Plain Node (no Jest imports) so a child process can load it too.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { QmpClient } from '../../../src/qmp';
import type { QmpClientOptions } from '../../../src/qmp';

/** A message the client sent, parsed. */
export type ClientMessage = { [k: string]: unknown };

/** A realistic QEMU 7.2 greeting. */
export function greetingMessage(capabilities: string[] = ['oob']): object {
  return {
    QMP: {
      version: { qemu: { micro: 0, minor: 2, major: 7 }, package: 'fake' },
      capabilities,
    },
  };
}

/** A QMP event as QEMU formats it. */
export function eventMessage(name: string, data?: object, seconds = 1700000000): object {
  const event: { [k: string]: unknown } = {
    timestamp: { seconds, microseconds: 0 },
    event: name,
  };
  if (data !== undefined) {
    event.data = data;
  }
  return event;
}

/** One accepted connection, seen from the server side. */
export class FakeQmpPeer {
  private buffered = '';
  private readonly inbox: ClientMessage[] = [];
  private readonly readers: ((message: ClientMessage) => void)[] = [];
  /** Resolves when the connection is closed. */
  readonly closed: Promise<void>;

  constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.receive(text));
    socket.on('error', () => undefined); // resets are expected when a test kills a client
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  /** Writes raw bytes or text as they are (no newline added). */
  sendRaw(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves once everything written so far has left the socket (its buffers are released). */
  flushed(): Promise<void> {
    return new Promise((resolve) => this.socket.write('', () => resolve()));
  }

  /** Writes one message as QEMU does: JSON then CRLF. */
  send(message: object): void {
    this.socket.write(JSON.stringify(message) + '\r\n');
  }

  /** Sends the greeting. */
  greet(capabilities: string[] = ['oob']): void {
    this.send(greetingMessage(capabilities));
  }

  /** Answers a request with {return}. */
  reply(request: ClientMessage, value: unknown = {}): void {
    this.send({ return: value, id: request.id });
  }

  /** Answers a request with {error}. */
  replyError(request: ClientMessage, errorClass: string, desc: string): void {
    this.send({ id: request.id, error: { class: errorClass, desc } });
  }

  /** Sends an event. */
  event(name: string, data?: object): void {
    this.send(eventMessage(name, data));
  }

  /** The next message the client sent (waits up to timeoutMs). */
  nextMessage(timeoutMs = 5000): Promise<ClientMessage> {
    const queued = this.inbox.shift();
    if (queued !== undefined) {
      return Promise.resolve(queued);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.readers.indexOf(deliver);
        if (index !== -1) {
          this.readers.splice(index, 1);
        }
        reject(new Error(`fake QMP server: no message from the client within ${timeoutMs} ms`));
      }, timeoutMs);
      const deliver = (message: ClientMessage): void => {
        clearTimeout(timer);
        resolve(message);
      };
      this.readers.push(deliver);
    });
  }

  /** The next `count` messages the client sent. */
  async nextMessages(count: number, timeoutMs = 5000): Promise<ClientMessage[]> {
    const messages: ClientMessage[] = [];
    for (let i = 0; i < count; i++) {
      messages.push(await this.nextMessage(timeoutMs));
    }
    return messages;
  }

  /** Greets, waits for qmp_capabilities and accepts it; returns that request. */
  async negotiate(capabilities: string[] = ['oob']): Promise<ClientMessage> {
    this.greet(capabilities);
    const request = await this.nextMessage();
    this.reply(request);
    return request;
  }

  /** Hangs up and waits until the socket is closed. */
  async hangUp(): Promise<void> {
    this.socket.end();
    this.socket.destroy();
    await this.closed;
  }

  private receive(text: string): void {
    this.buffered += text;
    let newline = this.buffered.indexOf('\n');
    while (newline !== -1) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      if (line.trim() !== '') {
        const message = JSON.parse(line) as ClientMessage;
        const reader = this.readers.shift();
        if (reader === undefined) {
          this.inbox.push(message);
        } else {
          reader(message);
        }
      }
      newline = this.buffered.indexOf('\n');
    }
  }
}

/** A listening fake QMP server. */
export class FakeQmpServer {
  private readonly peers: FakeQmpPeer[] = [];
  private readonly waiting: ((peer: FakeQmpPeer) => void)[] = [];
  private readonly unclaimed: FakeQmpPeer[] = [];

  private constructor(
    private readonly server: Server,
    readonly dir: string,
    readonly path: string,
  ) {
    server.on('connection', (socket: Socket) => {
      const peer = new FakeQmpPeer(socket);
      this.peers.push(peer);
      const waiter = this.waiting.shift();
      if (waiter === undefined) {
        this.unclaimed.push(peer);
      } else {
        waiter(peer);
      }
    });
  }

  /** Listens on `qmp.sock` in `dir` (a new temp dir by default); stop() removes the dir. */
  static async start(dir = mkdtempSync(join(tmpdir(), 'qmp-fake-'))): Promise<FakeQmpServer> {
    const path = join(dir, 'qmp.sock');
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    return new FakeQmpServer(server, dir, path);
  }

  /** The next accepted connection (waits up to timeoutMs). */
  accept(timeoutMs = 5000): Promise<FakeQmpPeer> {
    const ready = this.unclaimed.shift();
    if (ready !== undefined) {
      return Promise.resolve(ready);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`fake QMP server: no connection within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiting.push((peer) => {
        clearTimeout(timer);
        resolve(peer);
      });
    });
  }

  /** Stops listening, drops every connection and removes the temp dir. */
  async stop(): Promise<void> {
    for (const peer of this.peers) {
      peer.socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A fake server with one connected, negotiated client. */
export interface Connected {
  server: FakeQmpServer;
  peer: FakeQmpPeer;
  client: QmpClient;
}

/** Starts a server, connects a QmpClient and completes the handshake. */
export async function connectedPair(
  options: QmpClientOptions = {},
  capabilities: string[] = ['oob'],
): Promise<Connected> {
  const server = await FakeQmpServer.start();
  const connecting = QmpClient.connect(server.path, options);
  connecting.catch(() => undefined); // if accept() fails first, the rejection is still observed
  const peer = await server.accept();
  await peer.negotiate(capabilities);
  const client = await connecting;
  return { server, peer, client };
}

/** Closes the client and stops the server. */
export async function disconnect(pair: Connected): Promise<void> {
  await pair.client.close();
  await pair.server.stop();
}
