/**
 * Worker-thread entry of the function's download thread: downloads one export object
 * (core/gcs/media-download.ts), gunzips it if it is gzip, and writes its bytes into the two shared
 * slots of core/read/byte-slots.ts while the main thread scans the other one. Receiving a gigabyte
 * and checking its CRC32C costs about as much CPU as auditing it; on its own thread it overlaps the
 * audit where the instance has a second vCPU (docs/throughput.md, "The download on its own thread").
 * Bundled beside the function's index.js as download-worker.js (functions/scripts/bundle-function.mjs).
 */
import { workerData } from 'node:worker_threads';
import { mediaBytes } from '../core/gcs/media-download.js';
import { runWriter, SlotWriter } from '../core/read/byte-slots.js';
import { decodeStream } from '../core/read/input-files.js';
import type { DownloadTask } from './download-thread.js';

const task = workerData as DownloadTask;
const writer = new SlotWriter(task);

runWriter(writer, async () => {
  await writer.awaitEmpty();
  for await (const chunk of decodeStream(mediaBytes(task.request, (n) => writer.counted(n)), { join: false })) await writer.write(chunk);
  await writer.end();
});
