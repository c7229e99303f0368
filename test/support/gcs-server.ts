/**
 * A loopback Cloud Storage JSON-API server for tests: `@google-cloud/storage`, unmodified, talks to
 * it through STORAGE_EMULATOR_HOST. It implements what log-audit uses — object metadata, media
 * download (with Range and x-goog-hash so the client validates), simple/multipart and resumable
 * uploads, generation preconditions (412), listing, delete — and scripted faults: status codes,
 * connection resets before or in the middle of a body, slow bodies and hangs.
 * https://cloud.google.com/storage/docs/json_api/v1/objects
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CRC32C } from '@google-cloud/storage';

export interface StoredObject {
  bucket: string;
  name: string;
  generation: number;
  metageneration: number;
  data: Buffer;
  contentType: string;
  created: string;
}

export type FaultAction =
  | { type: 'status'; status: number; body?: string }
  | { type: 'reset' }
  | { type: 'reset-after'; bytes: number }
  | { type: 'slow'; chunkBytes: number; delayMs: number }
  | { type: 'hang' };

export interface FaultMatch {
  method?: string;
  op?: Operation;
  /** Substring of the object name. */
  object?: string;
}

type Operation = 'media' | 'metadata' | 'upload' | 'list' | 'delete';

interface Fault {
  match: FaultMatch;
  remaining: number;
  action: FaultAction;
}

export interface RequestRecord {
  method: string;
  op: Operation | 'other';
  bucket?: string;
  object?: string;
  status?: number;
}

interface UploadSession {
  bucket: string;
  name: string;
  contentType: string;
  query: URLSearchParams;
  chunks: Buffer[];
}

export class FakeGcsServer {
  private readonly server: Server;
  private readonly objects = new Map<string, StoredObject[]>();
  private readonly sessions = new Map<string, UploadSession>();
  private readonly faults: Fault[] = [];
  private readonly sockets = new Set<Socket>();
  private nextGeneration = 1_700_000_000_000_000;
  readonly requests: RequestRecord[] = [];
  url = '';

  constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.json(res, 500, { error: { code: 500, message: String(error) } });
        else res.destroy();
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Scripts a fault for the next `times` matching requests. */
  fault(match: FaultMatch, action: FaultAction, times = 1): void {
    this.faults.push({ match, remaining: times, action });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Writes an object directly (as a sink would); returns its generation. */
  put(bucket: string, name: string, data: Buffer | string, contentType = 'application/json'): number {
    return this.store(bucket, name, Buffer.isBuffer(data) ? data : Buffer.from(data), contentType).generation;
  }

  /** Computes a stored object's hashes now (a large object's would otherwise delay its first read). */
  prepare(bucket: string, name: string): void {
    const object = this.get(bucket, name);
    if (object) this.hashesOf(object);
  }

  get(bucket: string, name: string): StoredObject | undefined {
    return this.objects.get(`${bucket}/${name}`)?.at(-1);
  }

  /** Current objects whose name starts with `prefix`. */
  list(bucket: string, prefix = ''): StoredObject[] {
    return [...this.objects.entries()]
      .filter(([key, versions]) => key.startsWith(`${bucket}/${prefix}`) && versions.length > 0)
      .map(([, versions]) => versions.at(-1)!)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  remove(bucket: string, name: string): void {
    this.objects.delete(`${bucket}/${name}`);
  }

  private store(bucket: string, name: string, data: Buffer, contentType: string): StoredObject {
    const key = `${bucket}/${name}`;
    const object: StoredObject = { bucket, name, generation: this.nextGeneration++, metageneration: 1, data, contentType, created: new Date().toISOString() };
    this.objects.set(key, [...(this.objects.get(key) ?? []), object]);
    return object;
  }

  /** Hashes per stored object (objects never change once stored): computed once, not per request. */
  private readonly hashes = new WeakMap<StoredObject, { crc32c: string; md5: string }>();

  private hashesOf(o: StoredObject): { crc32c: string; md5: string } {
    let hashes = this.hashes.get(o);
    if (!hashes) {
      const crc = new CRC32C();
      crc.update(o.data);
      hashes = { crc32c: crc.toString(), md5: createHash('md5').update(o.data).digest('base64') };
      this.hashes.set(o, hashes);
    }
    return hashes;
  }

  private resource(o: StoredObject): Record<string, unknown> {
    const { crc32c, md5 } = this.hashesOf(o);
    return {
      kind: 'storage#object',
      id: `${o.bucket}/${o.name}/${o.generation}`,
      selfLink: `${this.url}/storage/v1/b/${o.bucket}/o/${encodeURIComponent(o.name)}`,
      mediaLink: `${this.url}/download/storage/v1/b/${o.bucket}/o/${encodeURIComponent(o.name)}?generation=${o.generation}&alt=media`,
      name: o.name,
      bucket: o.bucket,
      generation: String(o.generation),
      metageneration: String(o.metageneration),
      contentType: o.contentType,
      storageClass: 'STANDARD',
      size: String(o.data.length),
      md5Hash: md5,
      crc32c,
      etag: `C${o.generation}`,
      timeCreated: o.created,
      updated: o.created,
    };
  }

  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  private error(res: ServerResponse, status: number, message: string): void {
    this.json(res, status, { error: { code: status, message, errors: [{ message, reason: status === 412 ? 'conditionNotMet' : 'error' }] } });
  }

  private takeFault(record: RequestRecord): FaultAction | undefined {
    const fault = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.match.method === undefined || f.match.method === record.method) &&
        (f.match.op === undefined || f.match.op === record.op) &&
        (f.match.object === undefined || (record.object ?? '').includes(f.match.object)),
    );
    if (!fault) return undefined;
    fault.remaining--;
    return fault.action;
  }

  private async readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/^\/(download\/)?storage\/v1/, '');
    const method = req.method ?? 'GET';
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const object = /^\/b\/([^/]+)\/o\/(.+)$/.exec(path);
    const list = /^\/b\/([^/]+)\/o$/.exec(path);
    const record: RequestRecord = { method, op: 'other' };
    if (upload) Object.assign(record, { op: 'upload', bucket: upload[1], object: url.searchParams.get('name') ?? this.sessions.get(url.searchParams.get('upload_id') ?? '')?.name });
    else if (object) Object.assign(record, { op: method === 'DELETE' ? 'delete' : url.searchParams.get('alt') === 'media' ? 'media' : 'metadata', bucket: object[1], object: decodeURIComponent(object[2]!) });
    else if (list) Object.assign(record, { op: 'list', bucket: list[1] });
    this.requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));

    const fault = this.takeFault(record);
    if (fault?.type === 'status') {
      await this.readBody(req);
      this.error(res, fault.status, fault.body ?? `scripted ${fault.status}`);
      return;
    }
    if (fault?.type === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.type === 'hang') return; // never answer; the client's timeout must fire

    if (upload) return this.handleUpload(req, res, upload[1]!, url.searchParams);
    if (object) return this.handleObject(req, res, object[1]!, decodeURIComponent(object[2]!), url.searchParams, method, fault);
    if (list && method === 'GET') {
      const prefix = url.searchParams.get('prefix') ?? '';
      return this.json(res, 200, { kind: 'storage#objects', items: this.list(list[1]!, prefix).map((o) => this.resource(o)) });
    }
    this.error(res, 404, `no route for ${method} ${url.pathname}`);
  }

  private preconditionFails(current: StoredObject | undefined, query: URLSearchParams): boolean {
    const match = query.get('ifGenerationMatch');
    if (match !== null && Number(match) !== (current?.generation ?? 0)) return true;
    const notMatch = query.get('ifGenerationNotMatch');
    if (notMatch !== null && Number(notMatch) === (current?.generation ?? 0)) return true;
    const meta = query.get('ifMetagenerationMatch');
    if (meta !== null && Number(meta) !== current?.metageneration) return true;
    return false;
  }

  private async handleObject(req: IncomingMessage, res: ServerResponse, bucket: string, name: string, query: URLSearchParams, method: string, fault: FaultAction | undefined): Promise<void> {
    const versions = this.objects.get(`${bucket}/${name}`) ?? [];
    const wanted = query.get('generation');
    const current = wanted ? versions.find((v) => v.generation === Number(wanted)) : versions.at(-1);
    if (method === 'DELETE') {
      if (!current) return this.error(res, 404, 'No such object');
      if (this.preconditionFails(current, query)) return this.error(res, 412, 'Precondition Failed');
      this.objects.delete(`${bucket}/${name}`);
      res.writeHead(204).end();
      return;
    }
    if (!current) return this.error(res, 404, `No such object: ${bucket}/${name}`);
    if (this.preconditionFails(current, query)) return this.error(res, 412, 'Precondition Failed');
    if (query.get('alt') !== 'media') return this.json(res, 200, this.resource(current));

    let data = current.data;
    let status = 200;
    const headers: Record<string, string> = {
      'content-type': current.contentType,
      'x-goog-generation': String(current.generation),
      'x-goog-metageneration': String(current.metageneration),
      'x-goog-stored-content-encoding': 'identity',
    };
    const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), data.length - 1) : data.length - 1;
      headers['content-range'] = `bytes ${start}-${end}/${data.length}`;
      data = data.subarray(start, end + 1);
      status = 206;
    } else {
      const resource = this.resource(current);
      headers['x-goog-hash'] = `crc32c=${resource['crc32c']},md5=${resource['md5Hash']}`;
    }
    headers['content-length'] = String(data.length);
    res.writeHead(status, headers);
    if (fault?.type === 'reset-after') {
      res.write(data.subarray(0, Math.min(fault.bytes, data.length)), () => setTimeout(() => req.socket.destroy(), 5));
      return;
    }
    if (fault?.type === 'slow') {
      for (let i = 0; i < data.length; i += fault.chunkBytes) {
        if (res.destroyed) return;
        res.write(data.subarray(i, i + fault.chunkBytes));
        await new Promise((r) => setTimeout(r, fault.delayMs));
      }
      res.end();
      return;
    }
    res.end(data);
  }

  private async handleUpload(req: IncomingMessage, res: ServerResponse, bucket: string, query: URLSearchParams): Promise<void> {
    const type = query.get('uploadType');
    const body = await this.readBody(req);
    if (type === 'resumable' && req.method === 'POST') {
      const metadata = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, string>) : {};
      const name = query.get('name') ?? metadata['name'];
      if (!name) return this.error(res, 400, 'name required');
      const current = this.get(bucket, name);
      if (this.preconditionFails(current, query)) return this.error(res, 412, 'Precondition Failed');
      const id = randomUUID();
      this.sessions.set(id, { bucket, name, contentType: metadata['contentType'] ?? String(req.headers['x-upload-content-type'] ?? 'application/octet-stream'), query, chunks: [] });
      res.writeHead(200, { location: `${this.url}/upload/storage/v1/b/${bucket}/o?uploadType=resumable&upload_id=${id}`, 'content-length': '0' });
      res.end();
      return;
    }
    if (type === 'resumable' && req.method === 'PUT') {
      const session = this.sessions.get(query.get('upload_id') ?? '');
      if (!session) return this.error(res, 404, 'No such upload session');
      session.chunks.push(body);
      const received = session.chunks.reduce((n, c) => n + c.length, 0);
      // `bytes a-b/*`: a chunk of an upload of unknown size; `bytes a-*/*` or `…/N` with N received: done.
      const contentRange = /^bytes (\*|\d+-(\d+|\*))\/(\d+|\*)$/.exec(String(req.headers['content-range'] ?? ''));
      const total = contentRange?.[3];
      const openEnded = contentRange?.[2] === '*';
      if (!contentRange || (total === '*' && !openEnded) || (total !== '*' && Number(total) > received)) {
        res.writeHead(308, received > 0 ? { range: `bytes=0-${received - 1}`, 'content-length': '0' } : { 'content-length': '0' });
        res.end();
        return;
      }
      this.sessions.delete(query.get('upload_id')!);
      if (this.preconditionFails(this.get(session.bucket, session.name), session.query)) return this.error(res, 412, 'Precondition Failed');
      return this.json(res, 200, this.resource(this.store(session.bucket, session.name, Buffer.concat(session.chunks), session.contentType)));
    }
    if (type === 'multipart' || type === 'media' || type === null) {
      let metadata: Record<string, string> = {};
      let data = body;
      const boundary = /boundary="?([^";]+)"?/.exec(String(req.headers['content-type'] ?? ''))?.[1];
      if (type === 'multipart' && boundary) {
        const parts = splitMultipart(body, boundary);
        metadata = JSON.parse(parts[0]?.body.toString('utf8') || '{}') as Record<string, string>;
        data = parts[1]?.body ?? Buffer.alloc(0);
        if (!metadata['contentType'] && parts[1]?.contentType) metadata['contentType'] = parts[1].contentType;
      }
      const name = query.get('name') ?? metadata['name'];
      if (!name) return this.error(res, 400, 'name required');
      if (this.preconditionFails(this.get(bucket, name), query)) return this.error(res, 412, 'Precondition Failed');
      return this.json(res, 200, this.resource(this.store(bucket, name, data, metadata['contentType'] ?? 'application/octet-stream')));
    }
    this.error(res, 400, `unsupported uploadType ${type}`);
  }
}

function splitMultipart(body: Buffer, boundary: string): { contentType?: string; body: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { contentType?: string; body: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    let content = part.subarray(headerEnd + 4);
    if (content.subarray(-2).toString() === '\r\n') content = content.subarray(0, -2);
    const contentType = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1];
    parts.push(contentType ? { contentType, body: content } : { body: content });
    at = next;
  }
  return parts;
}
