// The QMP types the package's API uses. As shipped: QEMU 7.2's (Debian stable's, the QEMU this
// repository's references are for; 10.0's ship beside them as generated/qemu-10.0). The compiled
// current.d.ts is the slot global setup and `qemu-iotests types` replace with the types of the
// QEMU under test (see install.ts).
export type * from './generated/qemu-7.2';
