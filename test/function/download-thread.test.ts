/**
 * The function's download: a plain GET of the object's media (core/gcs/media-download.ts) on its
 * own thread (download-thread.ts, the bundled download-worker.js), against the loopback GCS
 * server — every byte in order, gzip gunzipped, the CRC32C checked, HTTP errors with their status,
 * and the request authorized by the storage client's own credentials where they apply.
 */
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaBytes, MediaDownloadError, mediaRequest } from '../../functions/src/core/gcs/media-download.js';
import { storageClients } from '../../functions/src/core/gcs/storage-clients.js';
import { DownloadThread, downloadWorkerScript } from '../../functions/src/function/download-thread.js';
import { FakeGcsServer } from '../support/gcs-server.js';
import { repoRoot } from '../support/fixtures.js';

const script = join(repoRoot, 'functions/dist/download-worker.js');
let server: FakeGcsServer;
let storage: Storage;

beforeAll(async () => {
  server = new FakeGcsServer();
  process.env['STORAGE_EMULATOR_HOST'] = await server.start();
  storage = storageClients({ projectId: 'test', retrySeconds: 10 }).downloads;
});
afterAll(async () => {
  delete process.env['STORAGE_EMULATOR_HOST'];
  await server.stop();
});

/** Numbered lines with a pseudo-random tail (does not compress to nothing). */
function sampleText(lines: number): string {
  let seed = 11;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  return Array.from({ length: lines }, (_, i) => `{"line":${i},"tail":"${next().toString(36)}${next().toString(36)}"}\n`).join('');
}

/** Every chunk copied as it comes (slots are reused once the next chunk is asked for). */
async function read(thread: DownloadThread, onBytes?: (n: number) => void): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of thread.chunks(onBytes)) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

async function threadFor(name: string, generation: number, slotBytes = 4096): Promise<DownloadThread> {
  return new DownloadThread(`gs://logs/${name}`, await mediaRequest(storage, { bucket: 'logs', name, generation: String(generation) }), script, slotBytes);
}

describe('the download thread', () => {
  it('passes every byte in order through small slots, and counts the bytes downloaded', async () => {
    const text = Buffer.from(sampleText(5_000));
    const generation = server.put('logs', 'exports/a b#1.json', text);
    let counted = 0;
    const bytes = await read(await threadFor('exports/a b#1.json', generation), (n) => (counted += n));
    expect(bytes.equals(text)).toBe(true);
    expect(counted).toBe(text.length);
    expect(server.requests.filter((r) => r.op === 'media' && r.object === 'exports/a b#1.json')).toHaveLength(1);
  });

  it('gunzips a gzip object (decided by its bytes), counting the compressed bytes', async () => {
    const text = Buffer.from(sampleText(5_000));
    const gz = gzipSync(text);
    const generation = server.put('logs', 'exports/b.json.gz', gz, 'application/gzip');
    let counted = 0;
    expect((await read(await threadFor('exports/b.json.gz', generation), (n) => (counted += n))).equals(text)).toBe(true);
    expect(counted).toBe(gz.length);
  });

  it('fails with the HTTP status for an object that is gone, and with the server’s words for a 503', async () => {
    const missing = await read(await threadFor('exports/never.json', 1)).catch((error: unknown) => error);
    expect((missing as { code?: unknown }).code).toBe(404);
    const generation = server.put('logs', 'exports/c.json', sampleText(10));
    server.fault({ op: 'media', object: 'exports/c.json' }, { type: 'status', status: 503, body: 'backend unavailable' });
    const unavailable = await read(await threadFor('exports/c.json', generation)).catch((error: unknown) => error);
    expect((unavailable as { code?: unknown }).code).toBe(503);
    expect((unavailable as Error).message).toMatch(/HTTP 503: .*backend unavailable/);
  });

  it('fails on a connection reset in the middle of the body, after passing on what came before it', async () => {
    const text = Buffer.from(sampleText(20_000));
    const generation = server.put('logs', 'exports/d.json', text);
    server.fault({ op: 'media', object: 'exports/d.json' }, { type: 'reset-after', bytes: 100_000 });
    const parts: Buffer[] = [];
    const failure = await (async () => {
      for await (const chunk of (await threadFor('exports/d.json', generation)).chunks()) parts.push(Buffer.from(chunk));
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    const prefix = Buffer.concat(parts);
    expect(prefix.length).toBeLessThan(text.length);
    expect(prefix.equals(text.subarray(0, prefix.length))).toBe(true);
  });

  it('stops, not waits, when closed while the server is slow', async () => {
    const generation = server.put('logs', 'exports/e.json', sampleText(20_000));
    server.fault({ op: 'media', object: 'exports/e.json' }, { type: 'slow', chunkBytes: 1024, delayMs: 200 });
    const thread = await threadFor('exports/e.json', generation);
    setTimeout(() => void thread.close(), 300);
    await expect(read(thread)).rejects.toThrow(/download of gs:\/\/logs\/exports\/e\.json: its thread exited/);
  }, 10_000);

  it('finds its bundled worker beside the bundle, else the build’s', () => {
    expect(downloadWorkerScript(join(repoRoot, 'functions/src/function'))).toBe(script);
    expect(downloadWorkerScript(join(repoRoot, 'functions/dist'))).toBe(script);
  });
});

describe('mediaBytes', () => {
  it('refuses bytes whose CRC32C is not the one the server reports', async () => {
    const generation = server.put('logs', 'exports/f.json', sampleText(100));
    server.prepare('logs', 'exports/f.json');
    // One byte changed after the server took the object's hashes.
    const stored = server.get('logs', 'exports/f.json')!.data;
    stored[10] = stored[10]! ^ 1;
    const request = await mediaRequest(storage, { bucket: 'logs', name: 'exports/f.json', generation: String(generation) });
    const failure = await (async () => {
      for await (const _ of mediaBytes(request));
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MediaDownloadError);
    expect((failure as MediaDownloadError).code).toBe('CONTENT_DOWNLOAD_MISMATCH');
  });
});

describe('mediaRequest', () => {
  it('asks for the generation’s media at the client’s endpoint, without credentials against an emulator', async () => {
    const request = await mediaRequest(storage, { bucket: 'logs', name: 'a/b c#1.json', generation: '17' });
    expect(request.url).toBe(`${process.env['STORAGE_EMULATOR_HOST']}/storage/v1/b/logs/o/a%2Fb%20c%231.json?alt=media&generation=17`);
    expect(request.headers).toMatchObject({ 'accept-encoding': 'gzip', 'cache-control': 'no-store' });
    expect(request.headers['authorization']).toBeUndefined();
  });

  it('carries the client’s credentials where it authenticates (here an auth client that answers with a fixed token: no network)', async () => {
    const asked: string[] = [];
    const authClient = { getRequestHeaders: async (url: string) => (asked.push(url), new Headers({ Authorization: 'Bearer token-for-test' })) };
    const authed = new Storage({ projectId: 'test', apiEndpoint: 'https://storage.example.test', useAuthWithCustomEndpoint: true, authClient: authClient as never });
    const request = await mediaRequest(authed, { bucket: 'logs', name: 'x.json', generation: '3' });
    expect(request.url).toBe('https://storage.example.test/storage/v1/b/logs/o/x.json?alt=media&generation=3');
    expect(request.headers['authorization']).toBe('Bearer token-for-test');
    expect(asked).toEqual([request.url]);
  });
});
