/**
 * The main thread's side of the download thread (download-worker.ts): one export object's bytes,
 * downloaded, checked and gunzipped there, read here from shared slots (core/read/byte-slots.ts).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { MediaRequest } from '../core/gcs/media-download.js';
import { slotTask, ThreadBytes, type SlotTask } from '../core/read/byte-slots.js';

/** The download thread's task: the request, and the slots it writes into. */
export interface DownloadTask extends SlotTask {
  request: MediaRequest;
}

/** Slots of 2 MiB, as the CLI's reads of a plain file (READ_AHEAD_CHUNK_BYTES). */
export const DOWNLOAD_SLOT_BYTES = 2 * 1024 * 1024;

/** One object's download thread, started when this is made; its bytes are read once, through chunks(). */
export class DownloadThread extends ThreadBytes {
  constructor(label: string, request: MediaRequest, script: string, slotBytes = DOWNLOAD_SLOT_BYTES) {
    const task: DownloadTask = { ...slotTask(slotBytes), request };
    super(`download of ${label}`, script, task);
  }
}

/**
 * Where download-worker.js is: beside the deployed bundle (index.js, whose folder the bundle gives
 * as `import.meta.dirname`), else — running from the TypeScript sources, in tests — the one
 * `npm run build` writes to functions/dist.
 */
export function downloadWorkerScript(dir: string = import.meta.dirname): string {
  const beside = join(dir, 'download-worker.js');
  return existsSync(beside) ? beside : resolve(dir, '../../dist/download-worker.js');
}
