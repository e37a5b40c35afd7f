// A bounded wait, written once: race a promise against a timer and clear the timer whichever
// comes first, so no caller leaves a pending timer behind (it would hold the event loop, and Jest,
// open). A leaf module with no imports, so both src/iotests and src/jest may use it.

/**
 * Settle with `promise`'s outcome, or, when it is still pending after `ms` milliseconds, with the
 * value `onTimeout()` returns (reject with what it throws, for callers whose timeout is an error).
 * The timer is cleared whichever comes first. `promise` is not cancelled: its outcome after the
 * timeout is dropped, and a late rejection is handled here, never an unhandled rejection.
 */
export function raceTimeout<T, F>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => F,
): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<F>((resolve) => {
    // A promise whose executor throws is rejected with what it threw: onTimeout's error.
    timer = setTimeout(() => resolve(new Promise<F>((settle) => settle(onTimeout()))), ms);
  });
  // Racing attaches handlers to `promise`, which is what keeps its late rejection handled.
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
