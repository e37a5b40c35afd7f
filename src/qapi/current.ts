// The QMP types the package's API uses. As shipped: the newest shipped release's. The compiled
// current.d.ts is the slot global setup and `qemu-iotests types` replace with the types of the
// QEMU under test (see install.ts).
export type * from './generated/qemu-7.2';
