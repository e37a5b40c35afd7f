/** An accelerator name; the literals document the two the probe chooses between. */
// `string & Record<never, never>` keeps the literals visible to editors without swallowing them.
export type AcceleratorName = 'qtest' | 'tcg' | (string & Record<never, never>);

/** One QEMU tool as found by the probe. */
export interface ToolInfo {
  path: string;
  /** e.g. '7.2.22'; undefined when the tool did not report one. */
  version: string | undefined;
  /** False when the tool could not be run. */
  present: boolean;
}

/** What the QEMU under test can do, probed once by running its binaries. */
export interface Capabilities {
  /** e.g. '7.2.22'. */
  qemuVersion: string;
  /** The whole first line of `qemu --version`. */
  qemuVersionFull: string;
  /** `-accel help` (QEMU never lists qtest there, see hasQtest). */
  accelerators: string[];
  hasQtest: boolean;
  /** The accelerator to start VMs with: qtest when present, else tcg. */
  accelerator: AcceleratorName;
  /** Formats usable read-write / read-only (`-drive format=help`, like the seed's supported_formats). */
  formatsRw: string[];
  formatsRo: string[];
  /** `-M none -device help` names and aliases. */
  devices: string[];
  hasVirtioBlk: boolean;
  hasVirtioScsi: boolean;
  /** Default machine of `-machine help`, replaced by its alias when it has one (testenv.py's rule). */
  defaultMachine: string | undefined;
  tools: { qemuImg: ToolInfo; qemuIo: ToolInfo; qemuNbd: ToolInfo; qsd: ToolInfo };
  /** Whether qemu-img can create a LUKS image, and if not, qemu-img's reason. */
  luks: { working: boolean; reason: string };
  /** qemu-img lists the quorum driver. */
  quorum: boolean;
  /** qemu-img can create qcow2 images with compression_type=zstd. */
  qcow2Zstd: boolean;
  /** `${sysname}/${machine} ${nodename} ${release}`, like check's PLATFORM line. */
  platform: string;
}
