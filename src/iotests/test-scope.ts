// What belongs to the test that is running: its transcript and the asynchronous operations it
// started (QMP commands, event waits, tool processes, job helpers). Python has no `await`, so
// every port will forget one; an operation carries the scope it was started in, so that its late
// output can never land in another test's transcript, and a test that ends while one of its
// operations is still pending can be failed, naming it, instead of passing silently.
// An operation runs inside an AsyncLocalStorage context holding its scope: whatever it does after
// an await (log, nested operations such as runJob's qmpLog) still belongs to the test that
// started it, not to the test running by then.
import { AsyncLocalStorage } from 'node:async_hooks';

import { session } from './session';

/** An operation started in a scope and not settled yet. */
export interface PendingOperation {
  /** How the test called it, e.g. `vm.qmpLog('query-status')` (built only when reported). */
  readonly describe: () => string;
  /** Where it was started: the caller's stack, formatted only when reported. */
  readonly origin: { readonly stack?: string };
}

/** One test's transcript and operations (or the file's, outside any test). */
export class TestScope {
  private readonly chunks: string[] = [];
  private readonly pending = new Set<PendingOperation>();
  private readonly enders = new Set<() => void>();
  private closed = false;
  private droppedWrites = 0;

  /** @param title the test's name; undefined for the file-level scope (hooks outside tests). */
  constructor(readonly title: string | undefined) {}

  /** Append to the transcript; once the test is over, the text is dropped (false) and counted. */
  write(text: string): boolean {
    if (this.closed) {
      this.droppedWrites += 1;
      return false;
    }
    this.chunks.push(text);
    return true;
  }

  /** Everything written since the scope began. */
  text(): string {
    return this.chunks.join('');
  }

  /** A position in the transcript, to roll back to with `truncate`. */
  mark(): number {
    return this.chunks.length;
  }

  /** Forget everything written after `mark`. */
  truncate(mark: number): void {
    if (!Number.isInteger(mark) || mark < 0 || mark > this.chunks.length) {
      throw new RangeError(`transcript mark ${mark} is not between 0 and ${this.chunks.length}`);
    }
    this.chunks.length = mark;
  }

  /** What was written after `mark`. */
  since(mark: number): string {
    return this.chunks.slice(mark).join('');
  }

  /** Writes that arrived after the test was over (and were dropped). */
  get lateWrites(): number {
    return this.droppedWrites;
  }

  /** The operations started in this scope that have not settled, oldest first. */
  pendingOperations(): PendingOperation[] {
    return [...this.pending];
  }

  /**
   * Register how to end a process this test started (a tool, a QEMU), for `endProcesses`: a test
   * that timed out must not leave it running while its afterEach hooks remove its files.
   * Returns the unregistration, for a process that ended by itself.
   */
  onEndProcesses(end: () => void): () => void {
    this.enders.add(end);
    return () => {
      this.enders.delete(end);
    };
  }

  /** End (SIGKILL) every process this test started that still runs. */
  endProcesses(): number {
    const ends = [...this.enders];
    this.enders.clear();
    for (const end of ends) {
      try {
        end();
      } catch {
        // Gone already.
      }
    }
    return ends.length;
  }

  /** The test is over: later writes are dropped. */
  close(): void {
    this.closed = true;
  }

  /** Run `work` as an operation of this scope: pending until its promise settles. */
  track<T>(operation: PendingOperation, work: () => Promise<T>): Promise<T> {
    this.pending.add(operation);
    const settle = (): void => {
      this.pending.delete(operation);
    };
    let promise: Promise<T>;
    try {
      promise = work();
    } catch (error: unknown) {
      settle();
      throw error;
    }
    promise.then(settle, settle);
    return promise;
  }
}

/** Any function, as Error.captureStackTrace takes it. */
export type AnyFunction = (...args: never[]) => unknown;

/** What an operation's asynchronous context carries. */
export interface OperationContext {
  readonly scope: TestScope;
}

/**
 * Use `shared` for operation contexts. The preset passes one per worker: every AsyncLocalStorage
 * in use adds work to each promise the process creates, so test files must not make their own.
 */
export function useOperationStorage(shared: AsyncLocalStorage<OperationContext>): void {
  session().operationStorage = shared;
}

// The test running now (a file-level scope outside tests, made on first use).
function runningScope(): TestScope {
  const state = session();
  state.testScope ??= new TestScope(undefined);
  return state.testScope;
}

/** The scope of the running operation, else of the test running now (the file's outside tests). */
export function currentTestScope(): TestScope {
  return session().operationStorage?.getStore()?.scope ?? runningScope();
}

/** A test starts: it gets a fresh, empty scope. */
export function beginTestScope(title: string): TestScope {
  runningScope().close();
  const scope = new TestScope(title);
  session().testScope = scope;
  return scope;
}

/** The test is over: its scope closes, and code outside tests gets a file-level scope again. */
export function endTestScope(): TestScope {
  const ended = runningScope();
  ended.close();
  session().testScope = new TestScope(undefined);
  return ended;
}

/**
 * Run `work` as an operation of the current test: it gets the test's scope (to write its
 * transcript lines to, however late), and the test knows it is pending until it settles.
 * `describe` names the call for the "missing await?" report; `caller`, the library function the
 * test called, is where the reported stack starts (at the test's own line).
 */
export function trackOperation<T>(
  describe: () => string,
  work: (scope: TestScope) => Promise<T>,
  caller: AnyFunction = trackOperation,
): Promise<T> {
  const state = session();
  state.operationStorage ??= new AsyncLocalStorage();
  const storage = state.operationStorage;
  const outer = storage.getStore();
  // Inside another operation: part of it, in its scope; the outer one is what the test awaits.
  if (outer !== undefined) return work(outer.scope);
  // The structured stack is cheap to capture; it is formatted only if the report reads it.
  const origin: { stack?: string } = {};
  // From the test's frame on: `caller` (the library function the test called) and above go.
  Error.captureStackTrace(origin, caller);
  const scope = runningScope();
  const context: OperationContext = { scope };
  return scope.track({ describe, origin }, () => storage.run(context, () => work(scope)));
}

/** The report of operations still pending when a test ended, or undefined when there are none. */
export function describePendingOperations(
  operations: readonly PendingOperation[],
  when: string,
): { message: string; stack: string } | undefined {
  if (operations.length === 0) return undefined;
  const shown = operations.slice(0, 5).map((operation) => `  ${operation.describe()}`);
  if (operations.length > shown.length) shown.push(`  ... and ${operations.length - 5} more`);
  const what =
    operations.length === 1 ? 'an operation it started was' : 'operations it started were';
  const message =
    `The test ended ${when} while ${what} still pending (missing await?):\n${shown.join('\n')}\n` +
    'Await every call of the library; output that arrives after the test is discarded.';
  // The stack of the first operation leads to the line that started it without awaiting it.
  const frames = framesOf(operations[0].origin.stack);
  return { message, stack: `${message}\n${frames}` };
}

function framesOf(stack: string | undefined): string {
  if (stack === undefined) return '';
  return stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
}

/** A call as a test wrote it, for reports: `vm.qmp('query-status', {"id": "x"})`. */
export function callLabel(callee: string, args: readonly unknown[]): string {
  return `${callee}(${args.map(argumentText).join(', ')})`;
}

const MAX_ARGUMENT_CHARS = 120;

function argumentText(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = `'${value}'`;
  else if (typeof value === 'function') text = '[function]';
  else if (value === undefined) text = 'undefined';
  else {
    try {
      text =
        JSON.stringify(value, (_key, item: unknown) =>
          typeof item === 'bigint'
            ? item.toString()
            : typeof item === 'function'
              ? '[function]'
              : item,
        ) ?? '[unprintable]';
    } catch {
      text = '[unprintable]'; // e.g. a cycle
    }
  }
  return text.length > MAX_ARGUMENT_CHARS ? `${text.slice(0, MAX_ARGUMENT_CHARS - 3)}...` : text;
}
