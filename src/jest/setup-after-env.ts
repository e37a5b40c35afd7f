// Runs inside every test file's module registry (setupFilesAfterEnv, after matchers/extend-expect
// has registered the matchers), so everything here shares module instances with the test: it
// points the library at this file's configuration and directories, creates the file's `vm`
// (booted before the first test unless the file opts out), gives every test a fresh transcript,
// and shuts down whatever the file started once it is done. The environment's teardown is the
// safety net behind this.
import { afterAll, afterEach, beforeAll, expect } from '@jest/globals';

import { endFile } from '../iotests/cleanup';
import { DebugTrace } from '../iotests/debug-trace';
import { fileMachines, watchMachines } from '../iotests/file-watch';
import { NotRunError } from '../iotests/requirements';
import { session, startSession } from '../iotests/session';
import {
  beginTestScope,
  describePendingOperations,
  endTestScope,
  currentTestScope,
  type PendingOperation,
} from '../iotests/test-scope';
import { transcript } from '../iotests/transcript';
import { TranscriptText } from '../iotests/transcript-text';
import { VM, setCurrentVm, trackedVms } from '../iotests/vm';
import { readBridge } from './bridge';
import { describeProcessesForFailure, describeVmsForFailure } from './failure-info';
import { keepFailedTranscript, keepQemuOutputs } from './kept-files';

const bridge = readBridge();
const { config } = bridge;

// The file's whole state, in one step (see session.ts).
startSession({
  runtime: { config, capabilities: bridge.capabilities },
  testDir: bridge.testDir,
  sockDir: bridge.sockDir,
  skipHandler: {
    onUnmet(reason: string): void {
      // While the file is being defined, the environment skips the describe block; inside a
      // test or hook, the test ends here and the environment reports it as skipped.
      if (!bridge.markUnmet(reason)) throw new NotRunError(reason);
    },
  },
  transcriptEcho:
    process.env.IOTESTS_ECHO === 'y'
      ? (text: string) => process.stdout.write(`${text}\n`)
      : undefined,
  referenceUpdateMode: bridge.updateSnapshot,
  operationStorage: bridge.operationStorage,
});

// Every QEMU and tool of the file is seen (failure reports), and traced when asked.
const { debug } = bridge;
const traceFile = debug.traceFile;
if (traceFile !== undefined || debug.traceToConsole) {
  session().trace = new DebugTrace(
    traceFile,
    debug.traceToConsole ? (line) => process.stderr.write(line) : undefined,
  );
}
watchMachines();

const vm = new VM();
setCurrentVm(vm);
(globalThis as { vm?: VM }).vm = vm;

bridge.setDebugInfo(() => {
  // The QEMUs launched, then VMs never launched: every QEMU the file made, bare ones included.
  const machines = [...new Set([...fileMachines(), ...trackedVms()])];
  const parts = [
    describeVmsForFailure(machines),
    describeProcessesForFailure([...session().processes]),
  ];
  if (traceFile !== undefined) parts.push(`debug trace: ${traceFile}`);
  return parts.filter((part) => part !== '').join('\n\n');
});
// What a failed file keeps (IOTESTS_KEEP_SCRATCH): its files stay, QEMU's output is saved beside them.
const keeping = (): boolean => debug.keepScratch && bridge.fileFailed();
async function endThisFile(): Promise<Error[]> {
  const keep = keeping();
  const errors = await endFile({ keepFiles: keep });
  if (keep) keepQemuOutputs(bridge.testDir, fileMachines(), [...session().processes]);
  session().trace?.close();
  return errors;
}
bridge.setTeardown(endThisFile);

if (bridge.vmMode === 'boot') {
  beforeAll(async () => {
    await vm.launch();
  }, config.timeouts.launchMs + 5_000);
}

// Each test gets its own transcript and operations; one it leaves pending fails it (see
// test-scope.ts), reported once: when the test function returns, or after the afterEach hooks.
let reported = new Set<PendingOperation>();
// Whether the running test's function returned without failing (and left nothing pending).
let functionPassed = false;
bridge.setTestLifecycle({
  testStarted(title) {
    beginTestScope(title);
    reported = new Set();
    functionPassed = false;
  },
  testFnSucceeded() {
    const pending = currentTestScope().pendingOperations();
    for (const operation of pending) reported.add(operation);
    functionPassed = pending.length === 0;
    return describePendingOperations(pending, 'when its function returned');
  },
  testDone(passedSoFar) {
    const scope = endTestScope();
    if (!passedSoFar && debug.keepScratch) keepFailedTranscript(bridge.testDir, scope);
    const pending = scope.pendingOperations().filter((operation) => !reported.has(operation));
    return passedSoFar
      ? describePendingOperations(pending, 'after its afterEach hooks')
      : undefined;
  },
  testTimedOut() {
    const scope = currentTestScope();
    const pending = scope.pendingOperations();
    for (const operation of pending) reported.add(operation);
    const ended = scope.endProcesses();
    const lines = pending.map((operation) => `  ${operation.describe()}`);
    const head =
      pending.length === 0
        ? 'No operation of the library was pending when the timeout fired.'
        : `Pending when the timeout fired:\n${lines.join('\n')}`;
    const tail = ended === 0 ? '' : `\nEnded ${ended} process(es) the test started.`;
    return head + tail;
  },
});

// `@transcript snapshot` (a script-style port): each test's transcript is its snapshot, its part
// of NNN.out. Only once the test function passed: a failed or skipped test neither writes a
// partial reference (a new snapshot, -u) nor reports a diff beside its real error; Jest keeps
// its stored snapshot as it keeps any failed or skipped test's. Registered before the file's own
// hooks, so it runs before the file's own afterEach hooks.
if (bridge.transcriptMode === 'snapshot') {
  afterEach(() => {
    if (functionPassed) expect(new TranscriptText(transcript())).toMatchSnapshot();
  });
}

afterAll(async () => {
  const errors = await endThisFile();
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    throw new AggregateError(errors, errors.map((error) => error.message).join('\n'));
  }
}, config.timeouts.shutdownMs + 10_000);
