/**
 * Worker-thread entry: gunzips one local file into the two shared slots of gunzip-slots.ts, filling
 * one while the main thread scans the other. Decompressing here keeps zlib's fresh output buffers
 * (a gigabyte of them per gigabyte of logs) out of the scanning thread's heap, where their external
 * memory set off a full collection every ~64 MiB — 15 on the bench's 1 GiB shard against 2 for the
 * plain file — each marking the whole live heap of the scan. Here they are freed every 16 MiB by a
 * young-generation collection (young-collections.ts): left to V8, this thread held ~50 MiB more.
 *
 * While both slots are full this thread waits asynchronously, so its event loop goes on reading and
 * inflating (zlib works on libuv's pool) into the stream's buffer. Blocked in Atomics.wait instead,
 * it left zlib idle until a slot freed, and the main thread then waited ~1-5 ms for the next bytes,
 * ~100 times over the bench's 1 GiB gzip shard.
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

/** Resolves once the main thread has emptied `slot`; the event loop runs meanwhile. */
async function awaitEmpty(): Promise<void> {
  for (let state = Atomics.load(control, slot); state !== EMPTY; state = Atomics.load(control, slot)) {
    const wait = Atomics.waitAsync(control, slot, state);
    if (wait.async) await wait.value;
  }
}

/** Hands the filled slot to the main thread, then waits for the other one. */
async function publish(length: number): Promise<void> {
  Atomics.store(control, slot, length);
  Atomics.notify(control, slot);
  slot ^= 1;
  used = 0;
  if (length > 0) await awaitEmpty();
}

async function gunzip(): Promise<void> {
  const raw = createReadStream(task.path, { highWaterMark: GZIP_READ_CHUNK_BYTES });
  raw.on('data', (chunk) => Atomics.add(read, 0, BigInt(chunk.length)));
  const output = raw.pipe(createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES }));
  raw.on('error', (error) => output.destroy(error));
  await awaitEmpty();
  for await (const chunk of collectingAsRead(output as AsyncIterable<Buffer>)) {
    for (let at = 0; at < chunk.length; ) {
      const n = Math.min(chunk.length - at, task.slotBytes - used);
      data.set(chunk.subarray(at, at + n), slot * task.slotBytes + used);
      used += n;
      at += n;
      if (used === task.slotBytes) await publish(used);
    }
  }
  if (used > 0) await publish(used);
  await publish(0);
}

async function fail(error: unknown): Promise<void> {
  // What was gunzipped before the break is scanned, as on the main thread.
  if (used > 0) await publish(used);
  const code = (error as { code?: unknown } | null)?.code;
  const failure: GunzipFailure = { error: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' ? { code } : {}) };
  parentPort?.postMessage(failure);
  Atomics.store(control, slot, FAILED);
  Atomics.notify(control, slot);
}

// A pending Atomics.waitAsync does not keep a thread alive: this timer does, until the end is written.
const alive = setInterval(() => undefined, 2 ** 30);
gunzip()
  .catch(fail)
  .finally(() => clearInterval(alive));
