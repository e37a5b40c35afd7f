// Memory figures for the load and bad-input tests: the heap still referenced after a full
// garbage collection (what a leak would grow), and the resident set (what the OS sees).
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Runs a full garbage collection (exposing gc() for this process on first use). */
export function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Heap in use after a full collection, in bytes. */
export function liveHeap(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}
