// The script-style iotests of the bundled suite whose transcripts must equal QEMU's reference
// output (tests/qemu-iotests/NNN.out), and the few documented places where they may not.
// A deviation is allowed only where the difference comes from this machine's QEMU build or its
// accelerator fallback, never from our code; each says why, and a deviation that no longer
// applies to the reference text fails the comparison (so the table cannot go stale).

/** The script-style tests ported from QEMU 7.2, by number. */
export const SCRIPT_STYLE_TESTS = [
  '206',
  '210',
  '218',
  '224',
  '228',
  '234',
  '235',
  '242',
  '246',
  '248',
  '256',
  '260',
  '262',
  '274',
  '283',
  '299',
  '303',
] as const;

/** A text the reference has that our transcript replaces, and why. */
export interface ReferenceDeviation {
  readonly why: string;
  readonly reference: string;
  readonly ours: string;
}

export const REFERENCE_DEVIATIONS: Readonly<Record<string, readonly ReferenceDeviation[]>> = {};
