// The global `vm` the preset creates in every test file (see setup-after-env.ts).
import type { VM } from '../iotests/vm';

declare global {
  /** This test file's VM, booted before the first test (unless the file says `@qemu-vm none`). */
  var vm: VM;
}

export {};
