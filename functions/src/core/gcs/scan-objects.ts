/**
 * Exported objects read where they are, in Cloud Storage: `gs://BUCKET[/PREFIX]` is listed and each
 * export object (`*.json`, `*.jsonl`, `*.ndjson`, and their `.gz`) is streamed through the same
 * reader as a local file — never downloaded whole — a few at a time.
 *
 * The client must be a `downloads` client (storage-clients.ts): its library retries are off (they
 * crash the process on Node 24), so an object whose read fails before it yielded a byte is read again
 * here, with a backoff; one that fails after lines were already taken from it cannot be read again
 * without counting those lines twice, so it is reported as a file problem, with how far it got.
 */
import type { Storage } from '@google-cloud/storage';
import type { AccessEvent } from '../access-event.js';
import { decodeStream } from '../read/input-files.js';
import type { FileScan } from '../read/scan-files.js';
import { emptyStats, ProblemLog, scanStream } from '../read/scan.js';
import { isTransientStorageError, objectReadBackoffMs, realSleep, type GcsLocation } from './download.js';

const EXPORT_OBJECT = /\.(json|jsonl|ndjson)(\.gz)?$/i;

export interface ExportObject {
  bucket: string;
  name: string;
  generation: string;
  size: number;
}

/** The export objects under a location, in name order (the order a sink writes hours in). */
export async function listExportObjects(storage: Storage, location: GcsLocation): Promise<ExportObject[]> {
  const [files] = await storage.bucket(location.bucket).getFiles({ prefix: location.prefix, autoPaginate: true });
  return files
    .filter((f) => EXPORT_OBJECT.test(f.name))
    .map((f) => ({ bucket: location.bucket, name: f.name, generation: String(f.metadata.generation ?? ''), size: Number(f.metadata.size ?? 0) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface ScanObjectsOptions {
  onEvent: (event: AccessEvent) => void;
  /** Called after every chunk with what has been read so far (all objects). */
  onProgress?: (scan: FileScan) => void;
  /** Objects read at once. */
  parallel?: number;
  /** Attempts of an object that failed before it yielded a byte. */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Objects read at once: enough to keep a link busy, few enough for a laptop's memory. */
export const DEFAULT_PARALLEL_OBJECTS = 4;

/** Streams every object through the reader; counts, problems and events as for local files (added to `scan` when given). */
export async function scanObjects(storage: Storage, objects: readonly ExportObject[], options: ScanObjectsOptions, scan: FileScan = { stats: emptyStats(), problems: new ProblemLog(), bytes: 0 }): Promise<FileScan> {
  const sleep = options.sleep ?? realSleep;
  const maxAttempts = options.maxAttempts ?? 4;
  let next = 0;
  const worker = async () => {
    while (next < objects.length) {
      const object = objects[next++]!;
      const label = `gs://${object.bucket}/${object.name}`;
      for (let attempt = 1; ; attempt++) {
        let taken = 0;
        try {
          const raw = storage.bucket(object.bucket).file(object.name, object.generation ? { generation: object.generation } : {}).createReadStream();
          raw.on('data', (chunk: Buffer) => {
            taken += chunk.length;
            scan.bytes += chunk.length;
            options.onProgress?.(scan);
          });
          try {
            await scanStream(label, decodeStream(raw), {
              stats: scan.stats,
              problems: scan.problems,
              onEvent: options.onEvent,
              ...(options.now ? { now: options.now } : {}),
            });
          } finally {
            raw.destroy();
          }
          break;
        } catch (error) {
          const retry = taken === 0 && attempt < maxAttempts && isTransientStorageError(error);
          if (retry) {
            // Nothing was taken from it: reading it again counts nothing twice.
            scan.stats.files--;
            await sleep(objectReadBackoffMs(attempt));
            continue;
          }
          scan.stats.fileErrors++;
          const code = (error as { code?: unknown }).code;
          const why = code === 404 ? 'no longer exists' : `${(error as Error).message.split('\n')[0]}`;
          scan.problems.add({ category: 'file', file: label, message: `could not be read${taken > 0 ? ` after ${taken} bytes (the lines before were learned; read it again alone to learn the rest)` : ''}: ${why}` });
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel ?? DEFAULT_PARALLEL_OBJECTS, objects.length)) }, worker));
  return scan;
}
