// The public API of qemu-iotests. Each layer is re-exported here as it lands; nothing else lives here.
export {};
