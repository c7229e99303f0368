/**
 * Lets V8 count downloaded bytes in its heap limits instead of collecting the whole heap for them.
 *
 * A streamed download hands over each socket read as a new Buffer (64 KiB on loopback). Their memory
 * is outside V8's heap ("external"), and V8, by default, starts a full collection each time
 * external memory has grown by a fixed step since the last one, whether or not anything in the heap
 * holds it. The chunks die young and a scavenge would free them, but the scan allocates so little per
 * line that scavenges are rare: the function's read of a 1 GiB shard ran 46 full collections
 * (`--trace-gc`), and its CPU time was 6.1-8.9 s against 4.4-4.8 s with this flag (docs/throughput.md).
 *
 * `--external-memory-accounted-in-global-limit` makes V8 add external memory to the heap's own
 * limit instead; V8 later made that its only behaviour and removed the flag. So the flag is set only
 * on the V8 lines known to have it, off by default: on others an unknown flag would print an error,
 * and a newer V8 already behaves so. Only speed depends on it. Process-wide; set before the first
 * download (again is harmless): V8 reads it at each allocation-limit check, so setting it at run time works
 * (checked by test/download-memory.test.ts in a child process).
 */
import v8 from 'node:v8';

export const EXTERNAL_MEMORY_FLAG = '--external-memory-accounted-in-global-limit';

/** V8 lines (major.minor) with the flag, off by default: 13.6 is Node 24's, the functions' runtime. */
export const V8_LINES_WITH_FLAG: readonly string[] = ['13.6'];

/**
 * Sets the flag where this V8 has it (see above); true when it is set. `v8Version` and `setFlags`
 * are the process's own, or a test's.
 */
export function accountExternalMemoryInHeapLimit(v8Version = process.versions.v8, setFlags: (flags: string) => void = v8.setFlagsFromString): boolean {
  if (!V8_LINES_WITH_FLAG.includes(v8Version.split('.').slice(0, 2).join('.'))) return false;
  setFlags(EXTERNAL_MEMORY_FLAG);
  return true;
}
