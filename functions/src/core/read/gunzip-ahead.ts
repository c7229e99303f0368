/**
 * A gzip file's bytes, gunzipped on a worker thread (gunzip-worker.ts) into the two shared slots of
 * byte-slots.ts: while the consumer scans one, the worker fills the other. The consumer must be done
 * with a chunk before it asks for the next (as with readAhead in input-files.ts).
 */
import { slotTask, ThreadBytes } from './byte-slots.js';
import type { GunzipTask } from './gunzip-slots.js';

/**
 * One file's gunzip thread, started when this is made: a caller that knows its first file early
 * (the CLI, before its baselines load) lets the thread boot — ~40 ms, the main thread's longest wait
 * for bytes on the bench's 1 GiB gzip shard — meanwhile. Its bytes are read once, through chunks()
 * (`onBytes` sees the compressed bytes read); close() stops a thread whose bytes were not read to the end.
 */
export class GunzipAhead extends ThreadBytes {
  constructor(
    readonly path: string,
    script: string | URL,
    slotBytes: number,
  ) {
    const task: GunzipTask = { ...slotTask(slotBytes), path };
    super(`gunzip of ${path}`, script, task);
  }
}

/** A gzip file's bytes through a gunzip thread started when they are first asked for. */
export async function* gunzipAhead(path: string, script: string | URL, slotBytes: number, onBytes?: (n: number) => void): AsyncGenerator<Buffer> {
  yield* new GunzipAhead(path, script, slotBytes).chunks(onBytes);
}
