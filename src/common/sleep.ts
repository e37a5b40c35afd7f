// The one timer-as-a-promise of the package.

/** A pending sleep; `cancel()` clears its timer (the promise then never settles). */
export interface Sleep extends Promise<void> {
  cancel(): void;
}

/**
 * Resolves after `ms` milliseconds. In a race, cancel it once the race is decided, so that no
 * timer outlives the wait (e.g. `finally { timer.cancel(); }`). With `unref`, the timer alone
 * does not keep the process alive.
 */
export function sleep(ms: number, options: { unref?: boolean } = {}): Sleep {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    if (options.unref === true) timer.unref();
  });
  return Object.assign(promise, { cancel: () => clearTimeout(timer) });
}
