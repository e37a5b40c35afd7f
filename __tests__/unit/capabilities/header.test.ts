import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { formatHeader, type Capabilities } from '../../../src/capabilities';
import { resolveConfig, type ConfigSource, type IotestsConfig } from '../../../src/config';
import { cleanup, makeFakeBinDir, makeTempDir } from '../config/fake-tools';

let binDir: string;
let cwd: string;
const config = (extra: ConfigSource = {}): IotestsConfig =>
  resolveConfig({
    env: { PATH: binDir, TEST_DIR: '/tmp/t', SOCK_DIR: '/tmp/s', ...extra },
    cwd,
  });

const tool = (path: string): Capabilities['tools']['qemuImg'] => ({
  path,
  version: '7.2.22',
  present: true,
});

function caps(overrides: Partial<Capabilities> = {}): Capabilities {
  return {
    qemuVersion: '7.2.22',
    qemuVersionFull: 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)',
    accelerators: ['tcg', 'kvm'],
    hasQtest: false,
    accelerator: 'tcg',
    formatsRw: ['qcow2', 'raw'],
    formatsRo: ['qcow2', 'raw'],
    devices: ['virtio-blk-pci', 'virtio-scsi-pci', 'ide-hd'],
    hasVirtioBlk: true,
    hasVirtioScsi: true,
    defaultMachine: 'pc',
    tools: {
      qemuImg: tool('/b/qemu-img'),
      qemuIo: tool('/b/qemu-io'),
      qemuNbd: tool('/b/qemu-nbd'),
      qsd: { path: '/b/qsd', version: undefined, present: false },
    },
    luks: { working: true, reason: '' },
    quorum: true,
    qcow2Zstd: true,
    platform: 'Linux/x86_64 host 6.1.0',
    ...overrides,
  };
}

beforeAll(() => {
  binDir = makeFakeBinDir();
  cwd = makeTempDir('cwd');
});
afterAll(() => cleanup(binDir, cwd));

describe('formatHeader', () => {
  test("starts with check's print_env lines, the accelerator on the QEMU line", () => {
    const resolved = config({ IMGFMT: 'luks' });
    const lines = formatHeader(resolved, caps()).split('\n');
    const { binaries } = resolved;
    expect(lines.slice(0, 12)).toEqual([
      `QEMU          -- "${binaries.qemu}" -nodefaults -display none -accel tcg`,
      `QEMU_IMG      -- "${binaries.qemuImg}"`,
      `QEMU_IO       -- "${binaries.qemuIo}" --cache writeback --aio threads`,
      `QEMU_NBD      -- "${binaries.qemuNbd}"`,
      'IMGFMT        -- luks (iter-time=10)',
      'IMGPROTO      -- file',
      'PLATFORM      -- Linux/x86_64 host 6.1.0',
      'TEST_DIR      -- /tmp/t',
      'SOCK_DIR      -- /tmp/s',
      'GDB_OPTIONS   --',
      'VALGRIND_QEMU --',
      'PRINT_QEMU_OUTPUT --',
    ]);
  });

  test('then the probe results', () => {
    const resolved = config();
    const text = formatHeader(resolved, caps());
    const lines = text.split('\n').slice(12);
    expect(lines).toEqual([
      'QEMU_VERSION  -- QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)',
      'QEMU_RELEASE  -- system (QEMU_PROG, QEMU_BUILD_DIR or PATH)',
      'IOTESTS_PY    -- 7.2 (the iotests.py behaviour followed)',
      'ACCEL         -- tcg (available: tcg, kvm; no qtest: virtual-clock tests will be skipped)',
      'FORMATS       -- qcow2 raw',
      'DEVICES       -- 3 (virtio-blk: yes, virtio-scsi: yes)',
      'MACHINE       -- pc',
      `QSD           -- "${resolved.binaries.qsd}"`,
      'TOOLS         -- qemu-img 7.2.22, qemu-io 7.2.22, qemu-nbd 7.2.22, qemu-storage-daemon missing',
      'LUKS          -- working',
      'QUORUM        -- yes',
    ]);
    expect(text.endsWith('\n')).toBe(false);
  });

  test('with qtest, read-only whitelist, broken LUKS and debug options', () => {
    const resolved = config({ PRINT_QEMU: 'y', QEMU_DEFAULT_MACHINE: 'q35' });
    const text = formatHeader(
      resolved,
      caps({
        hasQtest: true,
        accelerator: 'qtest',
        formatsRo: ['qcow2', 'raw', 'vvfat'],
        luks: { working: false, reason: "Could not create '/x': No such file or directory" },
        quorum: false,
      }),
    );
    expect(text).toContain(' -nodefaults -display none -accel qtest\n');
    expect(text).toContain('ACCEL         -- qtest (available: tcg, kvm, qtest)\n');
    expect(text).not.toContain('virtual-clock');
    expect(text).toContain('FORMATS_RO    -- qcow2 raw vvfat\n');
    expect(text).toContain('PRINT_QEMU_OUTPUT -- y\n');
    expect(text).toContain('MACHINE       -- q35\n');
    expect(text).toContain(
      "LUKS          -- not working: Could not create '/x': No such file or directory\n",
    );
    expect(text).toContain('QUORUM        -- no');
  });

  test('prefix goes in front of every line', () => {
    const lines = formatHeader(config(), caps(), { prefix: '# ' }).split('\n');
    expect(lines.every((line) => line.startsWith('# '))).toBe(true);
  });
});
