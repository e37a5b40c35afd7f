// Shared set-up of the VM integration tests: a real config and capability probe with private
// scratch and socket directories, installed as this test file's runtime and file context.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import execa from 'execa';
import { resetFileContext } from '../../../src/iotests/context';
import { initRuntime, resetRuntime, type IotestsRuntime } from '../../../src/iotests/runtime';
import { resetTranscript } from '../../../src/iotests/transcript';
import { shutdownAllVms } from '../../../src/iotests/vm';

/** The scratch directories of one test file and the runtime made for them. */
export interface VmTestRuntime extends IotestsRuntime {
  testDir: string;
  sockDir: string;
  /** `${testDir}/${pid}-${name}`, the seed's file_path. */
  filePath(name: string): string;
  /** Shut down every VM, remove the directories, and return the shutdown errors. */
  tearDown(): Promise<Error[]>;
}

/** Resolve a real configuration (IMGFMT=qcow2) with temp TEST_DIR / SOCK_DIR and install it. */
export async function setUpVmRuntime(): Promise<VmTestRuntime> {
  const testDir = await mkdtemp(path.join(os.tmpdir(), 'qemu-iotests-vm-'));
  // AF_UNIX paths are short: the socket dir lives directly under /tmp.
  const sockDir = await mkdtemp('/tmp/qi-vm-');
  const { config, capabilities } = await initRuntime({
    env: { PATH: process.env.PATH, TEST_DIR: testDir, SOCK_DIR: sockDir, IMGFMT: 'qcow2' },
  });
  resetTranscript();
  return {
    config,
    capabilities,
    testDir,
    sockDir,
    filePath: (name) => path.join(testDir, `${process.pid}-${name}`),
    tearDown: async () => {
      const errors = await shutdownAllVms();
      resetRuntime();
      resetFileContext();
      await rm(testDir, { recursive: true, force: true });
      await rm(sockDir, { recursive: true, force: true });
      return errors;
    },
  };
}

/** Run qemu-img with arguments; rejects with its output when it fails. */
export async function qemuImg(rt: IotestsRuntime, ...args: string[]): Promise<string> {
  const result = await execa(rt.config.binaries.qemuImg, args, { timeout: 30_000 });
  return result.stdout;
}

/** Run one qemu-io command on a qcow2 image. */
export async function qemuIo(rt: IotestsRuntime, image: string, command: string): Promise<string> {
  const result = await execa(rt.config.binaries.qemuIo, ['-f', 'qcow2', '-c', command, image], {
    timeout: 30_000,
  });
  return result.stdout;
}
