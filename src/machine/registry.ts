// Process registry: no QEMU (or qemu-nbd, qemu-storage-daemon...) outlives the test run.
//
// Two layers:
//  - in memory (shared by every copy of the package in this OS process): a process 'exit' hook
//    SIGKILLs every live child synchronously, and SIGINT/SIGTERM/SIGHUP hooks do the same and
//    then let the signal take its default course;
//  - on disk, one small JSON file per child under a private per-user directory, so that a later
//    run can kill what a run that died hard (SIGKILL, OOM killer) left behind: sweepOrphans().
// Linux's PR_SET_PDEATHSIG would make the kernel do this, but Node cannot set it for a spawned
// child, so the on-disk registry plus sweepOrphans() is the backstop for a hard death.

import {
  mkdirSync,
  lstatSync,
  readdirSync,
  rmSync,
  readFileSync,
  unlink,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { sleep } from '../common/sleep';
import { hostProcess, sharedMachineState, type LiveChild } from './host-process';
import { cmdlineOf, isLiveProcess, readProcCmdline, readProcStat } from './proc-info';

/** What a registry file records about one child. */
interface RegistryEntry {
  pid: number;
  description: string;
  startTime: number | null;
  cmdline: string | null;
  ownerPid: number;
  ownerStartTime: number | null;
  cleanupPaths: string[];
}

/** Extra facts about a registered child. */
export interface RegisterChildOptions {
  /** Directories to remove once the child has been killed by a hook or a sweep. */
  cleanupPaths?: string[];
}

/** Options of RegisteredChild.killAndWait. */
export interface KillRegisteredChildOptions {
  /** How long the process may take to be gone after SIGKILL (default 5000 ms). */
  waitMs?: number;
}

/**
 * A child registered with registerChild. Calling it unregisters the child (idempotent), for
 * when it has exited.
 */
export interface RegisteredChild {
  (): void;
  /**
   * For a child that is not a child of this process (a daemon that forked away, such as
   * `qemu-nbd --fork`: Node never reaps it, so only /proc can tell when it is gone): SIGKILLs
   * it if its pid still is the process that was registered (same start time and command line,
   * never a process that later reused the pid), waits until it is gone, and unregisters it
   * whatever happens. Resolves to whether it was killed: false, promptly, when it had already
   * exited or its pid now belongs to another process. Rejects with an error naming the child,
   * its pid and the wait when it still exists `waitMs` after SIGKILL.
   */
  killAndWait(options?: KillRegisteredChildOptions): Promise<boolean>;
}

const ownStartTime = readProcStat(hostProcess.pid)?.startTime ?? null;
const HOOKED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SWEEP_DEATH_WAIT_MS = 2_000;
const KILL_DEATH_WAIT_MS = 5_000;
const DEATH_POLL_MS = 10;

function currentUid(): number | string {
  try {
    return process.getuid?.() ?? userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** The per-user directory holding one file per registered child. */
export function registryDirectory(): string {
  return join(tmpdir(), `qemu-iotests-${currentUid()}`, 'registry');
}

let checkedDirectory: string | undefined;

/** Creates the registry directory (0700) and refuses one that another user could tamper with. */
function ensureRegistryDirectory(): string {
  const directory = registryDirectory();
  if (checkedDirectory === directory) {
    return directory;
  }
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  for (const path of [join(directory, '..'), directory]) {
    const stat = lstatSync(path);
    const uid = process.getuid?.();
    if (
      !stat.isDirectory() ||
      (uid !== undefined && stat.uid !== uid) ||
      (stat.mode & 0o022) !== 0
    ) {
      throw new Error(
        `Process registry directory ${path} is not a private directory owned by this user ` +
          `(expected a non-symlink directory, owner uid ${uid ?? '?'}, not group/other writable); ` +
          'remove it or point TMPDIR elsewhere',
      );
    }
  }
  checkedDirectory = directory;
  return directory;
}

function entryPathFor(directory: string, pid: number): string {
  return join(directory, `${pid}.json`);
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    hostProcess.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

function removeTrees(paths: readonly string[]): void {
  for (const path of paths) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // Best effort: a leftover temp dir is untidy, not harmful.
    }
  }
}

function removeQuietly(path: string | undefined): void {
  if (path === undefined) {
    return;
  }
  try {
    unlinkSync(path);
  } catch {
    // Already removed (or the directory went away): nothing left to clean.
  }
}

/** Whether a child registered in memory is still that process (not gone, pid not reused). */
function isStillRegisteredProcess(child: LiveChild): boolean {
  // See LiveChild.directChild: no other process can have its pid yet.
  return child.directChild === true || isStillSameProcess(child);
}

/** Whether a child registered with registerChild still is the process that was registered. */
function isStillSameProcess(child: LiveChild): boolean {
  if (child.startTime === undefined && ownStartTime !== null) {
    // /proc is there but had no stat for it at registration: it was gone already, and any
    // process with its pid now is another one.
    return false;
  }
  return isLiveProcess(child.pid, child);
}

/** Drops a child from memory and its file from disk, unless another registration replaced it. */
function unregisterEntry(child: LiveChild): void {
  const { children } = sharedMachineState();
  if (children.get(child.pid) === child) {
    children.delete(child.pid);
    removeQuietly(child.entryPath);
  }
}

/** RegisteredChild.killAndWait for `child`. */
async function killAndWaitFor(
  child: LiveChild,
  options: KillRegisteredChildOptions,
): Promise<boolean> {
  const waitMs = options.waitMs ?? KILL_DEATH_WAIT_MS;
  try {
    if (!isStillSameProcess(child)) {
      return false;
    }
    killQuietly(child.pid, 'SIGKILL');
    // Stays registered while it dies, so that the exit and signal hooks still cover it.
    const deadline = Date.now() + waitMs;
    while (isStillSameProcess(child)) {
      if (Date.now() >= deadline) {
        throw new Error(
          `${child.description} (pid ${child.pid}) still exists ${waitMs} ms after SIGKILL`,
        );
      }
      await sleep(DEATH_POLL_MS);
    }
    return true;
  } finally {
    unregisterEntry(child);
  }
}

/** SIGKILLs every live registered child of this process, synchronously; returns them. */
function killAllChildren(): Array<{ pid: number; description: string }> {
  const { children } = sharedMachineState();
  const killed: Array<{ pid: number; description: string }> = [];
  for (const child of children.values()) {
    if (isStillRegisteredProcess(child)) {
      killQuietly(child.pid, 'SIGKILL');
      killed.push({ pid: child.pid, description: child.description });
      removeTrees(child.cleanupPaths);
    }
    removeQuietly(child.entryPath);
  }
  children.clear();
  return killed;
}

function onSignal(signal: NodeJS.Signals): void {
  killAllChildren();
  // Someone else handles this signal (e.g. a test runner's graceful stop): let them decide.
  // Otherwise restore the default action and re-raise, so the process still dies of it.
  if (hostProcess.listenerCount(signal) === 1) {
    hostProcess.removeListener(signal, onSignal);
    hostProcess.kill(hostProcess.pid, signal);
  }
}

function installHooksOnce(): void {
  const state = sharedMachineState();
  if (state.hooksInstalled) {
    return;
  }
  state.hooksInstalled = true;
  hostProcess.on('exit', () => {
    killAllChildren();
  });
  for (const signal of HOOKED_SIGNALS) {
    hostProcess.on(signal, onSignal);
  }
}

let warned = false;

function warnOnce(message: string): void {
  if (!warned) {
    warned = true;
    process.emitWarning(message);
  }
}

// Kept although `pid` is typed: a registered pid is later signalled, and kill(0) or kill(-1)
// would hit this process group or every process of the user (a failed spawn's pid is undefined).
function checkPid(caller: string, pid: number): void {
  if (!Number.isInteger(pid) || pid <= 0) {
    throw new TypeError(`${caller}: pid must be a positive integer, got ${String(pid)}`);
  }
}

function warnNotRecorded(pid: number, error: unknown): void {
  // The in-memory hooks still cover a normal exit; only the hard-death backstop is lost,
  // which is no reason to fail the test that spawned the child.
  warnOnce(`qemu-iotests: cannot record child ${pid} in the process registry: ${String(error)}`);
}

/**
 * Registers a child process that must not outlive this one; returns the (idempotent) function
 * that unregisters it once it has exited, which can also kill it (see RegisteredChild). Call
 * right after spawning. Synchronous: the registry file is on disk when this returns.
 */
export function registerChild(
  pid: number,
  description: string,
  options: RegisterChildOptions = {},
): RegisteredChild {
  checkPid('registerChild', pid);
  installHooksOnce();
  const stat = readProcStat(pid);
  const entry: RegistryEntry = {
    pid,
    description,
    startTime: stat?.startTime ?? null,
    cmdline: readProcCmdline(pid) ?? null,
    ownerPid: hostProcess.pid,
    ownerStartTime: ownStartTime,
    cleanupPaths: [...(options.cleanupPaths ?? [])],
  };
  let entryPath: string | undefined;
  try {
    entryPath = entryPathFor(ensureRegistryDirectory(), pid);
    writeFileSync(entryPath, JSON.stringify(entry), { mode: 0o600 });
  } catch (error: unknown) {
    entryPath = undefined;
    warnNotRecorded(pid, error);
  }
  const child: LiveChild = {
    pid,
    description,
    startTime: entry.startTime ?? undefined,
    cmdline: entry.cmdline ?? undefined,
    entryPath,
    cleanupPaths: entry.cleanupPaths,
  };
  sharedMachineState().children.set(pid, child);
  // Bound to this registration, not to the pid: a later registration of a reused pid is not it.
  return Object.assign(() => unregisterEntry(child), {
    killAndWait: (killOptions: KillRegisteredChildOptions = {}) =>
      killAndWaitFor(child, killOptions),
  });
}

/** A child registered with registerSpawnedChild. */
export interface SpawnedChildRegistration {
  /** Settles once the registry file is on disk (or could not be written: warned); never rejects. */
  readonly persisted: Promise<void>;
  /** Unregisters the child (idempotent); call from its 'exit' event. The file goes in the background. */
  readonly unregister: () => void;
}

/**
 * registerChild for a child that this process has just spawned with `argv` and that Node reaps
 * for it (the caller unregisters it from its 'exit' event). It is in memory, and so covered by
 * the exit and signal hooks, when this returns; its registry file is written in the background.
 * No /proc read: the command line is `argv`, which must identify the process on its own (QEMU's
 * argv names its private socket dir, unique while it runs), since the file records no start time.
 * Reading /proc/<pid>/stat of a process that is still starting slows that process down, as does
 * any work done while it starts on a busy machine.
 * Await `persisted` before the child could outlive this process: a QEMU whose chardevs connect
 * to our listening sockets cannot until it has connected (were this process gone, the
 * connection would fail and QEMU would exit), and it connects long after the write is done.
 */
export function registerSpawnedChild(
  pid: number,
  argv: readonly string[],
  description: string,
  options: RegisterChildOptions = {},
): SpawnedChildRegistration {
  checkPid('registerSpawnedChild', pid);
  installHooksOnce();
  const child: LiveChild = {
    pid,
    description,
    startTime: undefined,
    entryPath: undefined,
    cleanupPaths: [...(options.cleanupPaths ?? [])],
    directChild: true,
  };
  const { children } = sharedMachineState();
  children.set(pid, child);
  let registered = true;
  const persisted = writeEntryInBackground(child, {
    pid,
    description,
    startTime: null,
    cmdline: cmdlineOf(argv),
    ownerPid: hostProcess.pid,
    ownerStartTime: ownStartTime,
    cleanupPaths: child.cleanupPaths,
  });
  return {
    persisted,
    unregister: () => {
      if (!registered) {
        return;
      }
      registered = false;
      if (children.get(pid) === child) {
        children.delete(pid);
      }
      // After the write, which may still be in flight: the file must not outlive the entry.
      void persisted.then(() => removeInBackground(child.entryPath));
    },
  };
}

async function writeEntryInBackground(child: LiveChild, entry: RegistryEntry): Promise<void> {
  try {
    // Set first, so that an exit hook running while the file is written still removes it.
    child.entryPath = entryPathFor(ensureRegistryDirectory(), child.pid);
    await writeFile(child.entryPath, JSON.stringify(entry), { mode: 0o600 });
  } catch (error: unknown) {
    // entryPath stays: whatever part of the file was written goes when the child does.
    warnNotRecorded(child.pid, error);
  }
}

function removeInBackground(path: string | undefined): void {
  if (path !== undefined) {
    unlink(path, () => {
      // Already removed (or the directory went away): nothing left to clean.
    });
  }
}

/** The descriptions of the children this process currently has registered. */
export function liveChildren(): Array<{ pid: number; description: string }> {
  return [...sharedMachineState().children.values()].map(({ pid, description }) => ({
    pid,
    description,
  }));
}

/**
 * SIGKILLs, synchronously, every registered child of the process `ownerPid` that is still the
 * process that was registered; for this process that includes children only known in memory.
 * Meant for teardown paths that must leave nothing behind (a test file's environment).
 */
export function killChildrenOwnedBy(ownerPid: number): Array<{ pid: number; description: string }> {
  const killed = ownerPid === hostProcess.pid ? killAllChildren() : [];
  for (const { path, entry } of readEntries()) {
    if (entry?.ownerPid !== ownerPid) {
      continue;
    }
    killed.push(...killRegistryEntry(path, entry));
  }
  return killed;
}

/**
 * Ends the child a registry file describes (when the pid still belongs to it), then removes its
 * directories and the file; returns the child if it was killed.
 */
function killRegistryEntry(
  path: string,
  entry: RegistryEntry,
): Array<{ pid: number; description: string }> {
  const alive = isLiveProcess(entry.pid, entry);
  if (alive) killQuietly(entry.pid, 'SIGKILL');
  removeTrees(entry.cleanupPaths);
  removeQuietly(path);
  return alive ? [{ pid: entry.pid, description: entry.description }] : [];
}

/** Every registry file with its parsed entry (undefined when unreadable or malformed). */
function readEntries(): Array<{ path: string; entry: RegistryEntry | undefined }> {
  let directory: string;
  let names: string[];
  try {
    directory = ensureRegistryDirectory();
    names = readdirSync(directory);
  } catch {
    return [];
  }
  const entries: Array<{ path: string; entry: RegistryEntry | undefined }> = [];
  for (const name of names) {
    if (!name.endsWith('.json')) {
      continue;
    }
    const path = join(directory, name);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue; // Unregistered meanwhile.
    }
    entries.push({ path, entry: parseEntry(text) });
  }
  return entries;
}

function parseEntry(text: string): RegistryEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const entry = value as Partial<RegistryEntry>;
  const validPid = (pid: unknown): pid is number => Number.isInteger(pid) && (pid as number) > 0;
  if (!validPid(entry.pid) || !validPid(entry.ownerPid)) {
    return undefined;
  }
  return {
    pid: entry.pid,
    ownerPid: entry.ownerPid,
    description: typeof entry.description === 'string' ? entry.description : '',
    startTime: typeof entry.startTime === 'number' ? entry.startTime : null,
    cmdline: typeof entry.cmdline === 'string' ? entry.cmdline : null,
    ownerStartTime: typeof entry.ownerStartTime === 'number' ? entry.ownerStartTime : null,
    cleanupPaths: Array.isArray(entry.cleanupPaths)
      ? entry.cleanupPaths.filter((path): path is string => typeof path === 'string' && path !== '')
      : [],
  };
}

/**
 * Kills registered children whose owner process is dead (left behind by a run that died hard)
 * and removes stale registry entries. A pid is only killed while it still is the registered
 * process (same start time and command line), never a process that later reused the pid.
 * Resolves once the killed processes are gone (or after a short bound).
 */
export async function sweepOrphans(): Promise<{
  killed: Array<{ pid: number; description: string }>;
}> {
  ensureRegistryDirectory(); // a registry that cannot be trusted is an error here
  const killed: Array<{ pid: number; description: string }> = [];
  for (const { path, entry } of readEntries()) {
    if (entry === undefined) {
      removeQuietly(path);
      continue;
    }
    if (isLiveProcess(entry.ownerPid, { startTime: entry.ownerStartTime })) {
      continue; // Its owner still runs and will clean up after itself.
    }
    killed.push(...killRegistryEntry(path, entry));
  }
  const deadline = Date.now() + SWEEP_DEATH_WAIT_MS;
  while (killed.some(({ pid }) => isLiveProcess(pid)) && Date.now() < deadline) {
    await sleep(DEATH_POLL_MS);
  }
  return { killed };
}
