// Pure parsers for the help/version output of the QEMU binaries (tested on captured fixtures).

/** Version number and first line of a `--version` output. */
export interface ParsedVersion {
  version: string | undefined;
  firstLine: string;
}

/** Reads `qemu-img version 7.2.22 (...)`, `qemu-nbd 7.2.22 (...)` and the like. */
export function parseVersion(output: string): ParsedVersion {
  const firstLine = (output.split('\n').find((line) => line.trim() !== '') ?? '').trim();
  const match = /(?:^|\s)v?(\d+\.\d+(?:\.\d+)*)(?=\s|$|\()/.exec(firstLine);
  return { version: match?.[1], firstLine };
}

/** Accelerator names listed by `qemu -accel help`. */
export function parseAccelHelp(output: string): string[] {
  const lines = output.split('\n').map((line) => line.trim());
  const header = lines.findIndex((line) => line.startsWith('Accelerators supported'));
  if (header < 0) return [];
  return lines.slice(header + 1).filter((line) => /^[\w-]+$/.test(line));
}

/**
 * Whether `qemu -accel NAME,help` found the accelerator. QEMU hides qtest from
 * `-accel help`, so it is asked for directly: a known accelerator either lists
 * its properties (exit 0) or rejects the `help` property by the class name
 * (`Property 'qtest-accel.help' not found`); an unknown one is an "invalid
 * accelerator". Only positive evidence counts, so an unfamiliar message
 * falls back to "absent" and VMs still start with tcg.
 */
export function parseAccelPresence(
  run: { exitCode: number | undefined; stderr: string },
  accel: string,
): boolean {
  if (run.stderr.includes(`invalid accelerator ${accel}`)) return false;
  return run.exitCode === 0 || run.stderr.includes(`'${accel}-accel.`);
}

/** Read-write and read-only format lists of `qemu -drive format=help`. */
export function parseFormatHelp(output: string): { rw: string[]; ro: string[] } {
  const lines = output.split('\n');
  const listAfter = (label: string): string[] | undefined => {
    const line = lines.find((candidate) => candidate.startsWith(`${label}:`));
    return line === undefined ? undefined : splitWords(line.slice(label.length + 1));
  };
  const rw = listAfter('Supported formats');
  const ro = listAfter('Supported formats (read-only)');
  if (rw === undefined) {
    throw new Error(`no "Supported formats:" line in: ${firstLines(output)}`);
  }
  return { rw, ro: ro ?? [] };
}

/** Device names and aliases of `qemu -device help` (lines `name "x", bus y, alias "z"`). */
export function parseDeviceHelp(output: string): string[] {
  const devices: string[] = [];
  for (const line of output.split('\n')) {
    const name = /^name "([^"]+)"/.exec(line);
    if (name === null) continue;
    devices.push(name[1]);
    const alias = /, alias "([^"]+)"/.exec(line);
    if (alias !== null) devices.push(alias[1]);
  }
  return [...new Set(devices)];
}

/** The virtio block devices the seed's verify_virtio_* helpers look for. */
export function virtioSupport(devices: readonly string[]): {
  hasVirtioBlk: boolean;
  hasVirtioScsi: boolean;
} {
  return {
    hasVirtioBlk: devices.some((device) => device.startsWith('virtio-blk')),
    hasVirtioScsi: devices.includes('virtio-scsi-pci') || devices.includes('virtio-scsi-ccw'),
  };
}

/** Machine names of `qemu -machine help` and the default, resolved to its alias like testenv.py. */
export function parseMachineHelp(output: string): {
  machines: string[];
  defaultMachine: string | undefined;
} {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  const machines = lines
    .filter((line) => !line.startsWith('Supported machines'))
    .map((line) => line.split(' ', 1)[0]);
  const defaultLine = lines.find((line) => line.endsWith(' (default)'));
  if (defaultLine === undefined) return { machines, defaultMachine: undefined };
  const defaultName = defaultLine.split(' ', 1)[0];
  // `pc` is listed as "(alias of pc-i440fx-7.2)"; tests expect the short alias.
  const aliasLine = lines.find((line) => line.endsWith(` (alias of ${defaultName})`));
  return {
    machines,
    defaultMachine: aliasLine === undefined ? defaultName : aliasLine.split(' ', 1)[0],
  };
}

/** Whether `qemu-img --help` lists the quorum driver (the seed's supports_quorum). */
export function parseQuorumSupport(imgHelp: string): boolean {
  return imgHelp.includes('quorum');
}

/**
 * The reason a failed `qemu-img create -f luks FILE` gives: the text after
 * `FILE:` on the line that has it, else the whole output (as the seed does).
 */
export function parseLuksFailure(output: string, file: string): string {
  const marker = `${file}:`;
  const line = output.split('\n').find((candidate) => candidate.includes(marker));
  if (line === undefined) return output.trim();
  return line.slice(line.indexOf(marker) + marker.length).trim();
}

function splitWords(text: string): string[] {
  return text.split(/\s+/).filter((word) => word !== '');
}

function firstLines(output: string): string {
  return JSON.stringify(output.split('\n').slice(0, 3).join('\n'));
}
