import { beforeEach, describe, expect, test } from '@jest/globals';

import { PBKDF_TIMING_ATTEMPTS, PBKDF_TIMING_FLUKE } from '../../../src/capabilities';
import { retryPbkdfFluke } from '../../../src/iotests/pbkdf-retry';
import { log, resetTranscript, transcript } from '../../../src/iotests/transcript';

beforeEach(() => {
  resetTranscript();
});

describe('retryPbkdfFluke', () => {
  test('an attempt that logged the fluke is rolled out of the transcript and repeated', async () => {
    log('before');
    let attempts = 0;
    const result = await retryPbkdfFluke(async () => {
      attempts += 1;
      log(`attempt ${attempts}`);
      if (attempts < 3) log(`Job failed: ${PBKDF_TIMING_FLUKE}`);
      return Promise.resolve(attempts);
    });
    expect(result).toBe(3);
    expect(transcript()).toBe('before\nattempt 3\n');
  });

  test('an attempt that threw the fluke is repeated too', async () => {
    let attempts = 0;
    await retryPbkdfFluke(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error(`qemu-img: x.luks: ${PBKDF_TIMING_FLUKE}`);
      return Promise.resolve();
    });
    expect(attempts).toBe(2);
  });

  test('any other failure is final, with what it logged kept', async () => {
    let attempts = 0;
    await expect(
      retryPbkdfFluke(async () => {
        attempts += 1;
        log('Job failed: No space left on device');
        return Promise.reject(new Error('real failure'));
      }),
    ).rejects.toThrow('real failure');
    expect(attempts).toBe(1);
    expect(transcript()).toBe('Job failed: No space left on device\n');
  });

  test('gives up after PBKDF_TIMING_ATTEMPTS, leaving the last attempt in the transcript', async () => {
    let attempts = 0;
    await retryPbkdfFluke(async () => {
      attempts += 1;
      log(`Job failed: ${PBKDF_TIMING_FLUKE}`);
      return Promise.resolve();
    });
    expect(attempts).toBe(PBKDF_TIMING_ATTEMPTS);
    expect(transcript()).toBe(`Job failed: ${PBKDF_TIMING_FLUKE}\n`);
  });
});
