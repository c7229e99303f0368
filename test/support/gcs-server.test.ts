/** The loopback GCS server speaks enough of the JSON API for the unmodified client library. */
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageClients } from '../../functions/src/core/gcs/storage-clients.js';
import { FakeGcsServer } from './gcs-server.js';

let server: FakeGcsServer;
let storage: Storage;

beforeAll(async () => {
  server = new FakeGcsServer();
  process.env['STORAGE_EMULATOR_HOST'] = await server.start();
  storage = new Storage({ projectId: 'test', retryOptions: { maxRetries: 2, totalTimeout: 10, maxRetryDelay: 1, retryDelayMultiplier: 1.5 } });
});
afterAll(async () => {
  delete process.env['STORAGE_EMULATOR_HOST'];
  await server.stop();
});

describe('fake GCS server with @google-cloud/storage', () => {
  it('multipart upload with ifGenerationMatch: 0 creates once, then 412', async () => {
    const file = storage.bucket('b').file('claims/x#1');
    await file.save('one', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    const error = await file.save('two', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }).catch((e) => e);
    expect(error.code).toBe(412);
    expect(server.get('b', 'claims/x#1')!.data.toString()).toBe('one');
  });

  it('resumable upload works and honours preconditions', async () => {
    const file = storage.bucket('b').file('reports/r.json');
    await file.save(Buffer.alloc(300_000, 'a'), { resumable: true, preconditionOpts: { ifGenerationMatch: 0 } });
    expect(server.get('b', 'reports/r.json')!.data.length).toBe(300_000);
    const gen = server.get('b', 'reports/r.json')!.generation;
    await file.save('replaced', { resumable: true, preconditionOpts: { ifGenerationMatch: gen } });
    expect(server.get('b', 'reports/r.json')!.data.toString()).toBe('replaced');
  });

  it('downloads with hash validation, metadata with string generation', async () => {
    const gen = server.put('logs', 'a/b:c.json', 'hello\nworld\n');
    const [metadata] = await storage.bucket('logs').file('a/b:c.json').getMetadata();
    expect(metadata.generation).toBe(String(gen));
    const [data] = await storage.bucket('logs').file('a/b:c.json', { generation: gen }).download();
    expect(data.toString()).toBe('hello\nworld\n');
  });

  it('the client retries a scripted 503 on a JSON request by itself', async () => {
    server.put('logs', 'retry.json', 'x');
    server.fault({ op: 'metadata', object: 'retry.json' }, { type: 'status', status: 503 });
    const [metadata] = await storage.bucket('logs').file('retry.json').getMetadata();
    expect(metadata.size).toBe('1');
    expect(server.requests.filter((r) => r.op === 'metadata' && r.object === 'retry.json')).toHaveLength(2);
  });

  it('a download client with retries off (as the function uses it) surfaces a scripted 503, then reads', async () => {
    const { downloads } = storageClients({ projectId: 'test', retrySeconds: 10 });
    server.put('logs', 'once.json', 'x');
    server.fault({ op: 'media', object: 'once.json' }, { type: 'status', status: 503 });
    const file = downloads.bucket('logs').file('once.json');
    const error = await file.download().catch((e) => e);
    expect(error.code).toBe(503);
    const [data] = await file.download();
    expect(data.toString()).toBe('x');
  });

  it('a reset in the middle of a body surfaces as a stream error', async () => {
    server.put('logs', 'reset.json', Buffer.alloc(1_000_000, 'y'));
    server.fault({ op: 'media', object: 'reset.json' }, { type: 'reset-after', bytes: 100_000 });
    const stream = storage.bucket('logs').file('reset.json').createReadStream();
    const error = await (async () => {
      for await (const _ of stream) void _;
    })().catch((e) => e);
    expect(error).toBeInstanceOf(Error);
  });
});
