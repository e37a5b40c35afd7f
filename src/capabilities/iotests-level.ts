// Which QEMU release's iotests.py the library follows for the probed QEMU. iotests.py changes with
// QEMU (filters, helpers, what tests expect), and QEMU developers test the release they work on.

/** The iotests.py revisions the library knows, oldest first. */
export const IOTESTS_PY_LEVELS = ['7.2', '10.0'] as const;

/** One of those revisions, named by its QEMU release. */
export type IotestsPyLevel = (typeof IOTESTS_PY_LEVELS)[number];

function parts(version: string): [number, number] {
  const match = /^(\d+)\.(\d+)/.exec(version);
  return match === null ? [0, 0] : [Number(match[1]), Number(match[2])];
}

/** `a` is the same release as `b` or a later one (major.minor). */
export function releaseAtLeast(a: string, b: string): boolean {
  const [aMajor, aMinor] = parts(a);
  const [bMajor, bMinor] = parts(b);
  return aMajor !== bMajor ? aMajor > bMajor : aMinor >= bMinor;
}

/** The newest known level not newer than `qemuVersion` (the oldest for anything older). */
export function iotestsPyLevel(qemuVersion: string): IotestsPyLevel {
  let level: IotestsPyLevel = IOTESTS_PY_LEVELS[0];
  for (const candidate of IOTESTS_PY_LEVELS) {
    if (releaseAtLeast(qemuVersion, candidate)) level = candidate;
  }
  return level;
}
