// qcow2 header reading and dumps: the counterpart of QEMU's qcow2_format.py / qcow2.py dump-header.
export {
  QcowHeader,
  type QcowHeaderExtension,
  type Qcow2BitmapExt,
  type Qcow2BitmapDirEntry,
  type Qcow2BitmapTableEntry,
} from './header';
export { dumpQcow2Header, dumpQcow2HeaderExts, type Qcow2DumpOptions } from './dump';
