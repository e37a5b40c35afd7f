import os from 'node:os';

/** `${sysname}/${machine} ${nodename} ${release}`, the PLATFORM line of QEMU's `check`. */
export function describePlatform(): string {
  return `${os.type()}/${os.machine()} ${os.hostname()} ${os.release()}`;
}
