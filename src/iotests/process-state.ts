// How a process ended, in the words failure reports and the trace use.

/** `exited with code 0`, `killed by signal SIGABRT`. */
export function describeExitStatus(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal !== null) return `killed by signal ${signal}`;
  return code === null ? 'ended (status unknown)' : `exited with code ${code}`;
}
