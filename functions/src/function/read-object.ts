/**
 * Audits one exported object streamed from Cloud Storage — never loaded whole — with the same core
 * as the CLI: downloaded and checked on a thread of its own (download-thread.ts), scanned here.
 * Reading stops at the deadline (BudgetExceededError: a retry starts again, nothing is
 * half-reported). A read that fails (reset, 5xx, 429) is started again from the beginning with
 * fresh counts, after a backoff, so every line is counted once.
 *
 * The Storage client given here (whose endpoint and credentials the download uses) must be the
 * `downloads` client of core/gcs/storage-clients.ts: this loop is the retry.
 */
import { loadSqlParsers } from '../core/sql/analyze.js';
import type { Storage } from '@google-cloud/storage';
import type { LoadedBaseline } from '../core/baseline/store.js';
import { BatchAuditor } from '../core/detect/auditor.js';
import type { Finding } from '../core/detect/finding.js';
import { emptyStats, ProblemLog, scanStream, type BatchStats } from '../core/read/scan.js';
import { evidenceOf, type EvidenceTarget } from '../core/evidence/summary.js';
import { objectReadBackoffMs, realSleep } from '../core/gcs/download.js';
import { mediaRequest } from '../core/gcs/media-download.js';
import { DownloadThread, downloadWorkerScript } from './download-thread.js';
import { BudgetExceededError, RetryableError } from './errors.js';

export interface ObjectAudit {
  findings: Finding[];
  stats: BatchStats;
  problems: ProblemLog;
  bytes: number;
  readAttempts: number;
  /** Targets the batch touched, and how many of them have a baseline. */
  targets: { total: number; baselined: number };
  /** What the batch saw successfully, per target (its evidence summary). */
  evidence: EvidenceTarget[];
}

export interface ReadOptions {
  deadlineMs: number;
  now: () => number;
  maxLineBytes: number;
  burstThreshold: number;
  maxGroups?: number;
  maxGroupsPerTarget?: number;
  /** Whole-object read attempts before giving up to an Eventarc retry. */
  maxAttempts?: number;
  /** Waits between attempts (tests pass one that advances their clock). */
  sleep?: (ms: number) => Promise<void>;
  /** The tamper export: every audit entry is a change to the pipeline. */
  pipelineChanges?: boolean;
  /** The bundled download-worker.js (default: downloadWorkerScript()). */
  downloadWorker?: string;
}

/** Attempts of one object within a run: with the library's retries off, this loop is the retry. */
export const DEFAULT_READ_ATTEMPTS = 5;

/** The object is gone (deleted, or replaced by a newer generation): nothing to audit, ever. */
export class ObjectGoneError extends Error {}

function status(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export async function auditObject(
  storage: Storage,
  object: { bucket: string; name: string; generation: string },
  baselines: readonly LoadedBaseline[],
  options: ReadOptions,
): Promise<ObjectAudit> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_READ_ATTEMPTS;
  const sleep = options.sleep ?? realSleep;
  let lastError: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (options.now() >= options.deadlineMs) break;
    try {
      return { ...(await readOnce(storage, object, baselines, options)), readAttempts: attempt };
    } catch (error) {
      if (error instanceof BudgetExceededError) throw error;
      const code = status(error);
      if (code === 404) throw new ObjectGoneError(`gs://${object.bucket}/${object.name}#${object.generation} no longer exists`);
      lastError = error;
    }
    const wait = objectReadBackoffMs(attempt);
    if (attempt === maxAttempts || options.now() + wait >= options.deadlineMs) break;
    await sleep(wait);
  }
  throw new RetryableError(`reading gs://${object.bucket}/${object.name} failed: ${(lastError as Error | undefined)?.message ?? 'time budget spent'}`);
}

async function readOnce(storage: Storage, object: { bucket: string; name: string; generation: string }, baselines: readonly LoadedBaseline[], options: ReadOptions) {
  const stats = emptyStats();
  const problems = new ProblemLog();
  const auditor = new BatchAuditor(baselines, {
    burstThreshold: options.burstThreshold,
    now: options.now(),
    ...(options.maxGroups ? { maxGroups: options.maxGroups } : {}),
    ...(options.maxGroupsPerTarget ? { maxGroupsPerTarget: options.maxGroupsPerTarget } : {}),
  });
  const label = `gs://${object.bucket}/${object.name}`;
  const download = new DownloadThread(label, await mediaRequest(storage, object), options.downloadWorker ?? downloadWorkerScript());
  let bytes = 0;
  // A stalled body must not outlive the budget: the thread stops at the deadline.
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    void download.close();
  }, Math.max(0, options.deadlineMs - options.now()));
  try {
    await scanStream(label, withDeadline(download.chunks((n) => (bytes += n)), options), {
      stats,
      problems,
      onEvent: (event) => auditor.add(event),
      onRepeated: (repeat) => auditor.addRepeated(repeat),
      maxLineBytes: options.maxLineBytes,
      now: options.now,
      ...(options.pipelineChanges ? { pipelineChanges: true } : {}),
    });
  } catch (error) {
    if (late) throw new BudgetExceededError('time budget spent while reading the object');
    throw error;
  } finally {
    clearTimeout(timer);
    await download.close();
  }
  if (auditor.hasStatements()) await loadSqlParsers();
  return { findings: auditor.findings(), stats, problems, bytes, targets: auditor.targets(), evidence: evidenceOf(auditor.groupsInOrder(), auditor.overflowInOrder()) };
}

async function* withDeadline(chunks: AsyncIterable<Buffer>, options: ReadOptions): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    if (options.now() >= options.deadlineMs) throw new BudgetExceededError('time budget spent while reading the object');
    yield chunk;
  }
}
