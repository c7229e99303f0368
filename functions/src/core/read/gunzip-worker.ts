/**
 * Worker-thread entry: gunzips one local file into the two shared slots of gunzip-slots.ts, filling
 * one while the main thread scans the other. Decompressing here keeps zlib's fresh output buffers
 * (a gigabyte of them per gigabyte of logs) out of the scanning thread's heap, where their external
 * memory set off a full collection every ~64 MiB — 15 on the bench's 1 GiB shard against 2 for the
 * plain file — each marking the whole live heap of the scan. Here they are freed every 16 MiB by a
 * young-generation collection (young-collections.ts): left to V8, this thread held ~50 MiB more.
 */
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import { EMPTY, FAILED, GUNZIP_CHUNK_BYTES, GZIP_READ_CHUNK_BYTES, type GunzipFailure, type GunzipTask } from './gunzip-slots.js';
import { collectingAsRead } from './young-collections.js';

const task = workerData as GunzipTask;
const control = new Int32Array(task.control);
const read = new BigInt64Array(task.read);
const data = new Uint8Array(task.data);
let slot = 0;
let used = 0;

/** Waits (blocking this thread: nothing else runs on it) until the main thread has emptied `slot`. */
function awaitEmpty(): void {
  for (let state = Atomics.load(control, slot); state !== EMPTY; state = Atomics.load(control, slot)) Atomics.wait(control, slot, state);
}

/** Hands the filled slot to the main thread, then waits for the other one. */
function publish(length: number): void {
  Atomics.store(control, slot, length);
  Atomics.notify(control, slot);
  slot ^= 1;
  used = 0;
  if (length > 0) awaitEmpty();
}

async function gunzip(): Promise<void> {
  const raw = createReadStream(task.path, { highWaterMark: GZIP_READ_CHUNK_BYTES });
  raw.on('data', (chunk) => Atomics.add(read, 0, BigInt(chunk.length)));
  const output = raw.pipe(createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES }));
  raw.on('error', (error) => output.destroy(error));
  awaitEmpty();
  for await (const chunk of collectingAsRead(output as AsyncIterable<Buffer>)) {
    for (let at = 0; at < chunk.length; ) {
      const n = Math.min(chunk.length - at, task.slotBytes - used);
      data.set(chunk.subarray(at, at + n), slot * task.slotBytes + used);
      used += n;
      at += n;
      if (used === task.slotBytes) publish(used);
    }
  }
  if (used > 0) publish(used);
  publish(0);
}

gunzip().catch((error: unknown) => {
  // What was gunzipped before the break is scanned, as on the main thread.
  if (used > 0) publish(used);
  const code = (error as { code?: unknown } | null)?.code;
  const failure: GunzipFailure = { error: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' ? { code } : {}) };
  parentPort?.postMessage(failure);
  Atomics.store(control, slot, FAILED);
  Atomics.notify(control, slot);
});
