import { expect, test } from '@jest/globals';

import { iotests } from '../../../src';
import { observationWindow } from '../../../src/iotests/observe';

test('observationWindow lets the given time pass (the iotests object has it too)', async () => {
  expect(iotests.observationWindow).toBe(observationWindow);
  const started = performance.now();
  await iotests.observationWindow(50);
  // Timers never fire early by more than the clock's rounding.
  expect(performance.now() - started).toBeGreaterThanOrEqual(49);
});

test.each([-1, Number.NaN, Number.POSITIVE_INFINITY])(
  'observationWindow(%p) is refused',
  async (ms) => {
    await expect(observationWindow(ms)).rejects.toThrow(
      'observationWindow: ms must be a non-negative number',
    );
  },
);
