/** Finds export files under the paths a user names and opens them as byte streams (gzip aware). */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
// A type only (erased at run time): the module and node:worker_threads load with the first large gzip file.
import type { GunzipAhead } from './gunzip-ahead.js';
import { GUNZIP_CHUNK_BYTES, GZIP_READ_CHUNK_BYTES } from './gunzip-slots.js';
import { collectingAsRead } from './young-collections.js';

/** Export objects are `.json`; users may keep `.jsonl` and gzip archives of either. */
const EXPORT_FILE = /\.(json|jsonl|ndjson)(\.gz)?$/i;

/**
 * A plain stream's chunks (a download's 64 KiB socket reads) are copied into one buffer of this
 * size, passed on when full (joinChunks): the scan then takes 1,000 chunks a GiB, not 16,000.
 */
export const JOINED_CHUNK_BYTES = 1024 * 1024;
/** Reads of a plain file scanned on one thread (readAhead): 2 MiB measured fastest (1 MiB: −4%); a gunzip thread's slots too. */
export const READ_AHEAD_CHUNK_BYTES = 2 * 1024 * 1024;
/** Gzip files this large (compressed) are gunzipped on a thread of their own: starting it costs ~30 ms. */
export const GUNZIP_THREAD_MIN_BYTES = 4 * 1024 * 1024;

export class MissingPathError extends Error {
  constructor(readonly path: string) {
    super(`no such file or directory: ${path}`);
    this.name = 'MissingPathError';
  }
}

/** A file under a named directory that is not read, and why. */
export interface SkippedFile {
  path: string;
  why: string;
}

export interface InputFiles {
  files: string[];
  /** Files in named directories that are not exports (by name); named files are never skipped. */
  skipped: SkippedFile[];
}

/**
 * Every export file under `paths`: directories are walked recursively (files with an export
 * extension only), a file named directly is always read, whatever its name. Sorted, so runs are
 * deterministic.
 */
export async function listInputFiles(paths: readonly string[]): Promise<string[]> {
  return (await findInputFiles(paths)).files;
}

/** The same, with the files of named directories that were left out. */
export async function findInputFiles(paths: readonly string[]): Promise<InputFiles> {
  const files = new Set<string>();
  const skipped: SkippedFile[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new MissingPathError(path);
    if (info.isDirectory()) for (const file of await walk(path, skipped)) files.add(file);
    else files.add(path);
  }
  return { files: [...files].sort(), skipped: skipped.sort((a, b) => (a.path < b.path ? -1 : 1)) };
}

async function walk(dir: string, skipped: SkippedFile[]): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path, skipped)));
    else if (entry.isFile() && EXPORT_FILE.test(entry.name)) out.push(path);
    else if (entry.isFile()) skipped.push({ path, why: 'not an export file name (*.json, *.jsonl, *.ndjson, or their .gz); name the file itself to read it' });
    else skipped.push({ path, why: 'not a regular file' });
  }
  return out;
}

/** True when the bytes start with the gzip magic number (decided by content, not by name). */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

export interface GunzipThread {
  script: string | URL;
  minBytes: number;
  /** A thread started before its file was opened (startGunzipEarly): that file's first open reads it. */
  started?: GunzipAhead;
}

export interface OpenOptions {
  /** Sees the raw bytes read. */
  onBytes?: (n: number) => void;
  /**
   * 'transient': an uncompressed file is read into two buffers in turn (readAhead), for a consumer
   * that is done with each chunk before it asks for the next.
   */
  reuse?: 'transient';
  /**
   * With 'transient': a gzip file of `minBytes` or more (GUNZIP_THREAD_MIN_BYTES for the CLI) is
   * gunzipped on a worker thread running `script`, the bundled gunzip-worker.js (gunzipAhead).
   */
  gunzipThread?: GunzipThread;
}

/** Opens a local file as a stream of decompressed bytes. */
export async function openInputFile(path: string, options: OpenOptions = {}): Promise<AsyncIterable<Buffer>> {
  const { onBytes, reuse, gunzipThread } = options;
  // The file is opened twice (two bytes, then the chunks) on purpose: the readers open their
  // descriptor only once they are iterated, so a generator that is never read holds none.
  if (reuse && !isGzipFile(path)) return readAhead(path, READ_AHEAD_CHUNK_BYTES, onBytes);
  if (reuse && gunzipThread?.started?.path === path && gunzipThread.started.unread) return gunzipThread.started.chunks(onBytes);
  if (reuse && gunzipThread && (await stat(path)).size >= gunzipThread.minBytes) {
    const { gunzipAhead } = await import('./gunzip-ahead.js');
    return gunzipAhead(path, gunzipThread.script, READ_AHEAD_CHUNK_BYTES, onBytes);
  }
  const raw = createReadStream(path, { highWaterMark: GZIP_READ_CHUNK_BYTES });
  if (onBytes) raw.on('data', (chunk) => onBytes(chunk.length));
  return decodeStream(raw);
}

/** True when the local file starts with the gzip magic number. */
export function isGzipFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && isGzip(head);
  } finally {
    closeSync(fd);
  }
}

/**
 * Bytes [start, end) of an uncompressed local file, read as openInputFile's 'transient' reads are
 * (readAhead): each chunk is valid until the next is asked for.
 */
export function readFileRange(path: string, start: number, end: number, onBytes?: (n: number) => void): AsyncIterable<Buffer> {
  return readAhead(path, READ_AHEAD_CHUNK_BYTES, onBytes, start, end);
}

/**
 * An uncompressed local file's bytes, read one chunk ahead (off this thread, on libuv's pool) into
 * two buffers of `chunkBytes` used in turn: while the consumer reads a chunk, the next is read into
 * the other buffer. On the bench's 1 GiB flow shard (alternated runs) this scanned 5–8% faster than
 * reading on the scanning thread, which was 10–20% faster than a stream (fresh memory for every
 * read: page faults, and dead chunks until V8 collects).
 */
async function* readAhead(path: string, chunkBytes: number, onBytes?: (n: number) => void, start = 0, end = Number.POSITIVE_INFINITY): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  const buffers = [Buffer.allocUnsafeSlow(chunkBytes), Buffer.allocUnsafeSlow(chunkBytes)];
  let turn = 0;
  let position = start;
  const readNext = () => {
    const buffer = buffers[turn]!;
    turn ^= 1;
    return handle.read(buffer, 0, Math.max(0, Math.min(buffer.length, end - position)), position).then(({ bytesRead }) => {
      position += bytesRead;
      return buffer.subarray(0, bytesRead);
    });
  };
  let reading = readNext();
  try {
    for (;;) {
      const chunk = await reading;
      if (chunk.length === 0) return;
      reading = readNext();
      onBytes?.(chunk.length);
      yield chunk;
    }
  } finally {
    // A read may still be in flight when the consumer stops early: let it end before closing.
    await reading.catch(() => undefined);
    await handle.close();
  }
}

/**
 * Bytes of an export, gunzipped when they start with the gzip magic number (decided by content,
 * not by name). Errors of `raw` surface when iterating the result. Spent chunks are freed as they
 * are read (young-collections.ts). Plain bytes come in chunks of JOINED_CHUNK_BYTES in one reused
 * buffer: the consumer must be done with a chunk when it asks for the next (scanStream is: it
 * copies what it keeps). With `join: false` they come as `raw` gave them (for a consumer that
 * copies them anyway: the download thread's slots).
 */
export function decodeStream(raw: AsyncIterable<Buffer>, options: { join?: boolean } = {}): AsyncIterable<Buffer> {
  return {
    async *[Symbol.asyncIterator]() {
      const iterator = raw[Symbol.asyncIterator]();
      let first = await iterator.next();
      while (!first.done && first.value.length < 2) {
        // A first chunk of under two bytes cannot be judged: merge it with the next one.
        const next = await iterator.next();
        if (next.done) break;
        first = { done: false, value: Buffer.concat([first.value, next.value]) };
      }
      if (first.done) return;
      const rest = (async function* () {
        yield first.value;
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
      })();
      if (!isGzip(first.value)) {
        yield* options.join === false ? collectingAsRead(rest) : joinChunks(collectingAsRead(rest), JOINED_CHUNK_BYTES);
        return;
      }
      const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
      // pipeline forwards a read error to gunzip, so iterating it throws instead of hanging.
      pipeline(Readable.from(rest), gunzip, () => undefined);
      yield* collectingAsRead(gunzip as AsyncIterable<Buffer>);
    },
  };
}

/**
 * The bytes of `chunks` in chunks of `bytes` (the last one shorter), copied into one buffer that is
 * reused: each chunk is valid until the next is asked for. A download's 64 KiB reads, joined so,
 * were scanned faster on the function path (auditObject, loopback GCS server, runs alternating):
 * the 1 GiB small pool 3.5-6.1 -> 2.9-5.0 s (medians of 8: 4.0 -> 3.5 s), the production cluster
 * 1 GiB 4.4-5.0 -> 4.0-4.9 s (medians of 5: 4.5 -> 4.2 s). The copy itself took 33-56 ms a GiB
 * (64 KiB chunks already in the CPU's caches).
 */
export async function* joinChunks(chunks: AsyncIterable<Buffer>, bytes: number): AsyncGenerator<Buffer> {
  const joined = Buffer.allocUnsafeSlow(bytes);
  let used = 0;
  for await (const chunk of chunks) {
    let from = 0;
    while (from < chunk.length) {
      const n = Math.min(bytes - used, chunk.length - from);
      chunk.copy(joined, used, from, from + n);
      used += n;
      from += n;
      if (used === bytes) {
        yield joined;
        used = 0;
      }
    }
  }
  if (used > 0) yield joined.subarray(0, used);
}
