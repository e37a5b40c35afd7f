// One channel for a child's stdout AND stderr, like Python's `stderr=subprocess.STDOUT`: both
// descriptors of the child are the same socket, so its messages arrive in exactly the order it
// wrote them. (Two pipes merged on our side can swap an error line and a result line.)
// Node has no pipe(2)/socketpair(2), so the pair is made by connecting to a listening Unix socket
// that is closed as soon as the one connection is accepted.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';

import { raceTimeout } from '../race-timeout';

/** How long establishing the local socket pair may take. */
const PAIR_TIMEOUT_MS = 10_000;

/** The two ends: `childEnd` goes into the child's stdio array, `parentEnd` is read here. */
export interface OutputChannel {
  /** Pass as stdio[1] and stdio[2]; call `releaseChildEnd()` right after spawning. */
  readonly childEnd: net.Socket;
  /** Close our copy of the child's end, so EOF arrives when the child (and its heirs) exit. */
  releaseChildEnd(): void;
  /** Everything read so far, decoded as UTF-8. */
  text(): string;
  /** Called with each decoded chunk as it arrives. */
  onText(listener: (chunk: string) => void): void;
  /** Resolves once the child side is closed, or after `timeoutMs` (then it stops reading). */
  closed(timeoutMs: number): Promise<boolean>;
  /** Stop reading and release everything. */
  destroy(): void;
}

/** Create a connected socket pair for a child's combined output. */
export async function openOutputChannel(): Promise<OutputChannel> {
  const { childEnd, parentEnd } = await connectedPair();
  return wrap(childEnd, parentEnd);
}

function wrap(childEnd: net.Socket, parentEnd: net.Socket): OutputChannel {
  const decoder = new StringDecoder('utf8');
  const chunks: string[] = [];
  const listeners: Array<(chunk: string) => void> = [];
  let ended = false;
  const endWaiters: Array<() => void> = [];
  const emit = (text: string): void => {
    if (text === '') {
      return;
    }
    chunks.push(text);
    for (const listener of listeners) {
      listener(text);
    }
  };
  const finish = (): void => {
    if (ended) {
      return;
    }
    ended = true;
    emit(decoder.end());
    for (const waiter of endWaiters.splice(0)) {
      waiter();
    }
  };
  parentEnd.on('data', (data: Buffer) => emit(decoder.write(data)));
  parentEnd.on('end', finish);
  parentEnd.on('close', finish);
  // A reset from a dying child is just the end of its output.
  parentEnd.on('error', finish);
  childEnd.on('error', () => undefined);
  return {
    childEnd,
    releaseChildEnd: () => childEnd.destroy(),
    text: () => chunks.join(''),
    onText: (listener) => {
      listeners.push(listener);
    },
    closed: (timeoutMs) => {
      if (ended) {
        return Promise.resolve(true);
      }
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          parentEnd.destroy();
          resolve(false);
        }, timeoutMs);
        endWaiters.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
    destroy: () => {
      childEnd.destroy();
      parentEnd.destroy();
      finish();
    },
  };
}

async function connectedPair(): Promise<{ childEnd: net.Socket; parentEnd: net.Socket }> {
  // Linux has an abstract socket namespace: no file to create or remove. Elsewhere a private
  // temporary directory holds the socket for the instant it takes to connect.
  const useAbstract = process.platform === 'linux';
  const dir = useAbstract ? undefined : await mkdtemp(path.join(os.tmpdir(), 'qit-'));
  const address = useAbstract
    ? `\0qemu-iotests-output-${process.pid}-${randomBytes(12).toString('hex')}`
    : path.join(dir ?? '', 's');
  const server = net.createServer({ pauseOnConnect: true });
  try {
    return await raceTimeout(pairOver(server, address), PAIR_TIMEOUT_MS, (): never => {
      throw new Error(`could not set up an output socket pair within ${PAIR_TIMEOUT_MS} ms`);
    });
  } finally {
    server.close();
    if (dir !== undefined) {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

async function pairOver(
  server: net.Server,
  address: string,
): Promise<{ childEnd: net.Socket; parentEnd: net.Socket }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const childEnd = net.connect(address);
  await new Promise<void>((resolve, reject) => {
    childEnd.once('error', reject);
    childEnd.once('connect', () => {
      childEnd.off('error', reject);
      resolve();
    });
  });
  const parentEnd = await accepted;
  parentEnd.resume();
  return { childEnd, parentEnd };
}
