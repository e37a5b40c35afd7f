// execa is loaded when a process is first run, not with the library: the library is loaded into
// every test file, and execa's two dozen modules cost each file time even when it runs no tool.
import type execa from 'execa';

/** The execa function, loaded on first use. */
export async function loadExeca(): Promise<typeof execa> {
  return (await import('execa')).default;
}
