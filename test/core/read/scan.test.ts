import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { decodeStream, joinChunks, JOINED_CHUNK_BYTES, listInputFiles, MissingPathError, readFileRange } from '../../../functions/src/core/read/input-files.js';
import { scanFiles } from '../../../functions/src/core/read/scan-files.js';
import type { AccessEvent } from '../../../functions/src/core/access-event.js';
import { buildScenario, DEFAULT_OPTIONS } from '../../../examples/scenario.js';
import { chunked, linesAddUp, pgLine, scanBytes, formatFixtures, withTempDir, writeTruncatedGzip } from '../../support/fixtures.js';
import { emptyStats, ProblemLog, scanStream } from '../../../functions/src/core/read/scan.js';
import { PostgresSessions } from '../../../functions/src/core/parse/postgres-log.js';
import { StatementChunks } from '../../../functions/src/core/parse/cloudsql-pgaudit.js';

let gcsLines: string[];
beforeAll(async () => {
  gcsLines = (await readFile(join(formatFixtures, 'gcs-data-access.jsonl'), 'utf8')).split('\n').filter(Boolean);
});

describe('scanning a batch: bad input is counted and reported, never fatal', () => {
  it('audits valid lines around an unparseable one and names its line', async () => {
    const { events, stats, problems } = await scanBytes([gcsLines[0], '{"broken": ', gcsLines[1]].join('\n'));
    expect(events).toHaveLength(2);
    expect(stats).toMatchObject({ lines: 3, parsed: 2, bad: 1 });
    expect(problems.list()).toEqual([expect.objectContaining({ category: 'bad', file: 'batch.json', line: 2 })]);
    expect(linesAddUp(stats)).toBe(true);
  });

  it('counts an unknown @type as unknown with its line', async () => {
    const unknown = gcsLines[0]!.replace('google.cloud.audit.AuditLog', 'google.cloud.Mystery');
    const { stats, problems } = await scanBytes([unknown, gcsLines[1]].join('\n'));
    expect(stats).toMatchObject({ unknown: 1, parsed: 1 });
    expect(problems.list()[0]).toMatchObject({ category: 'unknown', line: 1 });
  });

  it('strips a UTF-8 BOM from the first line', async () => {
    const { stats } = await scanBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(gcsLines.join('\n'))]));
    expect(stats).toMatchObject({ parsed: 2, bad: 0 });
  });

  it('accepts CRLF line ends, split across chunk boundaries', async () => {
    const { stats } = await scanBytes(gcsLines.join('\r\n') + '\r\n', { chunkSize: 7 });
    expect(stats).toMatchObject({ lines: 2, parsed: 2, bad: 0 });
  });

  it('audits a line with invalid UTF-8 (replaced) and warns with its line number', async () => {
    const line = Buffer.from(gcsLines[0]!.replace('curl/8.0.1', 'curl/XX'));
    const at = line.indexOf('XX');
    line[at] = 0xff;
    line[at + 1] = 0xfe;
    const { events, stats, problems } = await scanBytes(Buffer.concat([line, Buffer.from('\n'), Buffer.from(gcsLines[1]!)]));
    expect(events).toHaveLength(2);
    expect(events[0]!.userAgent).toContain('\ufffd');
    expect(stats.warnings).toBe(1);
    expect(problems.list()[0]).toMatchObject({ category: 'warning', line: 1 });
  });

  it('skips a line of many MB with bounded memory and audits the following lines', async () => {
    const huge = `{"textPayload":"${'a'.repeat(20 * 1024 * 1024)}"}`;
    const { events, stats, problems } = await scanBytes([gcsLines[0], huge, gcsLines[1]].join('\n'), { chunkSize: 1024 * 1024 });
    expect(events).toHaveLength(2);
    expect(stats).toMatchObject({ lines: 3, bad: 1 });
    expect(problems.list()[0]!.message).toMatch(/line of 20\.0 MiB is over the 4\.0 MiB limit/);
    expect(problems.list()[0]!.line).toBe(2);
  });

  it('handles an oversized last line without a newline', async () => {
    const { stats } = await scanBytes(`${gcsLines[0]}\n${'x'.repeat(5000)}`, { maxLineBytes: 4096, chunkSize: 1000 });
    expect(stats).toMatchObject({ lines: 2, parsed: 1, bad: 1 });
  });

  it('reads an empty file as zero lines', async () => {
    const { stats } = await scanBytes('');
    expect(stats).toMatchObject({ files: 1, lines: 0, events: 0 });
  });

  it('counts blank lines as skipped', async () => {
    const { stats } = await scanBytes(`${gcsLines[0]}\n\n   \n${gcsLines[1]}\n`);
    expect(stats).toMatchObject({ lines: 4, parsed: 2, skipped: 2 });
    expect(linesAddUp(stats)).toBe(true);
  });

  it('keeps only a few problems per file, with a total', async () => {
    const { stats, problems } = await scanBytes(Array.from({ length: 40 }, () => 'nope').join('\n'));
    expect(stats.bad).toBe(40);
    const list = problems.list();
    expect(list.filter((p) => p.category === 'bad')).toHaveLength(5);
    expect(list.at(-1)!.message).toBe('40 bad lines in all (only the first 5 are listed)');
  });
});

describe('a stream that continues a file (a part of it read on its own, as the parallel scan does)', () => {
  it('leaves postgres.log halves whose other half comes later to its caller, so they still join', async () => {
    const received = pgLine(7, '[unknown]', '[unknown]', 'LOG', 'connection received: host=203.0.113.7 port=5000');
    const authorized = pgLine(7, 'app', 'db', 'LOG', 'connection authorized: user=app database=db');
    const now = () => Date.parse('2025-03-03T02:00:00Z');
    const whole = { stats: emptyStats(), events: [] as AccessEvent[] };
    await scanStream('pg.json', chunked(Buffer.from(`${received}\n${authorized}\n`)), { stats: whole.stats, problems: new ProblemLog(), onEvent: (e) => whole.events.push(e), now });
    expect(whole.events).toHaveLength(1);

    // The same lines read as two parts of one file, sharing the join state: the caller drains it at the end.
    const parts = { stats: emptyStats(), events: [] as AccessEvent[] };
    const continues = { sessions: new PostgresSessions(), chunks: new StatementChunks() };
    const options = { stats: parts.stats, problems: new ProblemLog(), onEvent: (e: AccessEvent) => parts.events.push(e), now };
    await scanStream('pg.json', chunked(Buffer.from(`${received}\n`)), { ...options, continues: { firstLine: 1, ...continues } });
    expect(parts.events).toHaveLength(0);
    await scanStream('pg.json', chunked(Buffer.from(`${authorized}\n`)), { ...options, continues: { firstLine: 2, ...continues } });
    parts.events.push(...continues.sessions.drain(), ...continues.chunks.drain());
    expect(parts.events).toEqual(whole.events);
    expect(parts.events[0]).toMatchObject({ source: { key: 'ip:203.0.113.7' }, credential: { key: 'db-user:app' } });
  });
});

describe('input files', () => {
  it('walks directories recursively, reads .json, .jsonl and .gz, in sorted order', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'a/b'), { recursive: true });
      await writeFile(join(dir, 'a/b/01:00:00_01:59:59_S0.json'), gcsLines[0]!);
      await writeFile(join(dir, 'a/x.jsonl.gz'), gzipSync(gcsLines[1]!));
      await writeFile(join(dir, 'a/README.md'), 'not an export');
      const files = await listInputFiles([dir]);
      expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['a/b/01:00:00_01:59:59_S0.json', 'a/x.jsonl.gz']);
      const events: unknown[] = [];
      const scan = await scanFiles(files, { onEvent: (e) => events.push(e) });
      expect(events).toHaveLength(2);
      expect(scan.stats.files).toBe(2);
    });
  });

  it('reads a plain file of many chunks through two buffers in turn: the same events, counts and problems as its bytes in memory', async () => {
    await withTempDir(async (dir) => {
      const { files } = buildScenario({ ...DEFAULT_OPTIONS, historyDays: 1, gzipOldHistory: false });
      const lines = files.flatMap((f) => (f.path.endsWith('.gz') ? gunzipSync(f.content) : f.content).toString('utf8').split('\n').filter(Boolean));
      // Over 6 MiB (2 MiB reads: each buffer read into again), with a BOM, CRLF ends, a bad line and
      // postgres.log halves joined across reads; no final newline.
      const body = Array.from({ length: 16 }, (_, round) => lines.map((l, i) => (i % 50 === round ? `${l}\r` : l)).join('\n')).join('\n{"broken":\n');
      const bytes = Buffer.from(`\ufeff${body}`);
      expect(bytes.length).toBeGreaterThan(6 * 1024 * 1024);
      const file = join(dir, 'batch.json');
      await writeFile(file, bytes);
      const events: AccessEvent[] = [];
      const scan = await scanFiles([file], { onEvent: (e) => events.push(e), now: () => Date.parse('2026-11-24T00:00:00Z') });
      const inMemory = await scanBytes(bytes, { file });
      expect(scan.stats.bad).toBe(15);
      expect({ ...scan.stats, files: 0 }).toEqual({ ...inMemory.stats, files: 0 });
      expect(scan.problems.list()).toEqual(inMemory.problems.list());
      expect(events.map((e) => ({ ...e, timeMs: undefined, groupKey: undefined }))).toEqual(inMemory.events.map((e) => ({ ...e, timeMs: undefined, groupKey: undefined })));
    });
  });

  it('reads a plain stream (a download) through one reused buffer of joined chunks: the same events, counts and problems as its bytes in memory', async () => {
    const { files } = buildScenario({ ...DEFAULT_OPTIONS, historyDays: 1, gzipOldHistory: false });
    const lines = files.flatMap((f) => (f.path.endsWith('.gz') ? gunzipSync(f.content) : f.content).toString('utf8').split('\n').filter(Boolean));
    // Over 3 MiB (the joined buffer filled and reused), with a BOM, CRLF ends, bad lines and
    // postgres.log halves joined across chunks; no final newline.
    const body = Array.from({ length: 8 }, (_, round) => lines.map((l, i) => (i % 50 === round ? `${l}\r` : l)).join('\n')).join('\n{"broken":\n');
    const bytes = Buffer.from(`\ufeff${body}`);
    expect(bytes.length).toBeGreaterThan(3 * JOINED_CHUNK_BYTES);
    const events: AccessEvent[] = [];
    const stats = emptyStats();
    const problems = new ProblemLog();
    // 64 KiB less a few bytes, as a socket's reads come: the joined chunks end mid-line.
    const download = Readable.from(chunked(bytes, 65_521));
    await scanStream('batch.json', decodeStream(download), { stats, problems, onEvent: (e) => events.push(e), now: () => Date.parse('2026-11-24T00:00:00Z') });
    const inMemory = await scanBytes(bytes, { chunkSize: bytes.length });
    expect(stats.bad).toBe(7);
    expect(stats).toEqual(inMemory.stats);
    expect(problems.list()).toEqual(inMemory.problems.list());
    expect(events.map((e) => ({ ...e, timeMs: undefined, groupKey: undefined }))).toEqual(inMemory.events.map((e) => ({ ...e, timeMs: undefined, groupKey: undefined })));
  });

  it('joins a stream\'s chunks into chunks of the size asked, in one buffer, the last one shorter', async () => {
    const bytes = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    const sizes = [7, 1, 30, 2, 45, 15];
    async function* parts() {
      let at = 0;
      for (const size of sizes) {
        yield bytes.subarray(at, at + size);
        at += size;
      }
    }
    const seen: Buffer[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const chunk of joinChunks(parts(), 16)) {
      seen.push(Buffer.from(chunk));
      buffers.add(chunk.buffer);
    }
    expect(seen.map((c) => c.length)).toEqual([16, 16, 16, 16, 16, 16, 4]);
    expect(Buffer.concat(seen)).toEqual(bytes);
    // One buffer, reused: a chunk is valid until the next is asked for.
    expect(buffers.size).toBe(1);
  });

  it('reads a byte range of a file in two buffers in turn: exactly its bytes, counted as they come', async () => {
    await withTempDir(async (dir) => {
      // 5 MiB and a bit: more than two 2 MiB reads.
      const bytes = Buffer.alloc(5 * 1024 * 1024 + 333, 0);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 10)) & 255;
      const file = join(dir, 'batch.json');
      await writeFile(file, bytes);
      for (const [start, end] of [[0, bytes.length], [1, 2], [4_097, 4 * 1024 * 1024 + 5], [bytes.length - 10, bytes.length + 100], [100, 100]] as const) {
        const seen: Buffer[] = [];
        const buffers = new Set<ArrayBufferLike>();
        let counted = 0;
        for await (const chunk of readFileRange(file, start, end, (n) => (counted += n))) {
          seen.push(Buffer.from(chunk));
          buffers.add(chunk.buffer);
        }
        const want = bytes.subarray(start, Math.min(end, bytes.length));
        expect(Buffer.concat(seen).equals(want), `[${start}, ${end})`).toBe(true);
        expect(counted).toBe(want.length);
        expect(buffers.size).toBeLessThanOrEqual(2);
      }
    });
  });

  it('rejects a missing path with a typed error', async () => {
    await expect(listInputFiles(['/no/such/path'])).rejects.toBeInstanceOf(MissingPathError);
  });

  it('decides gzip by content, not by name', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'plain-name.json');
      await writeFile(file, gzipSync(gcsLines.join('\n')));
      const scan = await scanFiles([file], { onEvent: () => undefined });
      expect(scan.stats.parsed).toBe(2);
    });
  });

  it('audits the readable prefix of a truncated gzip and reports the file', async () => {
    await withTempDir(async (dir) => {
      const file = await writeTruncatedGzip(dir, gcsLines);
      const events: unknown[] = [];
      const scan = await scanFiles([file], { onEvent: (e) => events.push(e) });
      expect(events.length).toBeGreaterThan(0);
      expect(events.length).toBeLessThan(2000);
      expect(scan.stats.fileErrors).toBe(1);
      expect(scan.problems.list()[0]!.message).toMatch(/truncated or corrupt after line \d+/);
      expect(linesAddUp(scan.stats)).toBe(true);
    });
  });

  it('reports a file that is not gzip at all but claims to be', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'bad.json.gz');
      await writeFile(file, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('garbage garbage garbage')]));
      const scan = await scanFiles([file], { onEvent: () => undefined });
      expect(scan.stats.fileErrors).toBe(1);
    });
  });
});
