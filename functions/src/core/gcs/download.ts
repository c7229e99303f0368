/**
 * Small whole-object downloads (state objects, reports) through a `downloads` client, whose library
 * retries are off (storage-clients.ts): transient failures are retried here instead.
 */
import type { Storage } from '@google-cloud/storage';

/** Waits before the 2nd, 3rd and 4th attempt. */
export const DOWNLOAD_BACKOFF_MS: readonly number[] = [200, 600, 1_500];

/** 408, 429, 5xx and network errors (no HTTP status) are worth another attempt. */
export function isTransientStorageError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code === 408 || code === 429 || code >= 500 : true;
}

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Backoff before a whole object (an export) is read again: 0.5 s, doubling per attempt, at most 8 s. */
export const OBJECT_READ_BACKOFF = { baseMs: 500, maxMs: 8_000 } as const;

export function objectReadBackoffMs(attempt: number): number {
  return Math.min(OBJECT_READ_BACKOFF.baseMs * 2 ** (attempt - 1), OBJECT_READ_BACKOFF.maxMs);
}

export async function downloadObject(
  storage: Storage,
  object: { bucket: string; name: string; generation?: string },
  sleep: (ms: number) => Promise<void> = realSleep,
): Promise<Buffer> {
  const file = storage.bucket(object.bucket).file(object.name, object.generation ? { generation: object.generation } : {});
  for (let attempt = 1; ; attempt++) {
    try {
      const [data] = await file.download();
      return data;
    } catch (error) {
      const wait = DOWNLOAD_BACKOFF_MS[attempt - 1];
      if (wait === undefined || !isTransientStorageError(error)) throw error;
      await sleep(wait);
    }
  }
}

/** A `gs://` location: the bucket, and an object name or a name prefix (empty for the whole bucket). */
export interface GcsLocation {
  bucket: string;
  prefix: string;
}

/** `gs://bucket`, `gs://bucket/`, `gs://bucket/name…` → bucket and prefix; undefined when it is not one. */
export function parseGsLocation(uri: string): GcsLocation | undefined {
  const match = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220})(?:\/(.*))?$/s.exec(uri);
  return match ? { bucket: match[1]!, prefix: match[2] ?? '' } : undefined;
}
