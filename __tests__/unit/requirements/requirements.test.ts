// Requirements: every key against config/capabilities with the seed's exact reason texts, the
// validation of the requirement object, and the requires/notrun/caseNotrun front-ends.
import { afterEach, describe, expect, jest, test } from '@jest/globals';
import execa from 'execa';

import type { Capabilities } from '../../../src/capabilities';
import type { IotestsConfig } from '../../../src/config';
import {
  NotRunError,
  caseNotrun,
  notrun,
  requires,
  setSkipHandler,
  unmetRequirement,
  validateRequirements,
} from '../../../src/iotests/requirements';
import { pyRepr, pyStrRepr } from '../../../src/iotests/pyjson';
import type {
  HostFacts,
  RequirementCapabilities,
  RequirementConfig,
  Requirements,
} from '../../../src/iotests/requirements';
import { resetRuntime, setRuntime } from '../../../src/iotests/runtime';

const config: RequirementConfig = {
  imgfmt: 'raw',
  imgproto: 'file',
  cachemode: 'writeback',
  aiomode: 'threads',
  imgopts: undefined,
  imgfmtGeneric: true,
};

const caps: RequirementCapabilities = {
  formatsRw: ['file', 'raw', 'qcow2', 'luks', 'quorum'],
  formatsRo: ['file', 'raw', 'qcow2', 'vmdk'],
  hasVirtioBlk: true,
  hasVirtioScsi: true,
  luks: { working: true, reason: '' },
  quorum: true,
  accelerators: ['tcg', 'kvm'],
  hasQtest: false,
  qcow2Zstd: true,
};

const host: HostFacts = { platform: 'linux', uid: 1000 };

function unmet(
  reqs: Requirements,
  overrides: {
    config?: Partial<RequirementConfig>;
    caps?: Partial<RequirementCapabilities>;
    host?: Partial<HostFacts>;
  } = {},
): string | undefined {
  return unmetRequirement(
    reqs,
    { ...config, ...overrides.config },
    { ...caps, ...overrides.caps },
    { ...host, ...overrides.host },
  );
}

afterEach(() => {
  setSkipHandler(undefined);
  resetRuntime();
});

describe('unmetRequirement: each key and its reason', () => {
  test('nothing required: met', () => {
    expect(unmet({})).toBeUndefined();
  });

  test('formats / unsupportedFormats', () => {
    expect(unmet({ formats: ['raw', 'qcow2'] })).toBeUndefined();
    expect(unmet({ formats: ['qcow2'] })).toBe('not suitable for this image format: raw');
    expect(unmet({ unsupportedFormats: ['raw'] })).toBe('not suitable for this image format: raw');
    expect(unmet({ unsupportedFormats: ['qcow2'] })).toBeUndefined();
  });

  test("'generic' accepts any format unless IMGFMT_GENERIC is false", () => {
    expect(unmet({ formats: ['generic'] }, { config: { imgfmt: 'vpc' } })).toBeUndefined();
    expect(
      unmet({ formats: ['generic'] }, { config: { imgfmt: 'dmg', imgfmtGeneric: false } }),
    ).toBe('not suitable for this image format: dmg');
    expect(
      unmet({ formats: ['generic', 'dmg'] }, { config: { imgfmt: 'dmg', imgfmtGeneric: false } }),
    ).toBeUndefined();
    // unsupported formats still apply with 'generic'.
    expect(
      unmet({ formats: ['generic'], unsupportedFormats: ['vpc'] }, { config: { imgfmt: 'vpc' } }),
    ).toBe('not suitable for this image format: vpc');
  });

  test('IMGFMT=luks needs working LUKS; its reason is the probe reason', () => {
    const broken = { luks: { working: false, reason: 'Unable to get accurate CPU usage' } };
    expect(unmet({}, { config: { imgfmt: 'luks' }, caps: broken })).toBe(
      'Unable to get accurate CPU usage',
    );
    expect(unmet({}, { config: { imgfmt: 'luks' } })).toBeUndefined();
    expect(unmet({ luks: true }, { caps: broken })).toBe('Unable to get accurate CPU usage');
    expect(unmet({ luks: false }, { caps: broken })).toBeUndefined();
  });

  test('protocols / unsupportedProtocols, with generic', () => {
    expect(unmet({ protocols: ['file'] })).toBeUndefined();
    expect(unmet({ protocols: ['nbd'] })).toBe('not suitable for this protocol: file');
    expect(unmet({ protocols: ['generic'] }, { config: { imgproto: 'ssh' } })).toBeUndefined();
    expect(unmet({ unsupportedProtocols: ['file'] })).toBe('not suitable for this protocol: file');
    expect(unmet({ unsupportedProtocols: ['nbd'] })).toBeUndefined();
  });

  test('platforms / unsupportedPlatforms match by prefix, like sys.platform.startswith', () => {
    expect(unmet({ platforms: ['linux'] })).toBeUndefined();
    expect(unmet({ platforms: ['lin'] })).toBeUndefined();
    expect(unmet({ platforms: ['freebsd', 'netbsd'] })).toBe('not suitable for this OS: linux');
    expect(unmet({ unsupportedPlatforms: ['linux'] })).toBe('not suitable for this OS: linux');
    expect(unmet({ unsupportedPlatforms: ['darwin'] }, { host: { platform: 'darwin' } })).toBe(
      'not suitable for this OS: darwin',
    );
  });

  test('cacheModes / aioModes', () => {
    expect(unmet({ cacheModes: ['writeback', 'none'] })).toBeUndefined();
    expect(unmet({ cacheModes: ['none'] })).toBe('not suitable for this cache mode: writeback');
    expect(unmet({ aioModes: ['native'] })).toBe('not suitable for this aio mode: threads');
    expect(unmet({ aioModes: ['threads'] })).toBeUndefined();
  });

  test("requiredFormats / requiredFormatsRo: Python's list repr of what is missing", () => {
    expect(unmet({ requiredFormats: ['raw', 'qcow2'] })).toBeUndefined();
    expect(unmet({ requiredFormats: ['vmdk'] })).toBe("formats ['vmdk'] are not whitelisted");
    expect(unmet({ requiredFormats: ['vmdk', 'raw', 'vdi', 'vmdk'] })).toBe(
      "formats ['vmdk', 'vdi'] are not whitelisted",
    );
    expect(unmet({ requiredFormatsRo: ['vmdk'] })).toBeUndefined();
    expect(unmet({ requiredFormatsRo: ['quorum'] })).toBe("formats ['quorum'] are not whitelisted");
  });

  test('devices', () => {
    expect(unmet({ devices: ['virtio-blk', 'virtio-scsi'] })).toBeUndefined();
    expect(unmet({ devices: ['virtio-blk'] }, { caps: { hasVirtioBlk: false } })).toBe(
      'Missing virtio-blk in QEMU binary',
    );
    expect(unmet({ devices: ['virtio-scsi'] }, { caps: { hasVirtioScsi: false } })).toBe(
      'Missing virtio-scsi-pci or virtio-scsi-ccw in QEMU binary',
    );
    expect(unmet({ devices: [] }, { caps: { hasVirtioBlk: false } })).toBeUndefined();
  });

  test("unsupportedImgopts, and '$' in IMGOPTS is never supported", () => {
    expect(unmet({}, { config: { imgopts: 'compat=0.10' } })).toBeUndefined();
    expect(unmet({ unsupportedImgopts: ['compat'] }, { config: { imgopts: 'compat=0.10' } })).toBe(
      'not suitable for this imgopts: compat=0.10',
    );
    expect(unmet({}, { config: { imgopts: 'data_file=$TEST_IMG.data' } })).toBe(
      'not suitable for this imgopts: data_file=$TEST_IMG.data',
    );
    expect(unmet({ unsupportedImgopts: ['compat'] }, { config: { imgopts: '' } })).toBeUndefined();
  });

  test('quorum', () => {
    expect(unmet({ quorum: true })).toBeUndefined();
    expect(unmet({ quorum: true }, { caps: { quorum: false } })).toBe('quorum support missing');
  });

  test('notRoot', () => {
    expect(unmet({ notRoot: true })).toBeUndefined();
    expect(unmet({ notRoot: true }, { host: { uid: 0 } })).toBe('cannot be run as root');
    expect(unmet({ notRoot: false }, { host: { uid: 0 } })).toBeUndefined();
  });

  test('qcow2Zstd', () => {
    expect(unmet({ qcow2Zstd: true })).toBeUndefined();
    expect(unmet({ qcow2Zstd: true }, { caps: { qcow2Zstd: false } })).toBe(
      'zstd compression not supported',
    );
  });

  test('accelerator qtest', () => {
    expect(unmet({ accelerator: 'qtest' })).toBe(
      'requires the qtest accelerator (virtual clock stepping); this QEMU has: tcg, kvm',
    );
    expect(unmet({ accelerator: 'qtest' }, { caps: { hasQtest: true } })).toBeUndefined();
  });

  test("the first unmet requirement in the seed's order wins", () => {
    expect(
      unmet(
        { formats: ['qcow2'], protocols: ['nbd'], cacheModes: ['none'], accelerator: 'qtest' },
        {},
      ),
    ).toBe('not suitable for this image format: raw');
    expect(unmet({ protocols: ['nbd'], cacheModes: ['none'] })).toBe(
      'not suitable for this protocol: file',
    );
    expect(
      unmet(
        { requiredFormats: ['vmdk'], devices: ['virtio-blk'] },
        { caps: { hasVirtioBlk: false } },
      ),
    ).toBe("formats ['vmdk'] are not whitelisted");
  });
});

describe('validateRequirements', () => {
  test('unknown keys name the key and the accepted keys', () => {
    expect(() => validateRequirements({ format: ['raw'] } as never)).toThrow(
      "unknown requirement 'format'; accepted keys: formats, unsupportedFormats, protocols, " +
        'unsupportedProtocols, platforms, unsupportedPlatforms, cacheModes, aioModes, ' +
        'requiredFormats, requiredFormatsRo, unsupportedImgopts, accelerator, devices, luks, ' +
        'quorum, notRoot, qcow2Zstd',
    );
  });

  test('protocols and unsupportedProtocols together are refused (the seed asserts it)', () => {
    expect(() =>
      validateRequirements({ protocols: ['file'], unsupportedProtocols: ['nbd'] }),
    ).toThrow('give protocols or unsupportedProtocols, not both');
    expect(validateRequirements({ protocols: [], unsupportedProtocols: ['nbd'] })).toBeDefined();
  });

  test('unmetRequirement validates too', () => {
    expect(() => unmet({ bogus: true } as never)).toThrow("unknown requirement 'bogus'");
  });
});

describe("Python's repr of a list of str", () => {
  const tricky = [
    'raw',
    "it's",
    'say "hi"',
    `both ' and "`,
    'back\\slash',
    'tab\there',
    'nl\nx\r',
    '\u0000\u0007\u001f\u007f',
    '\u0085\u00a0\u00e9',
    'ü字',
    '\u2028\u200b',
    '\ud83d\ude00',
    '\ud800',
    '\ue000',
    '\u{10ffff}',
    '',
  ];

  test('matches python3 repr() for tricky strings', async () => {
    const script =
      'import json, sys\n' +
      "data = json.loads(sys.stdin.buffer.read().decode('utf-8', 'surrogatepass'))\n" +
      "sys.stdout.buffer.write(json.dumps([repr(s) for s in data] + [repr(data)]).encode('utf-8', 'surrogatepass'))\n";
    const { stdout } = await execa('python3', ['-c', script], { input: JSON.stringify(tricky) });
    const expected = JSON.parse(stdout) as string[];
    tricky.forEach((text, index) => {
      expect({ text, repr: pyStrRepr(text) }).toEqual({ text, repr: expected[index] });
    });
    expect(pyRepr(tricky)).toBe(expected[tricky.length]);
  });
});

describe('front-ends', () => {
  const realCaps = caps as unknown as Capabilities;

  function useRuntime(overrides: Partial<IotestsConfig> = {}): void {
    setRuntime({
      config: { ...config, ...overrides } as unknown as IotestsConfig,
      capabilities: realCaps,
    });
  }

  test('requires: true when met; without a handler an unmet requirement throws NotRunError', () => {
    useRuntime();
    expect(requires({ formats: ['raw'] })).toBe(true);
    let error: unknown;
    try {
      requires({ formats: ['qcow2'] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(NotRunError);
    expect(error).toBeInstanceOf(Error);
    expect((error as NotRunError).reason).toBe('not suitable for this image format: raw');
    expect((error as NotRunError).message).toBe('not run: not suitable for this image format: raw');
  });

  test('with a handler, the reason goes to onUnmet and requires returns false', () => {
    useRuntime();
    const reasons: string[] = [];
    setSkipHandler({ onUnmet: (reason) => reasons.push(reason) });
    expect(requires({ cacheModes: ['none'] })).toBe(false);
    notrun('by hand');
    expect(reasons).toEqual(['not suitable for this cache mode: writeback', 'by hand']);
  });

  test('caseNotrun goes to onCaseNotrun, else a [case not run] line on stderr', () => {
    const cases: string[] = [];
    setSkipHandler({ onUnmet: () => undefined, onCaseNotrun: (reason) => cases.push(reason) });
    caseNotrun('no qtest');
    expect(cases).toEqual(['no qtest']);
    setSkipHandler(undefined);
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      caseNotrun('x: cannot be run as root');
    } finally {
      spy.mockRestore();
    }
    expect(writes).toEqual(['    [case not run] x: cannot be run as root\n']);
  });

  test('requires without a runtime says so', () => {
    expect(() => requires({})).toThrow('qemu-iotests runtime is not set');
  });

  test('NotRunError is recognised across copies of the package (brand, not prototype)', () => {
    let foreign: unknown;
    jest.isolateModules(() => {
      const copy = jest.requireActual<{ NotRunError: typeof NotRunError }>(
        '../../../src/iotests/requirements',
      );
      expect(copy.NotRunError).not.toBe(NotRunError);
      foreign = new copy.NotRunError('elsewhere');
    });
    expect(foreign).toBeInstanceOf(NotRunError);
    expect(new Error('plain')).not.toBeInstanceOf(NotRunError);
    class Sub extends NotRunError {}
    expect(new Sub('r')).toBeInstanceOf(NotRunError);
    expect(new NotRunError('r')).not.toBeInstanceOf(Sub);
  });
});
