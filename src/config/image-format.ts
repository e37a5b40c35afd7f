// The image formats a run tests (IMGFMT): `check`'s format options, vvfat aside (a directory
// driver, not an image format: no test creates a vvfat image). A closed list, so that
// `{ driver: iotests.imgfmt, file: ... }` type-checks against QEMU's blockdev options.

export const IMAGE_FORMATS = [
  'raw',
  'bochs',
  'cloop',
  'parallels',
  'qcow',
  'qcow2',
  'qed',
  'vdi',
  'vpc',
  'vhdx',
  'vmdk',
  'luks',
  'dmg',
] as const;

/** An image format IMGFMT accepts. */
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

export function isImageFormat(name: string): name is ImageFormat {
  return (IMAGE_FORMATS as readonly string[]).includes(name);
}
