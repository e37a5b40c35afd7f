// A wait that is the check itself: the seed's `time.sleep()` where a test watches that something
// stays as it is (a paused job's offset) for a while. Waiting for something to happen is
// eventWait's or a polling helper's job, never this one's.
import { sleep } from '../common/sleep';

/** Let `ms` milliseconds of real time pass (e.g. `await iotests.observationWindow(500)`). */
export function observationWindow(ms: number): Promise<void> {
  // Kept: no type says "finite, not negative", and NaN would end the window at once, so the
  // observation it stands for would pass without watching anything.
  if (!Number.isFinite(ms) || ms < 0) {
    return Promise.reject(
      new TypeError(`observationWindow: ms must be a non-negative number, got ${String(ms)}`),
    );
  }
  return sleep(ms);
}
