// Shared setup of the tool integration tests: a real configuration and capability probe, with
// private scratch directories, installed as the runtime the wrappers read.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { runFileCleanups } from '../../../src/iotests/cleanup';
import { resetFileContext } from '../../../src/iotests/context';
import { initRuntime, resetRuntime } from '../../../src/iotests/runtime';
import { resetTranscript } from '../../../src/iotests/transcript';

/** The scratch directories of one test file. */
export interface ToolsRuntime {
  testDir: string;
  sockDir: string;
}

/** Install a runtime for `env` overrides (IMGFMT, ...) with fresh TEST_DIR and SOCK_DIR. */
export async function setUpToolsRuntime(env: Record<string, string> = {}): Promise<ToolsRuntime> {
  const testDir = await mkdtemp(path.join(os.tmpdir(), 'qit-tools-'));
  // Sockets need a short path (AF_UNIX limit): /tmp, not a long TMPDIR.
  const sockDir = await mkdtemp('/tmp/qit-s-');
  const cleanEnv: Record<string, string | undefined> = { ...process.env };
  for (const name of ['IMGFMT', 'IMGPROTO', 'IMGOPTS', 'CACHEMODE', 'AIOMODE', 'QEMU_IO_OPTIONS']) {
    delete cleanEnv[name];
  }
  await initRuntime({ env: { ...cleanEnv, TEST_DIR: testDir, SOCK_DIR: sockDir, ...env } });
  resetTranscript();
  return { testDir, sockDir };
}

/** Run the file's cleanups (failing on their errors), forget the runtime, remove the scratch dirs. */
export async function tearDownToolsRuntime(rt: ToolsRuntime | undefined): Promise<void> {
  const errors = await runFileCleanups();
  resetRuntime();
  resetFileContext();
  resetTranscript();
  if (rt !== undefined) {
    await rm(rt.testDir, { recursive: true, force: true });
    await rm(rt.sockDir, { recursive: true, force: true });
  }
  if (errors.length > 0) {
    throw new AggregateError(errors, errors.map((error) => error.message).join('\n'));
  }
}
