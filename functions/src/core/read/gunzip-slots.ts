/**
 * How a gzip file is read and gunzipped, the same on the gunzip thread (gunzip-worker.ts, which
 * writes into the shared slots of byte-slots.ts) and on one thread (input-files.ts): a module of
 * constants and types, so the worker's bundle takes nothing else.
 */
import type { SlotTask } from './byte-slots.js';

/**
 * Reads of a gzip file, on either thread: 512 KiB. With reads of 768 KiB or 1 MiB, V8 ran 33–53 full
 * collections ("GC in old space requested") while the gzipped 1 GiB flow shard was audited on one
 * thread, against 2–3 with 256 or 512 KiB; the audit took 1,387–1,544 ms against 1,153–1,159 at
 * 512 KiB (1,231–1,348 at 256 KiB; alternated runs). The gzipped GCS shard ran the same either way
 * (1,785–1,956 ms).
 */
export const GZIP_READ_CHUNK_BYTES = 512 * 1024;
/** Gunzip's output chunks, on either thread: gunzip is ~3× faster with 1 MiB than with the 16 KiB default. */
export const GUNZIP_CHUNK_BYTES = 1024 * 1024;

/** The gunzip thread's task: the file, and the slots it writes into. */
export interface GunzipTask extends SlotTask {
  path: string;
}
