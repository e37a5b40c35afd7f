// What a test file's session learns about every QEMU and tool it starts: each QEMU (a VM or a
// bare QemuMachine) joins the file's list for failure reports, and, with the debug trace on, its
// command line, QMP messages and exit go to the trace. Tools report through traceTool*.
import { formatCommandLine } from '../machine/errors';
import { setMachineObserver, type ObservedMachine } from '../machine/observer';
import { describeExitStatus } from './process-state';
import { trace } from './debug-trace';
import { session, type ReportedProcess } from './session';
import { currentTestScope } from './test-scope';

/** For each running QEMU, how to drop it from the ending list of the test that launched it. */
const enders = new WeakMap<ObservedMachine, () => void>();

/** Watch every machine of this module copy on behalf of the current session. */
export function watchMachines(): void {
  setMachineObserver({
    spawned(machine, commandLine, pid) {
      session().machines.add(machine);
      // A test that times out ends the QEMUs it launched before its afterEach hooks run.
      enders.set(
        machine,
        currentTestScope().onEndProcesses(() => machine.kill()),
      );
      trace(`${machine.name}`, `QEMU started (pid ${pid}): ${formatCommandLine(commandLine)}`);
    },
    exited(machine, code, signal) {
      enders.get(machine)?.();
      enders.delete(machine);
      trace(`${machine.name}`, `QEMU ${describeExitStatus(code, signal)}`);
    },
    qmpMessage(machine, direction, raw) {
      trace(`${machine.name} ${direction === 'sent' ? '->' : '<-'}`, raw);
    },
  });
}

/** The machines the file launched, oldest first. */
export function fileMachines(): ObservedMachine[] {
  return [...session().machines];
}

/** A tool or daemon starts: trace its command line, list it for failure reports. */
export function traceToolStart(label: string, argv: readonly string[]): void {
  trace(label, `started: ${formatCommandLine(argv)}`);
}

/** A tool or daemon ended: its status and everything it printed. */
export function traceToolEnd(
  label: string,
  code: number | null,
  signal: NodeJS.Signals | null,
  output: string,
): void {
  trace(label, describeExitStatus(code, signal));
  if (output !== '') trace(`${label} output`, output);
}

/** List a process for failure reports (until the file ends). */
export function reportProcess(process: ReportedProcess): void {
  session().processes.add(process);
}
