/**
 * Run as a child process by young-collections.test.ts and function-environment.test.ts: reads
 * 1 GiB of 64 KiB chunks, each a new Buffer as a download's socket reads are, with a little object
 * allocation per chunk (as a scan's), and prints how many full (mark-compact) collections ran, the
 * most memory array buffers held at a chunk's end in MiB, the bytes read, and the minor page faults
 * taken while reading. With the argument `decoded`, the chunks come through decodeStream, as the
 * function and the CLI read a stream; else straight from the stream. A second and third argument
 * set the chunk size in KiB and the MiB read (gunzip's chunks are 1 MiB).
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { decodeStream } from '../../functions/src/core/read/input-files.js';

let full = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) full++;
});
observer.observe({ entryTypes: ['gc'] });

const chunkBytes = Number(process.argv[3] ?? 64) * 1024;
const chunks = (Number(process.argv[4] ?? 1024) * 1024 * 1024) / chunkBytes;
const raw = Readable.from(
  (function* () {
    for (let i = 0; i < chunks; i++) yield Buffer.allocUnsafeSlow(chunkBytes).fill(0x20);
  })(),
);
const read: AsyncIterable<Buffer> = process.argv[2] === 'decoded' ? decodeStream(raw) : raw;
const kept: object[] = [];
let bytes = 0;
let mostArrayBuffers = 0;
const faultsBefore = process.resourceUsage().minorPageFault;
for await (const chunk of read) {
  bytes += chunk.length;
  for (let j = 0; j < 20; j++) kept.push({ j });
  if (kept.length > 50_000) kept.length = 0;
  mostArrayBuffers = Math.max(mostArrayBuffers, process.memoryUsage().arrayBuffers);
}
const faults = process.resourceUsage().minorPageFault - faultsBefore;
await new Promise((resolve) => setTimeout(resolve, 50));
observer.disconnect();
process.stdout.write(`${full} ${(mostArrayBuffers / 2 ** 20).toFixed(0)} ${bytes} ${faults}\n`);
