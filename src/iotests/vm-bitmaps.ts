// The seed's VM.node_info, query_bitmaps, get_bitmap and check_bitmap_status.
import type { QmpObject, QmpResponse } from '../qmp';
import { pyEqual } from './vm-assert';
import { isQmpObject } from './vm-qmp-objects';

/** What the block-node helpers need from a VM. */
export interface BlockNodeHost {
  qmp(command: string, args?: QmpObject): Promise<QmpResponse>;
}

/** Bitmaps per node name, as query_bitmaps returns them. */
export type BitmapsByNode = Record<string, QmpObject[]>;

/** Options of `getBitmap`. */
export interface GetBitmapOptions {
  /** Only a bitmap whose 'recording' equals this. */
  recording?: boolean;
  /** Search these (a queryBitmaps result) instead of querying QEMU. */
  bitmaps?: BitmapsByNode;
}

/** The query-named-block-nodes entry of node `nodeName`, or null. */
export async function nodeInfo(vm: BlockNodeHost, nodeName: string): Promise<QmpObject | null> {
  return (await namedBlockNodes(vm)).find((node) => node['node-name'] === nodeName) ?? null;
}

/** The dirty bitmaps of every node that has the 'dirty-bitmaps' field, by node name. */
export async function queryBitmaps(vm: BlockNodeHost): Promise<BitmapsByNode> {
  const result: BitmapsByNode = {};
  for (const node of await namedBlockNodes(vm)) {
    const bitmaps = node['dirty-bitmaps'];
    if (bitmaps !== undefined && typeof node['node-name'] === 'string') {
      result[node['node-name']] = Array.isArray(bitmaps) ? bitmaps.filter(isQmpObject) : [];
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
): Promise<QmpObject | null> {
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
  fields: QmpObject,
): Promise<boolean> {
  const bitmap = await getBitmap(vm, nodeName, bitmapName);
  if (bitmap === null) {
    throw new Error(
      `checkBitmapStatus: node ${nodeName} has no bitmap ${JSON.stringify(bitmapName)}`,
    );
  }
  return Object.entries(fields).every(
    ([key, value]) => Object.hasOwn(bitmap, key) && pyEqual(bitmap[key], value),
  );
}

async function namedBlockNodes(vm: BlockNodeHost): Promise<QmpObject[]> {
  const reply = await vm.qmp('query-named-block-nodes');
  if (!('return' in reply) || !Array.isArray(reply.return)) {
    throw new Error(`query-named-block-nodes failed: ${JSON.stringify(reply)}`);
  }
  return reply.return.filter(isQmpObject);
}
