// The QMP client: handshake, command ids and reply routing, timeouts, event waits,
// connection loss. Wire framing, the event buffer and errors live in their own modules.

import type { Socket } from 'node:net';

import { connectUnixSocket } from './connect';
import { EventQueue } from './events';
import {
  QmpCommandError,
  QmpConnectionLostError,
  QmpProtocolError,
  QmpTimeoutError,
} from './errors';
import { JsonLineDecoder } from './framing';
import { isErrorBody, parseGreeting } from './greeting';
import { ExchangeHistory } from './history';
import { sleep } from '../common/sleep';
import { stringifyJson } from './json';
import { eventMatches } from './match';
import { QMP_TIMEOUT_KNOB, checkTimeout, resolveOptions } from './options';
import type { QmpClientOptions, ResolvedQmpClientOptions } from './options';
import type {
  EventPattern,
  JsonValue,
  QmpEvent,
  QmpExchangeRecord,
  QmpGreeting,
  QmpObject,
  QmpResponse,
} from './types';

/** Per-call options of execute() and command(). */
export interface QmpCallOptions {
  /** Overrides the client's commandTimeoutMs for this call. */
  timeoutMs?: number;
  /** Send as `exec-oob` (out-of-band; needs the 'oob' capability QEMU offered and we enabled). */
  oob?: boolean;
}

/** Options of QmpClient.connect(). */
export interface QmpConnectOptions extends QmpClientOptions {
  /** How long to keep trying to connect (the socket may not exist yet); default commandTimeoutMs. */
  connectTimeoutMs?: number;
  /** Stops connecting at once when aborted (e.g. QEMU exited). */
  signal?: AbortSignal;
}

interface PendingCommand {
  readonly command: string;
  readonly args: QmpObject | undefined;
  readonly timeoutMs: number;
  readonly resolve: (reply: QmpResponse) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

interface GreetingWaiter {
  readonly resolve: (greeting: QmpGreeting) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The connection's one state (cf. python qemu.qmp's Runstate); it changes only in `moveTo`.
 * open: messages flow. draining: the peer closed the socket and the owner (e.g. the machine that
 * saw QEMU go) gets a moment to say why before the waiting calls fail. lost: every call and wait,
 * now and later, fails with QmpConnectionLostError carrying `reason` (the first one wins).
 */
type ConnectionState =
  | { readonly kind: 'open' }
  | { readonly kind: 'draining'; readonly timer: NodeJS.Timeout }
  | { readonly kind: 'lost'; readonly reason: string };

/** Where the greeting stands: awaited (by these waiters), received, or malformed. */
type GreetingState =
  | { readonly kind: 'awaited'; readonly waiters: Set<GreetingWaiter> }
  | { readonly kind: 'received'; readonly greeting: QmpGreeting }
  | { readonly kind: 'malformed'; readonly error: QmpProtocolError };

/** Ids of timed-out commands remembered so their late replies are recognised, not misrouted. */
const MAX_REMEMBERED_TIMEOUTS = 1000;

/** Bound on waiting for our own socket to finish closing. */
const SOCKET_CLOSE_TIMEOUT_MS = 5000;

function commandOperation(command: string): string {
  return `reply to QMP command '${command}'`;
}

function describeEventWait(events: ReadonlyArray<readonly [string, EventPattern?]>): string {
  const parts = events.map(([name, pattern]) =>
    pattern === undefined || pattern === null
      ? name
      : `${name} matching ${JSON.stringify(pattern)}`,
  );
  return parts.length === 1 ? `QMP event ${parts[0]}` : `one of QMP events ${parts.join(', ')}`;
}

// Kept: the type allows an empty list, which would wait for nothing until the timeout.
function checkEventList(events: ReadonlyArray<readonly [string, EventPattern?]>): void {
  if (events.length === 0) {
    throw new TypeError('events must be a non-empty array of [name, pattern?] pairs, got []');
  }
}

/** A QMP connection to QEMU (or anything speaking QMP) over an already connected socket. */
export class QmpClient {
  private readonly options: ResolvedQmpClientOptions;
  private readonly decoder: JsonLineDecoder;
  private readonly events: EventQueue;
  private readonly exchanges: ExchangeHistory;
  private readonly pending = new Map<number, PendingCommand>();
  private readonly timedOutIds = new Map<number, string>();
  private readonly protocolErrorLog: QmpProtocolError[] = [];
  private nextId = 0;
  private state: ConnectionState = { kind: 'open' };
  private greetingState: GreetingState = { kind: 'awaited', waiters: new Set() };
  private handshakePromise: Promise<QmpGreeting> | undefined;
  private oobActive = false;
  /** Settles when the socket has closed (see close()). */
  private readonly socketClosed: Promise<void>;

  /** Takes over an already connected socket (QEMU may have connected to us or we to it). */
  constructor(
    private readonly socket: Socket,
    options?: QmpClientOptions,
  ) {
    this.options = resolveOptions(options);
    this.events = new EventQueue(this.options.maxBufferedEvents);
    this.exchanges = new ExchangeHistory(this.options.historySize);
    this.decoder = new JsonLineDecoder(
      {
        message: (message, raw) => this.dispatch(message, raw),
        protocolError: (error) => this.recordProtocolError(error),
      },
      this.options.maxMessageBytes,
    );
    this.socketClosed = new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.decoder.push(chunk));
    // The error is kept by the socket itself (socket.errored) for lossReason.
    socket.on('error', () => undefined);
    // A half-closed peer will never answer; close our side too so 'close' follows.
    socket.on('end', () => socket.destroy());
    socket.on('close', () => this.peerGone());
    if (socket.destroyed) {
      this.moveTo({
        kind: 'lost',
        reason: 'the QMP socket was already closed when the client was created',
      });
    }
  }

  /** Connects to a QMP server listening on the UNIX socket `path` and completes the handshake. */
  static async connect(path: string, options: QmpConnectOptions = {}): Promise<QmpClient> {
    const { connectTimeoutMs, signal, ...clientOptions } = options;
    const resolved = resolveOptions(clientOptions); // bad options fail before any connecting
    const timeoutMs =
      connectTimeoutMs === undefined
        ? resolved.commandTimeoutMs
        : checkTimeout('connectTimeoutMs', connectTimeoutMs);
    const socket = await connectUnixSocket(path, { timeoutMs, signal });
    const client = new QmpClient(socket, clientOptions);
    try {
      await client.handshake();
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  /** The greeting QEMU sent, once it arrived. */
  get greeting(): QmpGreeting | undefined {
    return this.greetingState.kind === 'received' ? this.greetingState.greeting : undefined;
  }

  /** True once the connection is closed or lost; calls then fail with QmpConnectionLostError. */
  get closed(): boolean {
    return this.state.kind !== 'open';
  }

  /** Events discarded because more than maxBufferedEvents were buffered. */
  get droppedEvents(): number {
    return this.events.droppedEvents;
  }

  /** Whether out-of-band execution was negotiated. */
  get oobEnabled(): boolean {
    return this.oobActive;
  }

  /** Commands sent and not yet answered. */
  get pendingCommands(): number {
    return this.pending.size;
  }

  /** Events buffered and not yet consumed. */
  get bufferedEvents(): number {
    return this.events.size;
  }

  /** The last exchanged raw messages, oldest first (up to historySize). */
  history(): QmpExchangeRecord[] {
    return this.exchanges.list();
  }

  /**
   * Protocol errors seen so far, oldest first (up to maxProtocolErrors): lines that are not
   * JSON objects, replies with an unknown or timed-out id, malformed messages. None of them
   * fails pending calls; they are recorded here and passed to onProtocolError.
   */
  protocolErrors(): QmpProtocolError[] {
    return [...this.protocolErrorLog];
  }

  /** Reads the greeting and negotiates capabilities (enabling 'oob' when offered). Idempotent. */
  handshake(): Promise<QmpGreeting> {
    this.handshakePromise ??= this.negotiate();
    return this.handshakePromise;
  }

  /** Raw call: resolves with QEMU's reply as sent ({return} or {error}); rejects only on timeout/connection loss. */
  execute(command: string, args?: QmpObject, opts?: QmpCallOptions): Promise<QmpResponse> {
    return new Promise<QmpResponse>((resolve, reject) => {
      const timeoutMs =
        opts?.timeoutMs === undefined
          ? this.options.commandTimeoutMs
          : checkTimeout('timeoutMs', opts.timeoutMs);
      if (this.state.kind === 'lost') {
        throw new QmpConnectionLostError(this.state.reason, commandOperation(command));
      }
      const id = ++this.nextId;
      const verb = opts?.oob === true ? 'exec-oob' : 'execute';
      const text = stringifyJson(
        args === undefined ? { [verb]: command, id } : { [verb]: command, arguments: args, id },
      );
      const timer = setTimeout(() => this.commandTimedOut(id), timeoutMs);
      // The socket keeps the process alive while it is open; a lone timer should not.
      timer.unref();
      this.pending.set(id, { command, args, timeoutMs, resolve, reject, timer });
      // While draining, the call just waits to fail with the reason the owner gives.
      if (this.state.kind === 'open') {
        this.exchanges.record('sent', text);
        this.tell('sent', text);
        this.socket.write(text + '\n');
      }
    });
  }

  /** Raising call: resolves with reply.return, throws QmpCommandError on {error}. */
  async command(command: string, args?: QmpObject, opts?: QmpCallOptions): Promise<JsonValue> {
    const reply = await this.execute(command, args, opts);
    if ('error' in reply) {
      throw new QmpCommandError(command, args, reply.error.class, reply.error.desc);
    }
    return reply.return;
  }

  /** Waits for an event called `name` matching `match` (buffered or new) and removes it from the buffer. */
  eventWait(name: string, opts?: { match?: EventPattern; timeoutMs?: number }): Promise<QmpEvent> {
    return this.eventsWait([[name, opts?.match]], { timeoutMs: opts?.timeoutMs });
  }

  /** Waits for the first event matching any [name, pattern] pair (buffered or new) and removes it. */
  eventsWait(
    events: ReadonlyArray<readonly [string, EventPattern?]>,
    opts?: { timeoutMs?: number | undefined },
  ): Promise<QmpEvent> {
    try {
      checkEventList(events);
      const timeoutMs =
        opts?.timeoutMs === undefined
          ? this.options.eventTimeoutMs
          : checkTimeout('timeoutMs', opts.timeoutMs);
      const wanted = events.map(([name, pattern]) => [name, pattern] as const);
      const accepts = (event: QmpEvent): boolean =>
        wanted.some(
          ([name, pattern]) =>
            event.event === name && eventMatches(event as unknown as JsonValue, pattern),
        );
      return this.events.wait(accepts, describeEventWait(events), timeoutMs);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Return and remove all buffered events; with wait, first wait for at least one (true = default event timeout, number = ms). */
  async getEvents(opts?: { wait?: boolean | number }): Promise<QmpEvent[]> {
    const timeoutMs = this.waitTimeout(opts?.wait);
    if (timeoutMs === undefined || this.events.size > 0) {
      return this.events.drain();
    }
    const first = await this.events.wait(() => true, 'any QMP event', timeoutMs);
    return [first, ...this.events.drain()];
  }

  /**
   * Return and remove the oldest buffered event; without one, null, or with wait, the next event
   * (true = default event timeout, number = ms; QmpTimeoutError past it).
   */
  getEvent(opts: { wait: true }): Promise<QmpEvent>;
  getEvent(opts?: { wait?: boolean | number }): Promise<QmpEvent | null>;
  async getEvent(opts?: { wait?: boolean | number }): Promise<QmpEvent | null> {
    const timeoutMs = this.waitTimeout(opts?.wait);
    const buffered = this.events.take(() => true);
    if (buffered !== undefined || timeoutMs === undefined) {
      return buffered ?? null;
    }
    return this.events.wait(() => true, 'any QMP event', timeoutMs);
  }

  /** The bound of a `wait` option in ms, or undefined for no wait. */
  private waitTimeout(wait: boolean | number | undefined): number | undefined {
    if (wait === undefined || wait === false || wait === 0) return undefined;
    if (wait === true) return this.options.eventTimeoutMs;
    return checkTimeout('wait', wait);
  }

  /** Forgets every buffered event. */
  clearEvents(): void {
    this.events.clear();
  }

  /** Mark the connection as lost (e.g. the machine saw QEMU exit): every pending call/wait rejects with QmpConnectionLostError carrying reason. */
  abort(reason: string): void {
    this.moveTo({
      kind: 'lost',
      reason: reason === '' ? 'the QMP connection was aborted' : reason,
    });
    this.socket.destroy();
  }

  /** Closes the connection; idempotent. Pending calls and waits reject with QmpConnectionLostError. */
  async close(): Promise<void> {
    const socketGone = this.socket.closed;
    this.moveTo({
      kind: 'lost',
      reason: socketGone ? this.lossReason() : 'the QMP client was closed',
    });
    if (!socketGone) {
      this.socket.destroy();
      const timer = sleep(SOCKET_CLOSE_TIMEOUT_MS, { unref: true });
      await Promise.race([this.socketClosed, timer]);
      timer.cancel();
    }
  }

  private async negotiate(): Promise<QmpGreeting> {
    const timeoutMs = this.options.handshakeTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    const greeting = await this.waitForGreeting(timeoutMs);
    const offersOob = greeting.QMP.capabilities.includes('oob');
    const remainingMs = Math.max(1, deadline - Date.now());
    await this.command('qmp_capabilities', offersOob ? { enable: ['oob'] } : undefined, {
      timeoutMs: remainingMs,
    });
    this.oobActive = offersOob;
    return greeting;
  }

  private waitForGreeting(timeoutMs: number): Promise<QmpGreeting> {
    const greeting = this.greetingState;
    if (greeting.kind === 'received') return Promise.resolve(greeting.greeting);
    if (greeting.kind === 'malformed') return Promise.reject(greeting.error);
    if (this.state.kind === 'lost') {
      return Promise.reject(new QmpConnectionLostError(this.state.reason, 'the QMP greeting'));
    }
    return new Promise<QmpGreeting>((resolve, reject) => {
      const waiter: GreetingWaiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          greeting.waiters.delete(waiter);
          reject(new QmpTimeoutError('the QMP greeting', timeoutMs, QMP_TIMEOUT_KNOB));
        }, timeoutMs),
      };
      waiter.timer.unref();
      greeting.waiters.add(waiter);
    });
  }

  /** Hands a raw message to the onMessage option (the debug trace), whatever it does. */
  private tell(direction: 'sent' | 'received', raw: string): void {
    try {
      this.options.onMessage?.(direction, raw);
    } catch {
      // A trace that fails must not break the connection.
    }
  }

  /** Routes one decoded message: reply, event or greeting. */
  private dispatch(message: QmpObject, raw: string): void {
    this.exchanges.record('received', raw);
    this.tell('received', raw);
    if ('return' in message || 'error' in message) {
      this.routeReply(message, raw);
    } else if ('event' in message) {
      if (typeof message.event !== 'string') {
        this.recordProtocolError(new QmpProtocolError('QMP event without a string name', raw));
        return;
      }
      this.events.push(message as unknown as QmpEvent);
    } else if ('QMP' in message) {
      this.receiveGreeting(message, raw);
    } else {
      this.recordProtocolError(
        new QmpProtocolError('Unrecognised QMP message (no return, error, event or QMP)', raw),
      );
    }
  }

  private routeReply(message: QmpObject, raw: string): void {
    const id = message.id;
    const pending = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (typeof id !== 'number' || pending === undefined) {
      this.unmatchedReply(id, raw);
      return;
    }
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if ('error' in message && !isErrorBody(message.error)) {
      pending.reject(
        new QmpProtocolError(
          `Malformed error reply to QMP command '${pending.command}' (expected {"class": ..., "desc": ...})`,
          raw,
        ),
      );
      return;
    }
    // The id is this client's routing detail (Python's QMP library sends none): the caller gets
    // the reply as QEMU would have sent it without one, so logged replies match reference output.
    const { id: _routingId, ...reply } = message;
    pending.resolve(reply as unknown as QmpResponse);
  }

  private unmatchedReply(id: JsonValue | undefined, raw: string): void {
    const lateCommand = typeof id === 'number' ? this.timedOutIds.get(id) : undefined;
    if (typeof id === 'number' && lateCommand !== undefined) {
      this.timedOutIds.delete(id);
      this.recordProtocolError(
        new QmpProtocolError(
          `Late reply to timed-out QMP command '${lateCommand}' (id ${id}) ignored`,
          raw,
        ),
      );
    } else if (id === undefined) {
      this.recordProtocolError(new QmpProtocolError('QMP reply without an id ignored', raw));
    } else {
      this.recordProtocolError(
        new QmpProtocolError(`QMP reply with unknown id ${JSON.stringify(id)} ignored`, raw),
      );
    }
  }

  private receiveGreeting(message: QmpObject, raw: string): void {
    const awaited = this.greetingState;
    if (awaited.kind !== 'awaited') {
      this.recordProtocolError(new QmpProtocolError('Unexpected second QMP greeting', raw));
      return;
    }
    let greeting: QmpGreeting;
    try {
      greeting = parseGreeting(message, raw);
    } catch (error) {
      const protocolError = error as QmpProtocolError;
      this.greetingState = { kind: 'malformed', error: protocolError };
      this.recordProtocolError(protocolError);
      settleGreetingWaiters(awaited.waiters, (waiter) => waiter.reject(protocolError));
      return;
    }
    this.greetingState = { kind: 'received', greeting };
    settleGreetingWaiters(awaited.waiters, (waiter) => waiter.resolve(greeting));
  }

  private commandTimedOut(id: number): void {
    const pending = this.pending.get(id);
    if (pending === undefined) {
      return;
    }
    this.pending.delete(id);
    this.timedOutIds.set(id, pending.command);
    if (this.timedOutIds.size > MAX_REMEMBERED_TIMEOUTS) {
      const oldest = this.timedOutIds.keys().next();
      if (oldest.done !== true) {
        this.timedOutIds.delete(oldest.value);
      }
    }
    pending.reject(
      new QmpTimeoutError(commandOperation(pending.command), pending.timeoutMs, QMP_TIMEOUT_KNOB),
    );
  }

  private recordProtocolError(error: QmpProtocolError): void {
    if (this.options.maxProtocolErrors > 0) {
      this.protocolErrorLog.push(error);
      if (this.protocolErrorLog.length > this.options.maxProtocolErrors) {
        this.protocolErrorLog.shift();
      }
    }
    try {
      this.options.onProtocolError?.(error);
    } catch {
      // A faulty observer must not break the connection.
    }
  }

  /** The socket closed: fail everything, giving the owner a moment to say why if it cannot yet. */
  private peerGone(): void {
    this.decoder.finish();
    if (this.state.kind !== 'open') return;
    const described = this.describedLoss();
    const greetingWaiters =
      this.greetingState.kind === 'awaited' ? this.greetingState.waiters.size : 0;
    const somethingWaits = this.pending.size > 0 || this.events.waiting > 0 || greetingWaiters > 0;
    if (described === undefined && somethingWaits && this.options.connectionLossGraceMs > 0) {
      const timer = setTimeout(
        () => this.moveTo({ kind: 'lost', reason: this.lossReason() }),
        this.options.connectionLossGraceMs,
      );
      this.moveTo({ kind: 'draining', timer });
    } else {
      this.moveTo({ kind: 'lost', reason: described ?? this.lossReason() });
    }
  }

  private describedLoss(): string | undefined {
    try {
      const reason = this.options.describeConnectionLoss?.();
      return typeof reason === 'string' && reason !== '' ? reason : undefined;
    } catch {
      return undefined;
    }
  }

  private lossReason(): string {
    const described = this.describedLoss();
    if (described !== undefined) {
      return described;
    }
    const socketError = this.socket.errored;
    if (socketError !== null) {
      return `QMP socket error: ${socketError.message}`;
    }
    return 'the QMP peer closed the connection';
  }

  /**
   * The only place the connection state changes. Entering 'lost' rejects every pending call and
   * wait with QmpConnectionLostError (later ones fail at once); 'lost' is final, its first reason
   * wins, and 'draining' can only follow 'open'.
   */
  private moveTo(next: ConnectionState): void {
    const previous = this.state;
    if (previous.kind === 'lost') return;
    if (next.kind === 'draining' && previous.kind !== 'open') return;
    if (previous.kind === 'draining') clearTimeout(previous.timer);
    this.state = next;
    if (next.kind === 'lost') this.failEverything(next.reason);
  }

  private failEverything(reason: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const call of pending) {
      clearTimeout(call.timer);
      call.reject(new QmpConnectionLostError(reason, commandOperation(call.command)));
    }
    if (this.greetingState.kind === 'awaited') {
      settleGreetingWaiters(this.greetingState.waiters, (waiter) =>
        waiter.reject(new QmpConnectionLostError(reason, 'the QMP greeting')),
      );
    }
    this.events.connectionLost(reason);
  }
}

function settleGreetingWaiters(
  waiters: Set<GreetingWaiter>,
  settle: (waiter: GreetingWaiter) => void,
): void {
  const settling = [...waiters];
  waiters.clear();
  for (const waiter of settling) {
    clearTimeout(waiter.timer);
    settle(waiter);
  }
}
