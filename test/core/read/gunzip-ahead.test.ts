/**
 * A gzip file gunzipped on a worker thread (the bundled gunzip-worker.js) reaches the scan byte for
 * byte, in order, through the two shared slots; a truncated or corrupt file fails as the in-thread
 * gunzip does (zlib's code, after the readable prefix), and so does a scan of it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { gunzipAhead } from '../../../functions/src/core/read/gunzip-ahead.js';
import { scanFiles } from '../../../functions/src/core/read/scan-files.js';
import { formatFixtures, linesAddUp, repoRoot, withTempDir, writeTruncatedGzip } from '../../support/fixtures.js';

const script = join(repoRoot, 'functions/dist/gunzip-worker.js');
let gcsLines: string[];

beforeAll(async () => {
  gcsLines = (await readFile(join(formatFixtures, 'gcs-data-access.jsonl'), 'utf8')).split('\n').filter(Boolean);
});

/** Text that does not compress to nothing: numbered lines with a pseudo-random tail. */
function sampleText(lines: number): string {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  return Array.from({ length: lines }, (_, i) => `{"line":${i},"tail":"${next().toString(36)}${next().toString(36)}"}\n`).join('');
}

/** Every chunk copied as it comes (the slots are reused once the next chunk is asked for). */
async function collect(chunks: AsyncIterable<Buffer>): Promise<{ bytes: Buffer; chunks: number }> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(Buffer.from(chunk));
  return { bytes: Buffer.concat(parts), chunks: parts.length };
}

describe('gunzipAhead', () => {
  it('passes every byte in order through small slots, and counts the compressed bytes read', async () => {
    await withTempDir(async (dir) => {
      const text = Buffer.from(sampleText(20_000));
      const gz = gzipSync(text);
      const file = join(dir, 'batch.json.gz');
      await writeFile(file, gz);
      let read = 0;
      const { bytes, chunks } = await collect(gunzipAhead(file, script, 4096, (n) => (read += n)));
      expect(bytes.equals(text)).toBe(true);
      expect(chunks).toBe(Math.ceil(text.length / 4096));
      expect(read).toBe(gz.length);
    });
  });

  it('yields the readable prefix of a truncated file, then fails with zlib’s code', async () => {
    await withTempDir(async (dir) => {
      const text = Buffer.from(sampleText(20_000));
      const gz = gzipSync(text);
      const file = join(dir, 'cut.json.gz');
      await writeFile(file, gz.subarray(0, Math.floor(gz.length * 0.6)));
      const parts: Buffer[] = [];
      const failure = await (async () => {
        for await (const chunk of gunzipAhead(file, script, 4096)) parts.push(Buffer.from(chunk));
      })().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as { code?: string }).code).toMatch(/^Z_/);
      const prefix = Buffer.concat(parts);
      expect(prefix.length).toBeGreaterThan(0);
      expect(prefix.equals(text.subarray(0, prefix.length))).toBe(true);
    });
  });

  it('fails for a missing file, and stops cleanly when the reader stops early', async () => {
    await withTempDir(async (dir) => {
      await expect(collect(gunzipAhead(join(dir, 'gone.json.gz'), script, 4096))).rejects.toThrow(/ENOENT/);
      const file = join(dir, 'batch.json.gz');
      await writeFile(file, gzipSync(sampleText(20_000)));
      let seen = 0;
      for await (const chunk of gunzipAhead(file, script, 4096)) {
        seen += chunk.length;
        if (seen > 8192) break;
      }
      expect(seen).toBe(3 * 4096);
    });
  });
});

describe('scanFiles with a gunzip thread', () => {
  const threaded = { script, minBytes: 0 };

  it('gives what the in-thread gunzip gives', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'batch.json.gz');
      await writeFile(file, gzipSync(Array.from({ length: 3000 }, (_, i) => gcsLines[i % gcsLines.length]).join('\n')));
      const here: unknown[] = [];
      const there: unknown[] = [];
      const inThread = await scanFiles([file], { onEvent: (e) => here.push(e) });
      const onThread = await scanFiles([file], { onEvent: (e) => there.push(e), gunzipThread: threaded });
      expect(there).toEqual(here);
      expect(onThread.stats).toEqual(inThread.stats);
      expect(onThread.bytes).toBe(inThread.bytes);
      expect(onThread.stats.parsed).toBe(3000);
    });
  });

  it('audits the readable prefix of a truncated gzip and reports the file as the in-thread scan does', async () => {
    await withTempDir(async (dir) => {
      const file = await writeTruncatedGzip(dir, gcsLines);
      const events: unknown[] = [];
      const scan = await scanFiles([file], { onEvent: (e) => events.push(e), gunzipThread: threaded });
      expect(scan.stats.fileErrors).toBe(1);
      expect(scan.problems.list()[0]!.message).toMatch(/truncated or corrupt after line \d+/);
      expect(linesAddUp(scan.stats)).toBe(true);
      const inThreadEvents: unknown[] = [];
      const inThread = await scanFiles([file], { onEvent: (e) => inThreadEvents.push(e) });
      expect(events.length).toBeGreaterThan(0);
      expect(events).toEqual(inThreadEvents);
      expect(scan.stats).toEqual(inThread.stats);
      expect(scan.problems.list()[0]!.message).toBe(inThread.problems.list()[0]!.message);
    });
  });
});
