/**
 * Run as a child process by download-memory.test.ts: drops 1 GiB of 64 KiB Buffers, as a streamed
 * download hands over its socket reads, with a little object allocation between them (as a scan's),
 * and prints how many full (mark-compact) collections ran. With the argument `clients`, first makes
 * the Storage clients, as every reader of Cloud Storage does (storage-clients.ts).
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { storageClients } from '../../functions/src/core/gcs/storage-clients.js';

if (process.argv[2] === 'clients') storageClients({ retrySeconds: 1 });

let full = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) full++;
});
observer.observe({ entryTypes: ['gc'] });
const kept: object[] = [];
let bytes = 0;
for (let i = 0; i < 16_384; i++) {
  bytes += Buffer.allocUnsafeSlow(64 * 1024).length;
  for (let j = 0; j < 20; j++) kept.push({ j });
  if (kept.length > 50_000) kept.length = 0;
  // Between reads the event loop turns, as it does between a download's chunks.
  if (i % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
}
await new Promise((resolve) => setTimeout(resolve, 50));
observer.disconnect();
process.stdout.write(`${full} ${bytes}\n`);
