/**
 * The instance's two Cloud Storage clients, the same library with different retry duties:
 * - `requests` (metadata, uploads, preconditioned writes): the library retries 408/429/5xx and resets
 *   itself, capped at `retrySeconds` because its default total (600 s) outlives the function.
 * - `downloads` (media reads of state objects; for export objects, the endpoint and credentials of
 *   the function's own download, core/gcs/media-download.ts): the library's retries are off and
 *   our callers retry whole reads. On Node 24 a download the library retries after a 503 makes
 *   teeny-request pipe into the stream it was told to destroy; the unhandled rejection makes the
 *   Functions Framework kill the instance mid-batch (googleapis/google-cloud-node#8670, open, no
 *   released fix in teeny-request 11.1.1).
 */
import { Storage } from '@google-cloud/storage';
import { fastCrc32c } from './crc32c.js';

export interface StorageClients {
  requests: Storage;
  downloads: Storage;
}

export interface StorageClientOptions {
  /** Total time the library may spend retrying one request, in seconds. */
  retrySeconds: number;
  maxRetries?: number;
  maxRetryDelay?: number;
  projectId?: string;
}

export function storageClients(options: StorageClientOptions): StorageClients {
  const retryOptions = { maxRetries: options.maxRetries ?? 5, totalTimeout: options.retrySeconds, maxRetryDelay: options.maxRetryDelay ?? 8, retryDelayMultiplier: 2 };
  const base = { crc32cGenerator: fastCrc32c, ...(options.projectId ? { projectId: options.projectId } : {}) };
  return {
    requests: new Storage({ ...base, retryOptions: { ...retryOptions, autoRetry: true } }),
    downloads: new Storage({ ...base, retryOptions: { ...retryOptions, autoRetry: false } }),
  };
}
