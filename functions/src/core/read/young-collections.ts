/**
 * Frees a stream's spent chunks as it is read, by asking V8 for a young-generation collection every
 * 16 MiB of chunks.
 *
 * Every chunk of a stream is a new Buffer: a socket read of a download (64 KiB), a 1 MiB block of
 * gunzip's output. Their bytes live outside V8's heap ("external"), and a chunk is garbage as soon as
 * its lines are scanned, but only a collection frees it. The scan allocates so little per line that
 * the young generation rarely fills, so V8 waits for its external-memory trigger instead, which
 * collects the whole heap: the function's read of a 1 GiB flow shard ran 46 full collections
 * (`--trace-gc`; the CLI's scan of the same file, 1), and the gzipped shard's read held up to 89 MiB
 * of array buffers. A young collection frees them all and costs little, since little in it survives:
 * 63 of them on that 1 GiB read, 0.5 ms each (median; 7 ms at most).
 *
 * V8 exposes that collection only as the `gc` function of `--expose-gc`, which is read when a
 * context is made: the flag is set at run time and `gc` taken from a new context. Only speed and
 * memory depend on it; where a later Node refuses, chunks are collected as V8 decides.
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Chunk bytes between two young-generation collections. */
export const COLLECT_EVERY_BYTES = 16 * 1024 * 1024;

type GcFunction = (options: { type: 'minor' | 'major' }) => void;

/** The process's young-generation collection: undefined until asked for, null where V8 refuses it. */
let collectYoung: (() => void) | null | undefined;

/** V8's young-generation collection (see above), or undefined where it cannot be had. */
export function youngCollection(): (() => void) | undefined {
  if (collectYoung === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const gc = runInNewContext('typeof gc === "function" ? gc : undefined') as GcFunction | undefined;
      collectYoung = gc ? () => gc({ type: 'minor' }) : null;
    } catch {
      collectYoung = null;
    }
  }
  return collectYoung ?? undefined;
}

/**
 * The chunks, in order, with a young-generation collection after each `everyBytes` of them (once
 * the consumer is done with the chunk that completed them).
 */
export async function* collectingAsRead(chunks: AsyncIterable<Buffer>, everyBytes = COLLECT_EVERY_BYTES, collect = youngCollection()): AsyncGenerator<Buffer> {
  let since = 0;
  for await (const chunk of chunks) {
    yield chunk;
    since += chunk.length;
    if (since >= everyBytes && collect) {
      since = 0;
      collect();
    }
  }
}
