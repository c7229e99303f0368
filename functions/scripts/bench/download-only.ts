/**
 * One download of an exported object, its bytes only counted — no scan: what receiving an object
 * costs the function before any audit. Bundled and run by ../download-floor.ts.
 *
 * Arguments: BUCKET OBJECT GENERATION MODE (STORAGE_EMULATOR_HOST names the server), MODE one of
 * - `http`: a bare `http.get` of the object's media URL (no storage client, no checksum);
 * - `client`: the function's way, the storage client's validated stream through `decodeStream`.
 * Prints one JSON line on stderr: { seconds, userSeconds, systemSeconds, bytes }.
 */
import { get } from 'node:http';
import { storageClients } from '../../src/core/gcs/storage-clients.js';
import { decodeStream } from '../../src/core/read/input-files.js';

async function httpBytes(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => resolve(bytes));
      response.on('error', reject);
    }).on('error', reject);
  });
}

async function clientBytes(bucket: string, name: string, generation: string): Promise<number> {
  const storage = storageClients({ projectId: 'bench', retrySeconds: 60 }).downloads;
  let bytes = 0;
  for await (const chunk of decodeStream(storage.bucket(bucket).file(name, { generation }).createReadStream())) bytes += chunk.length;
  return bytes;
}

async function main(): Promise<void> {
  const [bucket, name, generation, mode] = process.argv.slice(2);
  const host = process.env['STORAGE_EMULATOR_HOST'];
  if (!bucket || !name || !generation || (mode !== 'http' && mode !== 'client') || !host) throw new Error('usage: STORAGE_EMULATOR_HOST=… node download-only.js BUCKET OBJECT GENERATION http|client');
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const url = `${host}/download/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(name)}?generation=${generation}&alt=media`;
  const bytes = mode === 'http' ? await httpBytes(url) : await clientBytes(bucket, name, generation);
  const used = process.cpuUsage(cpu);
  process.stderr.write(`${JSON.stringify({ seconds: Number(process.hrtime.bigint() - started) / 1e9, userSeconds: used.user / 1e6, systemSeconds: used.system / 1e6, bytes })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`download failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
