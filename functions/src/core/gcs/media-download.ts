/**
 * One export object's bytes, downloaded by a plain HTTP GET of its media URL — the JSON API's
 * `objects.get` with `alt=media`, as @google-cloud/storage asks for it — and checked against the
 * CRC32C Cloud Storage reports, as that library checks its downloads.
 *
 * Why not the library's stream: this runs on the function's download thread, and a worker that
 * loads the storage library was no faster and heavier (the bench's 1 GiB Cloud Storage shard peaked
 * at 250-281 MiB; docs/throughput.md, "The download on its own thread"). The library still does
 * the rest: it authorizes the request (mediaRequest asks its auth client for the headers) and
 * every other request of the function.
 *
 * mediaRequest runs where the Storage client lives; mediaBytes needs only Node's built-ins and the
 * checksum, so it runs on the function's download thread (function/download-worker.ts).
 * https://cloud.google.com/storage/docs/json_api/v1/objects/get
 * https://cloud.google.com/storage/docs/hashes-etags
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Storage } from '@google-cloud/storage';
import { FastCrc32c } from './crc32c.js';

/** A GET of one object generation's media: its URL and headers, authorization included. */
export interface MediaRequest {
  url: string;
  headers: Record<string, string>;
}

/** A download that failed: `code` is the HTTP status where the server answered with one. */
export class MediaDownloadError extends Error {
  override readonly name = 'MediaDownloadError';
  constructor(
    message: string,
    readonly code?: number | string,
  ) {
    super(message);
  }
}

/** Bytes of an error answer's body kept for the message. */
const ERROR_BODY_BYTES = 2048;

/**
 * The request for one generation of an object, built from the client's endpoint and credentials
 * (none against an emulator, as the library itself does unless told to authenticate there).
 */
export async function mediaRequest(storage: Storage, object: { bucket: string; name: string; generation: string }): Promise<MediaRequest> {
  const url = `${storage.apiEndpoint}/storage/v1/b/${encodeURIComponent(object.bucket)}/o/${encodeURIComponent(object.name)}?alt=media&generation=${encodeURIComponent(object.generation)}`;
  // As the library asks: objects stored gzip-encoded come as stored (decodeStream gunzips them, and
  // their checksum is then the stored bytes'), and no cache answers.
  const headers: Record<string, string> = { 'accept-encoding': 'gzip', 'cache-control': 'no-store', 'user-agent': 'log-audit' };
  if (!storage.customEndpoint || storage.useAuthWithCustomEndpoint) {
    const auth = await storage.authClient.getRequestHeaders(url);
    for (const [name, value] of auth.entries()) headers[name.toLowerCase()] = value;
  }
  return { url, headers };
}

/**
 * The object's bytes as they arrive (gzip-encoded ones as stored), then a check of their CRC32C
 * against the `x-goog-hash` the server sent, where it applies (as the library decides: the object
 * is stored as it came, or stored gzip-encoded and came so). Throws a MediaDownloadError for an
 * error status (its `code`), a body that ends short of its length, or a checksum that differs; a
 * reset connection throws Node's error. `onRaw` sees the bytes as they arrive.
 */
export async function* mediaBytes(request: MediaRequest, onRaw?: (n: number) => void): AsyncGenerator<Buffer> {
  const response = await get(request);
  const status = response.statusCode ?? 0;
  if (status !== 200) {
    const body = await errorBody(response);
    throw new MediaDownloadError(`download failed with HTTP ${status}${body ? `: ${body}` : ''}`, status);
  }
  const headers = response.headers;
  const compressed = headers['content-encoding'] === 'gzip';
  const stored = headers['x-goog-stored-content-encoding'];
  const expected = /(?:^|,)\s*crc32c=([^,\s]+)/.exec(String(headers['x-goog-hash'] ?? ''))?.[1];
  const crc = expected && (stored === 'identity' || (stored === 'gzip' && compressed)) ? new FastCrc32c() : undefined;
  // A transcoded body's length is not the header's (the server may send it chunked anyway).
  const length = compressed ? undefined : Number(headers['content-length'] ?? Number.NaN);
  let received = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    received += chunk.length;
    onRaw?.(chunk.length);
    crc?.update(chunk);
    yield chunk;
  }
  if (length !== undefined && Number.isFinite(length) && received !== length) throw new MediaDownloadError(`download ended after ${received} of ${length} bytes`);
  if (crc && !crc.validate(expected!)) throw new MediaDownloadError(`downloaded bytes do not match the object's CRC32C (${expected})`, 'CONTENT_DOWNLOAD_MISMATCH');
}

function get(request: MediaRequest): Promise<IncomingMessage> {
  const send = request.url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => send(request.url, { method: 'GET', headers: request.headers }, resolve).on('error', reject).end());
}

async function errorBody(response: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  let kept = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      if (kept < ERROR_BODY_BYTES) parts.push(chunk.subarray(0, ERROR_BODY_BYTES - kept));
      kept += chunk.length;
    }
  } catch {
    // The body's text is only for the message.
  }
  return Buffer.concat(parts).toString('utf8').replace(/\s+/g, ' ').trim();
}
