import { describe, expect, test } from '@jest/globals';

import { convertArgumentKeys } from '../../../src/machine/qmp-args';

describe('convertArgumentKeys (machine.py conv_keys)', () => {
  test("turns '_' into '-' in top-level names only", () => {
    expect(
      convertArgumentKeys({ node_name: 'n', auto_dismiss: false, file: { aio_max: 1 } }),
    ).toEqual({ 'node-name': 'n', 'auto-dismiss': false, file: { aio_max: 1 } });
    expect(convertArgumentKeys(undefined)).toBeUndefined();
    expect(convertArgumentKeys({})).toEqual({});
  });

  test('refuses two names that become one, naming both', () => {
    expect(() => convertArgumentKeys({ job_id: 'a', 'job-id': 'b' })).toThrow(
      "QMP arguments name 'job-id' twice ('job-id' becomes 'job-id'); pass only one of them",
    );
  });
});
