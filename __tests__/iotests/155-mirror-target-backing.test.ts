/**
 * @qemu-vm none
 * @group rw
 */
// QEMU iotest 155: the backing chain of a mirror target after completion (drive-mirror and
// blockdev-mirror, new and existing targets, with and without a backing file, backing attached
// only at completion through blockdev-reopen or blockdev-snapshot, with and without an iothread),
// and of an active commit's result. The source's own chain must stay intact throughout.
import { rmSync } from 'node:fs';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { VM, iotests, type Qapi } from 'qemu-iotests';

/** The file's requirements (the original's main(supported_fmts=..., supported_protocols=...)). */
function requireFileSupport(): void {
  iotests.requires({ formats: ['qcow2'], protocols: ['file'] });
}

requireFileSupport();

const imgPath = (name: string): string => path.join(iotests.testDir, `${name}.${iotests.imgfmt}`);
const back0Img = (): string => imgPath('back0');
const back1Img = (): string => imgPath('back1');
const back2Img = (): string => imgPath('back2');
const sourceImg = (): string => imgPath('source');
const targetImg = (): string => imgPath('target');

/** How the pre-finalize step attaches the target's backing node (blockdev-reopen / -snapshot). */
type OpenBacking = 'none' | 'reopen' | 'snapshot';

/** One TestCase class of the original (its class variables). */
interface CaseClass {
  name: string;
  /** The mirror command; undefined for TestCommit. */
  cmd?: 'drive-mirror' | 'blockdev-mirror';
  /** Create the target image (and blockdev-add it, for blockdev-mirror) before the job. */
  existing: boolean;
  /** With `existing`: the target image's backing file (null: none). */
  targetBacking?: string | null;
  /** With `existing`: the 'backing' given to blockdev-add (undefined: not given). */
  targetBlockdevBacking?: Qapi.BlockdevOptions;
  /** The backing filename at runtime, if not targetBacking. */
  targetRealBacking?: string;
  /** false: blockdev-add the target with backing null; completion attaches the chain. */
  targetOpenWithBacking?: boolean;
  /** An iothread for the virtio-scsi controller of the source's device. */
  useIothread?: boolean;
  openBacking?: OpenBacking;
}

const MIRROR_CLASSES: readonly CaseClass[] = [
  { name: 'TestDriveMirrorAbsolutePaths', cmd: 'drive-mirror', existing: false },
  {
    name: 'TestDriveMirrorExistingNoBacking',
    cmd: 'drive-mirror',
    existing: true,
    targetBacking: null,
  },
  {
    name: 'TestDriveMirrorExistingBacking',
    cmd: 'drive-mirror',
    existing: true,
    targetBacking: 'null-co://',
  },
  {
    name: 'TestBlockdevMirrorNoBacking',
    cmd: 'blockdev-mirror',
    existing: true,
    targetBacking: null,
  },
  {
    name: 'TestBlockdevMirrorBacking',
    cmd: 'blockdev-mirror',
    existing: true,
    targetBacking: 'null-co://',
  },
  {
    name: 'TestBlockdevMirrorForcedBacking',
    cmd: 'blockdev-mirror',
    existing: true,
    targetBacking: null,
    targetBlockdevBacking: { driver: 'null-co' },
    targetRealBacking: 'null-co://',
  },
  // The backing chain is attached only during completion, with blockdev-reopen...
  {
    name: 'TestBlockdevMirrorReopen',
    cmd: 'blockdev-mirror',
    existing: true,
    targetBacking: 'null-co://',
    targetOpenWithBacking: false,
    openBacking: 'reopen',
  },
  {
    name: 'TestBlockdevMirrorReopenIothread',
    cmd: 'blockdev-mirror',
    existing: true,
    targetBacking: 'null-co://',
    targetOpenWithBacking: false,
    openBacking: 'reopen',
    useIothread: true,
  },
  // ...or with blockdev-snapshot.
  {
    name: 'TestBlockdevMirrorSnapshot',
    cmd: 'blockdev-mirror',
    existing: true,
    targetBacking: 'null-co://',
    targetOpenWithBacking: false,
    openBacking: 'snapshot',
  },
  {
    name: 'TestBlockdevMirrorSnapshotIothread',
    cmd: 'blockdev-mirror',
    existing: true,
    targetBacking: 'null-co://',
    targetOpenWithBacking: false,
    openBacking: 'snapshot',
    useIothread: true,
  },
];

const COMMIT_CLASS: CaseClass = { name: 'TestCommit', existing: false };

/** The original's BaseClass setUp/tearDown and helpers for one class; `vm()` is the test's VM. */
function useBaseClass(cls: CaseClass): { vm: () => VM } & BaseHelpers {
  let vm: VM;

  const helpers: BaseHelpers = {
    async findBlockNode(nodeName: string | null, qdev?: string): Promise<Qapi.BlockDeviceInfo> {
      if (qdev !== undefined) {
        const devices = await vm.cmd('query-block');
        for (const device of devices) {
          if (device.qdev === qdev && device.inserted !== undefined) {
            if (nodeName !== null) {
              expect(device).toMatchQmp('inserted/node-name', nodeName);
            }
            return device.inserted;
          }
        }
      } else {
        const nodes = await vm.cmd('query-named-block-nodes');
        const node = nodes.find((entry) => entry['node-name'] === nodeName);
        if (node !== undefined) {
          return node;
        }
      }
      throw new Error(`Cannot find node ${qdev ?? 'None'}/${nodeName ?? 'None'}`);
    },

    async assertIntactSourceBackingChain(): Promise<void> {
      const node = await helpers.findBlockNode('source');
      const chain = [sourceImg(), back2Img(), back1Img(), back0Img()];
      chain.forEach((filename, depth) => {
        expect(node).toMatchQmp(`image${'/backing-image'.repeat(depth)}/filename`, filename);
      });
      expect(node).not.toHaveQmpPath(`image${'/backing-image'.repeat(4)}`);
    },

    assertCorrectBackingImage(node: Qapi.BlockDeviceInfo, defaultImage: string | null): void {
      let image: string | null | undefined;
      if (cls.existing) {
        image = cls.targetRealBacking ?? cls.targetBacking;
      } else {
        image = defaultImage;
      }
      if (typeof image === 'string' && image !== '') {
        expect(node).toMatchQmp('image/backing-image/filename', image);
      } else {
        expect(node).not.toHaveQmpPath('image/backing-image');
      }
    },
  };

  beforeEach(async () => {
    await iotests.qemuImg('create', '-f', iotests.imgfmt, back0Img(), '1440K');
    for (const [image, backing] of [
      [back1Img(), back0Img()],
      [back2Img(), back1Img()],
      [sourceImg(), back2Img()],
    ]) {
      await iotests.qemuImg(
        'create',
        '-f',
        iotests.imgfmt,
        '-b',
        backing,
        '-F',
        iotests.imgfmt,
        image,
      );
    }

    vm = new VM();
    // blockdev-add'ed, so that the node stays after the mirror job completed.
    const blockdev = {
      'node-name': 'source',
      driver: iotests.imgfmt,
      file: { driver: 'file', filename: sourceImg() },
    };
    vm.addBlockdev(vm.qmpToOpts(blockdev));
    let iothread = '';
    if (cls.useIothread === true) {
      vm.addObject('iothread,id=iothread0');
      iothread = ',iothread=iothread0';
    }
    vm.addDevice(`virtio-scsi${iothread}`);
    vm.addDevice('scsi-hd,id=qdev0,drive=source');
    await vm.launch();

    await helpers.assertIntactSourceBackingChain();

    if (cls.existing) {
      if (typeof cls.targetBacking === 'string' && cls.targetBacking !== '') {
        await iotests.qemuImg(
          'create',
          '-f',
          iotests.imgfmt,
          '-b',
          cls.targetBacking,
          '-F',
          'raw',
          targetImg(),
          '1440K',
        );
      } else {
        await iotests.qemuImg('create', '-f', iotests.imgfmt, targetImg(), '1440K');
      }

      if (cls.cmd === 'blockdev-mirror') {
        let backing: { backing?: Qapi.BlockdevRefOrNull } = {};
        if (cls.targetOpenWithBacking === false) {
          backing = { backing: null };
        } else if (cls.targetBlockdevBacking !== undefined) {
          backing = { backing: cls.targetBlockdevBacking };
        }
        const options: Qapi.BlockdevOptions = {
          'node-name': 'target',
          driver: iotests.imgfmt,
          file: { driver: 'file', 'node-name': 'target-file', filename: targetImg() },
          ...backing,
        };
        expect(await vm.qmp('blockdev-add', options)).toMatchQmp('return', {});
      }
    }
  });

  afterEach(async () => {
    await vm.shutdown();
    for (const image of [sourceImg(), back2Img(), back1Img(), back0Img()]) {
      rmSync(image);
    }
    rmSync(targetImg(), { force: true });
  });

  return { vm: () => vm, ...helpers };
}

interface BaseHelpers {
  findBlockNode(nodeName: string | null, qdev?: string): Promise<Qapi.BlockDeviceInfo>;
  assertIntactSourceBackingChain(): Promise<void>;
  assertCorrectBackingImage(node: Qapi.BlockDeviceInfo, defaultImage: string | null): void;
}

for (const cls of MIRROR_CLASSES) {
  describe(cls.name, () => {
    const base = useBaseClass(cls);

    /** The pre-finalize step: attach the target's backing node (if the class does). */
    async function openBacking(): Promise<void> {
      if (cls.targetOpenWithBacking !== false) {
        return;
      }
      const vm = base.vm();
      const added = await vm.qmp('blockdev-add', { node_name: 'backing', driver: 'null-co' });
      expect(added).toMatchQmp('return', {});
      let result;
      if (cls.openBacking === 'reopen') {
        const options: Qapi.BlockdevOptions[] = [
          {
            'node-name': 'target',
            driver: iotests.imgfmt,
            file: 'target-file',
            backing: 'backing',
          },
        ];
        result = await vm.qmp('blockdev-reopen', { options });
      } else {
        result = await vm.qmp('blockdev-snapshot', { node: 'backing', overlay: 'target' });
      }
      expect(result).toMatchQmp('return', {});
    }

    async function runMirror(sync: Qapi.MirrorSyncMode): Promise<void> {
      const vm = base.vm();
      let result;
      if (cls.cmd === 'blockdev-mirror') {
        result = await vm.qmp('blockdev-mirror', {
          job_id: 'mirror-job',
          device: 'source',
          sync,
          target: 'target',
          auto_finalize: false,
        });
      } else {
        result = await vm.qmp('drive-mirror', {
          job_id: 'mirror-job',
          device: 'source',
          sync,
          target: targetImg(),
          format: iotests.imgfmt,
          mode: cls.existing ? 'existing' : 'absolute-paths',
          node_name: 'target',
          auto_finalize: false,
        });
      }
      expect(result).toMatchQmp('return', {});

      await vm.runJob('mirror-job', {
        autoFinalize: false,
        preFinalize: openBacking,
        autoDismiss: true,
      });
    }

    test('testFull', async () => {
      await runMirror('full');
      const node = await base.findBlockNode('target', 'qdev0');
      base.assertCorrectBackingImage(node, null);
      await base.assertIntactSourceBackingChain();
    });

    test('testTop', async () => {
      await runMirror('top');
      const node = await base.findBlockNode('target', 'qdev0');
      base.assertCorrectBackingImage(node, back2Img());
      await base.assertIntactSourceBackingChain();
    });

    test('testNone', async () => {
      await runMirror('none');
      const node = await base.findBlockNode('target', 'qdev0');
      base.assertCorrectBackingImage(node, sourceImg());
      await base.assertIntactSourceBackingChain();
    });
  });
}

describe(COMMIT_CLASS.name, () => {
  const base = useBaseClass(COMMIT_CLASS);

  test('testCommit', async () => {
    const vm = base.vm();
    const result = await vm.qmp('block-commit', {
      job_id: 'commit-job',
      device: 'source',
      base: back1Img(),
    });
    expect(result).toMatchQmp('return', {});

    await vm.eventWait('BLOCK_JOB_READY');
    expect(await vm.qmp('block-job-complete', { device: 'commit-job' })).toMatchQmp('return', {});
    await vm.eventWait('BLOCK_JOB_COMPLETED');

    const node = await base.findBlockNode(null, 'qdev0');
    expect(node).toMatchQmp('image/filename', back1Img());
    expect(node).toMatchQmp('image/backing-image/filename', back0Img());
    expect(node).not.toHaveQmpPath('image/backing-image/backing-image/filename');

    await base.assertIntactSourceBackingChain();
  });
});
