// What the tool wrappers read from the run's configuration, at call time (the seed reads module
// globals; here the runtime the Jest environment or `initRuntime()` installed).
import type { IotestsConfig } from '../../config';
import { runtime } from '../runtime';

/** The configuration of this run (throws the runtime's explanation when none is installed). */
export function toolConfig(): IotestsConfig {
  return runtime().config;
}

/** The seed's `qemu_img_args`: QEMU_IMG_PROG followed by QEMU_IMG_OPTIONS. */
export function qemuImgArgs(config: IotestsConfig = toolConfig()): string[] {
  return [config.binaries.qemuImg, ...config.qemuImgOptions];
}

/** The seed's `qemu_io_args`: QEMU_IO_PROG followed by QEMU_IO_OPTIONS (which include -f IMGFMT). */
export function qemuIoArgs(config: IotestsConfig = toolConfig()): string[] {
  return [config.binaries.qemuIo, ...config.qemuIoOptions];
}

/** The seed's `qemu_io_args_no_fmt`: QEMU_IO_PROG followed by QEMU_IO_OPTIONS_NO_FMT. */
export function qemuIoArgsNoFmt(config: IotestsConfig = toolConfig()): string[] {
  return [config.binaries.qemuIo, ...config.qemuIoOptionsNoFmt];
}

/** The seed's `qemu_nbd_args`: QEMU_NBD_PROG followed by QEMU_NBD_OPTIONS. */
export function qemuNbdArgs(config: IotestsConfig = toolConfig()): string[] {
  return [config.binaries.qemuNbd, ...config.qemuNbdOptions];
}

/** The seed's `luks_default_secret_object`: the secret holding IMGKEYSECRET. */
export function luksDefaultSecretObject(config: IotestsConfig = toolConfig()): string {
  return `secret,id=keysec0,data=${config.imgKeySecret}`;
}

/** The seed's `luks_default_key_secret_opt`. */
export const LUKS_DEFAULT_KEY_SECRET_OPT = 'key-secret=keysec0';
