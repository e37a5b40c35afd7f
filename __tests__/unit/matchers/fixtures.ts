// Replies captured from QEMU 7.2 (qemu-system-x86_64 -M none) with drive0 -> d0 (top.qcow2)
// backed by base.qcow2; the node list and query-block are trimmed to the fields that matter.

/** x-debug-query-block-graph's return value. */
export const blockGraph = {
  edges: [
    {
      name: 'file',
      parent: 4,
      'shared-perm': ['write-unchanged', 'consistent-read'],
      perm: ['consistent-read'],
      child: 5,
    },
    {
      name: 'file',
      parent: 2,
      'shared-perm': ['write-unchanged', 'consistent-read'],
      perm: ['resize', 'write', 'consistent-read'],
      child: 3,
    },
    {
      name: 'backing',
      parent: 2,
      'shared-perm': ['resize', 'write-unchanged', 'write', 'consistent-read'],
      perm: ['consistent-read'],
      child: 4,
    },
    {
      name: 'root',
      parent: 1,
      'shared-perm': ['resize', 'write-unchanged', 'write', 'consistent-read'],
      perm: ['consistent-read'],
      child: 2,
    },
  ],
  nodes: [
    { name: '#block271', type: 'block-driver', id: 4 },
    { name: '#block189', type: 'block-driver', id: 5 },
    { name: 'd0', type: 'block-driver', id: 2 },
    { name: '#block086', type: 'block-driver', id: 3 },
    { name: 'drive0', type: 'block-backend', id: 1 },
  ],
};

/** query-named-block-nodes' return value (trimmed). */
export const namedBlockNodes = [
  { 'node-name': '#block271', drv: 'qcow2', ro: true, file: 'base.qcow2' },
  { 'node-name': '#block189', drv: 'file', ro: true, file: 'base.qcow2' },
  { 'node-name': 'd0', drv: 'qcow2', ro: false, backing_file: 'base.qcow2', file: 'top.qcow2' },
  { 'node-name': '#block086', drv: 'file', ro: false, file: 'top.qcow2' },
];

/** query-block-jobs' return value while a throttled mirror runs. */
export const runningMirrorJobs = [
  {
    'auto-finalize': true,
    'io-status': 'ok',
    device: 'job0',
    'auto-dismiss': true,
    busy: false,
    len: 104857600,
    offset: 16777216,
    status: 'running',
    paused: false,
    speed: 1024,
    ready: false,
    type: 'mirror',
  },
];

/** A query-block reply, the usual receiver of toMatchQmp. */
export const queryBlockReply = {
  return: [
    {
      device: 'drive0',
      locked: false,
      removable: true,
      type: 'unknown',
      inserted: {
        'node-name': 'd0',
        drv: 'qcow2',
        ro: false,
        file: 'top.qcow2',
        backing_file_depth: 1,
        image: {
          format: 'qcow2',
          'virtual-size': 1048576,
          'backing-image': { filename: 'base.qcow2' },
        },
        cache: { 'no-flush': false, direct: false, writeback: true },
      },
    },
  ],
};
