// The QEMU 7.2 LUKS key-derivation fluke, on its own: the library retries it in every test file,
// which must not load the capability probe (and the process runner behind it) to do so.

/**
 * QEMU's PBKDF benchmark (crypto/pbkdf.c) times its first 2^15 iterations with the thread's CPU
 * time, which the kernel accounts in scheduler ticks: a fast run measures 0 ms and LUKS creation
 * fails with this message. Measured here: 12 of 30 `qemu-img create -f luks` runs. It is a coin
 * flip per attempt, so an attempt that fails this way is simply repeated.
 */
export const PBKDF_TIMING_FLUKE = 'Unable to get accurate CPU usage';

/** Attempts at an operation that may hit PBKDF_TIMING_FLUKE (0.4^10: about 1 failure in 10^4). */
export const PBKDF_TIMING_ATTEMPTS = 10;

/** Whether a failure's text is the PBKDF timing fluke, worth another attempt. */
export function isPbkdfTimingFluke(text: string): boolean {
  return text.includes(PBKDF_TIMING_FLUKE);
}
