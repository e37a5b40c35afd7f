// The QEMU command line a machine launches with, in a fixed order:
//   [wrapper...] binary [-display none -vga none -nodefaults] <QMP monitor> [qtest] [-accel X]...
//   [-machine T] [console] extra args...
// Every socket chardev is a *client*: this process listens and QEMU connects while it starts, so
// nothing polls for a socket file to appear.

/** The socket files QEMU connects to. */
export interface MachineSocketPaths {
  qmp: string;
  qtest?: string;
  console?: string;
}

/** The socket paths in a fixed order: QMP, then qtest, then console (those in use). */
export function socketPathList(paths: MachineSocketPaths): string[] {
  return [paths.qmp, paths.qtest, paths.console].filter((path) => path !== undefined);
}

/** Everything that decides the argv. */
export interface CommandLineSpec {
  wrapper: readonly string[];
  binary: string;
  defaultArgs: boolean;
  sockets: MachineSocketPaths;
  accel: readonly string[];
  machineType: string | undefined;
  args: readonly string[];
}

/** QEMU's option parser ends a value at ',' unless it is doubled. */
export function escapeOptionValue(value: string): string {
  return value.replace(/,/g, ',,');
}

/** Builds the full argv (wrapper included) for one launch. */
export function buildCommandLine(spec: CommandLineSpec): string[] {
  const argv = [...spec.wrapper, spec.binary];
  if (spec.defaultArgs) {
    argv.push('-display', 'none', '-vga', 'none', '-nodefaults');
  }
  argv.push(
    '-chardev',
    `socket,id=mon,path=${escapeOptionValue(spec.sockets.qmp)}`,
    '-mon',
    'chardev=mon,mode=control',
  );
  if (spec.sockets.qtest !== undefined) {
    argv.push(
      '-chardev',
      `socket,id=qtest,path=${escapeOptionValue(spec.sockets.qtest)}`,
      '-qtest',
      'chardev:qtest',
    );
  }
  for (const accelerator of spec.accel) {
    argv.push('-accel', accelerator);
  }
  if (spec.machineType !== undefined) {
    argv.push('-machine', spec.machineType);
  }
  if (spec.sockets.console !== undefined) {
    argv.push(
      '-chardev',
      `socket,id=console,path=${escapeOptionValue(spec.sockets.console)}`,
      '-serial',
      'chardev:console',
    );
  }
  argv.push(...spec.args);
  return argv;
}
