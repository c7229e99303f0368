/**
 * Worker-thread entry: gunzips one local file into the two shared slots of byte-slots.ts, filling
 * one while the main thread scans the other. Decompressing here keeps zlib's fresh output buffers
 * (a gigabyte of them per gigabyte of logs) out of the scanning thread's heap, where their external
 * memory set off a full collection every ~64 MiB — 15 on the bench's 1 GiB shard against 2 for the
 * plain file — each marking the whole live heap of the scan. Here they are freed every 16 MiB by a
 * young-generation collection (young-collections.ts): left to V8, this thread held ~50 MiB more.
 */
import { createReadStream } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import { runWriter, SlotWriter } from './byte-slots.js';
import { GUNZIP_CHUNK_BYTES, GZIP_READ_CHUNK_BYTES, type GunzipTask } from './gunzip-slots.js';
import { collectingAsRead } from './young-collections.js';

const task = workerData as GunzipTask;
const writer = new SlotWriter(task);

runWriter(writer, async () => {
  const raw = createReadStream(task.path, { highWaterMark: GZIP_READ_CHUNK_BYTES });
  raw.on('data', (chunk) => writer.counted(chunk.length));
  const output = raw.pipe(createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES }));
  raw.on('error', (error) => output.destroy(error));
  await writer.awaitEmpty();
  for await (const chunk of collectingAsRead(output as AsyncIterable<Buffer>)) await writer.write(chunk);
  await writer.end();
});
