/**
 * The layout two threads share to pass gunzipped bytes (gunzip-worker.ts writes, gunzip-ahead.ts
 * reads): two slots of `slotBytes` in one SharedArrayBuffer, used in turn, and a control array.
 */

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
