/** Test helpers: the sample lines in test/fixtures/formats, a parse context, temp dirs, scanning text. */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { AccessEvent } from '../../functions/src/core/access-event.js';
import type { ParseContext } from '../../functions/src/core/parse/log-entry.js';
import { parseLine, type LineOutcome } from '../../functions/src/core/parse/parsers.js';
import { emptyStats, ProblemLog, scanStream, type BatchStats } from '../../functions/src/core/read/scan.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** One sample line per log shape, written by this project (see test/fixtures/README.md). */
export const formatFixtures = join(repoRoot, 'test', 'fixtures', 'formats');

/** The sample lines of one format fixture, parsed as JSON objects. */
export async function sampleEntries(file: string): Promise<Record<string, any>[]> {
  const text = await readFile(join(formatFixtures, file), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

export const ctx: ParseContext = { ref: { file: 'test.json', line: 1 }, latestPlausibleMs: Date.parse('2030-01-01T00:00:00Z') };

export function parse(entry: unknown): LineOutcome {
  return parseLine(typeof entry === 'string' ? entry : JSON.stringify(entry), ctx);
}

/** Parses an entry that must become an event; fails the test with the outcome otherwise. */
export function parseEvent(entry: unknown): AccessEvent {
  const outcome = parse(entry);
  if (outcome.status !== 'parsed') throw new Error(`expected an event, got ${JSON.stringify(outcome)}`);
  return outcome.event;
}

/** A deep copy with a change applied, for negative cases. */
export function variant<T>(entry: T, change: (copy: any) => void): T {
  const copy = structuredClone(entry);
  change(copy);
  return copy;
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'log-audit-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes the first 60% of the gzip of 2,000 lines (the two given, in turn) as `cut.json.gz` in `dir`. */
export async function writeTruncatedGzip(dir: string, lines: readonly string[]): Promise<string> {
  const gz = gzipSync(Array.from({ length: 2000 }, (_, i) => lines[i % 2]).join('\n'));
  const file = join(dir, 'cut.json.gz');
  await writeFile(file, gz.subarray(0, Math.floor(gz.length * 0.6)));
  return file;
}

/** Bytes as a stream of `size`-byte chunks. */
export async function* chunked(bytes: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** Scans bytes as one file; returns the events, stats and problems. */
export async function scanBytes(
  content: Buffer | string,
  options: { chunkSize?: number; maxLineBytes?: number; file?: string; pipelineChanges?: boolean } = {},
): Promise<{ events: AccessEvent[]; stats: BatchStats; problems: ProblemLog }> {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  const events: AccessEvent[] = [];
  const stats = emptyStats();
  const problems = new ProblemLog();
  await scanStream(options.file ?? 'batch.json', chunked(bytes, options.chunkSize), {
    stats,
    problems,
    onEvent: (e) => events.push(e),
    now: () => Date.parse('2026-11-24T00:00:00Z'),
    ...(options.maxLineBytes ? { maxLineBytes: options.maxLineBytes } : {}),
    ...(options.pipelineChanges ? { pipelineChanges: true } : {}),
  });
  return { events, stats, problems };
}

/** `lines = parsed + bad + skipped + unknown`, the invariant every scan keeps. */
export function linesAddUp(stats: BatchStats): boolean {
  return stats.lines === stats.parsed + stats.bad + stats.skipped + stats.unknown;
}

/** Every file under a folder, recursively, in name order. */
export async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walkFiles(path)));
    else out.push(path);
  }
  return out.sort();
}

/** Every file under a folder, by relative path, with its text. */
export async function folderContents(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of await walkFiles(dir)) out[relative(dir, file)] = await readFile(file, 'utf8');
  return out;
}

/** A line of Cloud SQL's postgres.log export: the server's own log line for `pid`, as textPayload. */
export function pgLine(pid: number, user: string, db: string, level: string, message: string, ts = '2025-03-03T01:44:06.143Z'): string {
  return JSON.stringify({
    insertId: `id-${pid}-${message.length}`,
    logName: 'projects/p/logs/cloudsql.googleapis.com%2Fpostgres.log',
    resource: { type: 'cloudsql_database', labels: { database_id: 'p:pg', project_id: 'p', region: 'us-central1' } },
    textPayload: `2025-03-03 01:44:06.143 UTC [${pid}]: [1-1] db=${db},user=${user} ${level}:  ${message}`,
    timestamp: ts,
  });
}
