/**
 * A gzip file gunzipped on a worker thread (the bundled gunzip-worker.js) reaches the scan byte for
 * byte, in order, through the two shared slots; a truncated or corrupt file fails as the in-thread
 * gunzip does (zlib's code, after the readable prefix), and so does a scan of it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { GunzipAhead, gunzipAhead } from '../../../functions/src/core/read/gunzip-ahead.js';
import { scanFiles, startGunzipEarly } from '../../../functions/src/core/read/scan-files.js';
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

describe('GunzipAhead, started before it is read', () => {
  it('keeps its thread while the reader has not come yet, then passes every byte', async () => {
    await withTempDir(async (dir) => {
      const text = Buffer.from(sampleText(20_000));
      const file = join(dir, 'batch.json.gz');
      await writeFile(file, gzipSync(text));
      const started = new GunzipAhead(file, script, 4096);
      // Both slots fill, and the thread waits (asynchronously) for one to be emptied.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(started.unread).toBe(true);
      const { bytes } = await collect(started.chunks());
      expect(bytes.equals(text)).toBe(true);
      expect(started.unread).toBe(false);
      await expect(collect(started.chunks())).rejects.toThrow(/read already/);
    });
  });

  it('fails, not waits forever, when its thread exits with both slots full and no end written', async () => {
    await withTempDir(async (dir) => {
      // A thread that misbehaves: fills both slots, then exits without writing the end.
      const broken = join(dir, 'fills-and-exits.mjs');
      await writeFile(
        broken,
        [
          "import { workerData } from 'node:worker_threads';",
          'const control = new Int32Array(workerData.control);',
          'for (const slot of [0, 1]) { Atomics.store(control, slot, workerData.slotBytes); Atomics.notify(control, slot); }',
        ].join('\n'),
      );
      const started = new GunzipAhead(join(dir, 'unused.json.gz'), broken, 4096);
      // Read only once it has gone (as when a thread started early crashes before its file's turn).
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expect(collect(started.chunks())).rejects.toThrow(/exited \(code 0\)/);
    });
  }, 10_000);

  it('stops a thread that is never read: nothing can be read from it after close()', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'batch.json.gz');
      await writeFile(file, gzipSync(sampleText(20_000)));
      const started = new GunzipAhead(file, script, 4096);
      await started.close();
      // Both slots may have been filled before it stopped; the rest never comes.
      await expect(collect(started.chunks())).rejects.toThrow(/gunzip of .*batch\.json\.gz: its thread exited/);
    });
  }, 10_000);
});

describe('startGunzipEarly', () => {
  const threaded = { script, minBytes: 1024 };

  it('starts a thread only for a first file that is gzip and large enough', async () => {
    await withTempDir(async (dir) => {
      const big = join(dir, 'big.json.gz');
      const small = join(dir, 'small.json.gz');
      const plain = join(dir, 'plain.json');
      await writeFile(big, gzipSync(sampleText(20_000)));
      await writeFile(small, gzipSync(sampleText(3)));
      await writeFile(plain, sampleText(20_000));
      const started = await startGunzipEarly([big, plain], threaded);
      expect(started?.path).toBe(big);
      await started?.close();
      expect(await startGunzipEarly([plain, big], threaded)).toBeUndefined();
      expect(await startGunzipEarly([small, big], threaded)).toBeUndefined();
      expect(await startGunzipEarly([join(dir, 'gone.json.gz'), big], threaded)).toBeUndefined();
      expect(await startGunzipEarly([], threaded)).toBeUndefined();
    });
  });

  it('is read by the scan of that file, once: the same file named again gets a thread of its own', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'batch.json.gz');
      await writeFile(file, gzipSync(Array.from({ length: 3000 }, (_, i) => gcsLines[i % gcsLines.length]).join('\n')));
      const started = await startGunzipEarly([file, file], threaded);
      const events: unknown[] = [];
      const inThread: unknown[] = [];
      try {
        const scan = await scanFiles([file, file], { onEvent: (e) => events.push(e), gunzipThread: { ...threaded, started: started! } });
        expect(started!.unread).toBe(false);
        expect(scan.stats.fileErrors).toBe(0);
        expect(scan.stats.parsed).toBe(6000);
      } finally {
        await started?.close();
      }
      await scanFiles([file, file], { onEvent: (e) => inThread.push(e) });
      expect(events).toEqual(inThread);
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
