// QEMU 7.2's LUKS key-slot creation fails about 4 times in 10 on these machines with "Unable to
// get accurate CPU usage" (see PBKDF_TIMING_FLUKE: a PBKDF benchmark measuring 0 ms of CPU time).
// A test that creates LUKS images through QEMU wraps that step here: an attempt that hit the
// fluke is rolled back out of the transcript and repeated, so the reference output stays exact.
import { PBKDF_TIMING_ATTEMPTS, isPbkdfTimingFluke } from '../capabilities/pbkdf-fluke';
import { transcriptMark, transcriptSince, truncateTranscript } from './transcript';

/**
 * Run `attempt` (which must be repeatable, e.g. create an image over the same file) until it
 * does not hit the PBKDF timing fluke, at most PBKDF_TIMING_ATTEMPTS times. A fluke is seen in
 * what the attempt logged or in the error it threw; any other outcome is returned or thrown as is.
 */
export async function retryPbkdfFluke<T>(attempt: () => Promise<T>): Promise<T> {
  for (let round = 1; ; round += 1) {
    const mark = transcriptMark();
    let failure: { error: unknown } | undefined;
    let result: T | undefined;
    try {
      result = await attempt();
    } catch (error) {
      failure = { error };
    }
    const sawFluke =
      isPbkdfTimingFluke(transcriptSince(mark)) ||
      (failure !== undefined && isPbkdfTimingFluke(String(failure.error)));
    if (!sawFluke || round >= PBKDF_TIMING_ATTEMPTS) {
      if (failure !== undefined) throw failure.error;
      return result as T;
    }
    truncateTranscript(mark);
  }
}
