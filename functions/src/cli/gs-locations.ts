/**
 * gs:// locations named on a command line: each is listed first, so a typo fails before anything is
 * read. The storage library is loaded only when a command names one.
 */
import { parseGsLocation } from '../core/gcs/download.js';
import { listExportObjects, type ExportObject } from '../core/gcs/scan-objects.js';
import { terminalSafe } from '../core/report/terminal-text.js';
import { UsageError } from './args.js';

export async function listGsLocations(command: string, locations: readonly string[]) {
  const { storageClients } = await import('../core/gcs/storage-clients.js');
  // Listing is a JSON request the library may retry; object reads use the client whose retries are off.
  const { requests, downloads } = storageClients({ retrySeconds: 60 });
  const listed: ExportObject[] = [];
  for (const uri of locations) {
    const location = parseGsLocation(uri);
    if (!location) throw new UsageError(`${command}: ${terminalSafe(uri, 200)} is not a gs://BUCKET[/PREFIX] location`);
    const found = await listExportObjects(requests, location).catch((error: Error & { code?: unknown }) => {
      throw new UsageError(`${command}: cannot list ${terminalSafe(uri, 200)}: ${error.code === 404 ? 'no such bucket' : terminalSafe(error.message.split('\n')[0] ?? '', 200)}`);
    });
    if (found.length === 0) throw new UsageError(`${command}: no export objects or evidence summaries (*.json, *.jsonl, *.ndjson, .gz) under ${terminalSafe(uri, 200)}`);
    listed.push(...found);
  }
  return { objects: listed, downloads };
}
