/**
 * The layout two threads share to pass gunzipped bytes (gunzip-worker.ts writes, gunzip-ahead.ts
 * reads): two slots of `slotBytes` in one SharedArrayBuffer, used in turn, and a control array. And
 * how a gzip file is read and gunzipped, the same on the gunzip thread and on one thread
 * (input-files.ts): a module of constants and types, so the worker's bundle takes nothing else.
 */

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

/** control[slot] while the slot waits for bytes. */
export const EMPTY = -1;
/** control[slot] when the worker failed: its message says why. */
export const FAILED = -2;
/** control[slot] ≥ 0: the slot holds that many bytes; 0 means the end of the stream. */

/** Int32 indexes of the control array: the two slots' states. */
export const SLOT_STATES = 2;

export interface GunzipTask {
  path: string;
  slotBytes: number;
  /** 2 × slotBytes. */
  data: SharedArrayBuffer;
  /** Int32Array(SLOT_STATES): each slot's state. */
  control: SharedArrayBuffer;
  /** BigInt64Array(1): compressed bytes read so far (progress). */
  read: SharedArrayBuffer;
}

/** Why the worker failed; `code` is zlib's (Z_…) for a corrupt or truncated file (see scan.ts). */
export interface GunzipFailure {
  error: string;
  code?: string;
}
