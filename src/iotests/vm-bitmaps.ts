// The seed's VM.node_info, query_bitmaps, get_bitmap and check_bitmap_status.
import type { Qapi } from '../qapi/schema';
import type { QemuMachine } from '../machine';
import { pyEqual } from './vm-assert';

/** What the block-node helpers need from a VM. */
export type BlockNodeHost = Pick<QemuMachine, 'qmp'>;

/** Bitmaps per node name, as query_bitmaps returns them. */
export type BitmapsByNode = Record<string, Qapi.BlockDirtyInfo[]>;

/** Options of `getBitmap`. */
export interface GetBitmapOptions {
  /** Only a bitmap whose 'recording' equals this. */
  recording?: boolean;
  /** Search these (a queryBitmaps result) instead of querying QEMU. */
  bitmaps?: BitmapsByNode;
}

/** The query-named-block-nodes entry of node `nodeName`, or null. */
export async function nodeInfo(
  vm: BlockNodeHost,
  nodeName: string,
): Promise<Qapi.BlockDeviceInfo | null> {
  return (await namedBlockNodes(vm)).find((node) => node['node-name'] === nodeName) ?? null;
}

/** The dirty bitmaps of every node that has the 'dirty-bitmaps' field, by node name. */
export async function queryBitmaps(vm: BlockNodeHost): Promise<BitmapsByNode> {
  const result: BitmapsByNode = {};
  for (const node of await namedBlockNodes(vm)) {
    const bitmaps = node['dirty-bitmaps'];
    const name = node['node-name'];
    if (bitmaps !== undefined && name !== undefined) {
      result[name] = bitmaps;
    }
  }
  return result;
}

/** Bitmap `bitmapName` of node `nodeName` (optionally with the given 'recording'), or null. */
export async function getBitmap(
  vm: BlockNodeHost,
  nodeName: string,
  bitmapName: string,
  options: GetBitmapOptions = {},
): Promise<Qapi.BlockDirtyInfo | null> {
  const bitmaps = options.bitmaps ?? (await queryBitmaps(vm));
  const ofNode = Object.hasOwn(bitmaps, nodeName) ? bitmaps[nodeName] : undefined;
  if (ofNode === undefined) {
    const known = Object.keys(bitmaps);
    throw new Error(
      `getBitmap: node ${JSON.stringify(nodeName)} has no dirty-bitmaps entry; nodes with ` +
        `bitmaps: ${known.length === 0 ? 'none' : known.join(', ')}`,
    );
  }
  const { recording } = options;
  return (
    ofNode.find(
      (bitmap) =>
        (bitmap.name ?? '') === bitmapName &&
        (recording === undefined || bitmap.recording === recording),
    ) ?? null
  );
}

/** Whether bitmap `bitmapName` of node `nodeName` has every field of `fields` with those values. */
export async function checkBitmapStatus(
  vm: BlockNodeHost,
  nodeName: string,
  bitmapName: string,
  fields: Partial<Qapi.BlockDirtyInfo>,
): Promise<boolean> {
  const bitmap = await getBitmap(vm, nodeName, bitmapName);
  if (bitmap === null) {
    throw new Error(
      `checkBitmapStatus: node ${nodeName} has no bitmap ${JSON.stringify(bitmapName)}`,
    );
  }
  const actual = new Map<string, unknown>(Object.entries(bitmap));
  return Object.entries(fields).every(
    ([key, value]) => actual.has(key) && pyEqual(actual.get(key), value),
  );
}

async function namedBlockNodes(vm: BlockNodeHost): Promise<Qapi.BlockDeviceInfo[]> {
  const reply = await vm.qmp('query-named-block-nodes');
  if ('error' in reply) {
    throw new Error(`query-named-block-nodes failed: ${JSON.stringify(reply)}`);
  }
  return reply.return;
}
