import { IotestsError } from '../common/errors';
import type { ToolRun } from './run-tool';

/** A probe command failed in a way that leaves the capability unknown. */
export class CapabilityProbeError extends IotestsError {
  readonly command: string;
  readonly exitCode: number | undefined;
  readonly stderr: string;

  constructor(run: ToolRun, problem: string) {
    super(`${problem}: \`${run.command}\` ${describeOutcome(run)}`);
    this.command = run.command;
    this.exitCode = run.exitCode;
    this.stderr = run.stderr;
  }
}

/** One line saying how a probe command ended. */
export function describeOutcome(run: ToolRun): string {
  if (run.spawnError !== undefined) return `could not start (${run.spawnError})`;
  if (run.timedOut) return 'timed out';
  const stderr = run.stderr.trim().split('\n').slice(-1)[0] ?? '';
  const status = `exited with ${run.exitCode ?? 'a signal'}`;
  return stderr === '' ? status : `${status}: ${stderr}`;
}
