/**
 * The storage-triggered handler: one finalized export object in, at most one Slack digest out.
 *
 *   validate event → claim `bucket/name#generation` (create-only marker) → stream + audit the object
 *   → write the full report → suppress keys posted within the window → mark pending delivery (with
 *   the exact payload) → post → mark delivered → record suppression → mark done.
 *
 * Delivery is at-least-once, so every step is idempotent: a duplicate of a finished batch posts
 * nothing; a retry after a crash between posting and "delivered" re-posts the same stored payload
 * (same digest id) at most once. Transient trouble throws a RetryableError (Eventarc retries, the
 * trigger sets RETRY_POLICY_RETRY); permanent trouble (Slack 4xx, a vanished object, an event past
 * the retry window) is recorded on the marker, logged, and acknowledged.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Storage } from '@google-cloud/storage';
import type { LoadedBaseline } from '../core/baseline/store.js';
import type { Finding } from '../core/detect/finding.js';
import { planDigestSafely, type SlackMessage } from '../core/notify/slack-digest.js';
import { SlackDeliveryError, SlackPermanentError } from '../core/notify/slack-notifier.js';
import { summarize } from '../core/report/summary.js';
import type { BatchLogger, Severity } from './batch-log.js';
import type { FunctionConfig } from './config.js';
import { InProgressElsewhereError, RetryableError } from './errors.js';
import { batchKey, FINALIZED, isLogExport, storageEventSchema } from './event.js';
import { auditObject, ObjectGoneError } from './read-object.js';
import { EVIDENCE_FORMAT, evidenceObjectName, type EvidenceSummary } from '../core/evidence/summary.js';
import { deadLetterRecordName, type DeadLetterRecord } from './dead-letters.js';
import { holdForLearning } from './learning-period.js';
import type { Marker, StateStore, Versioned } from './state.js';
import { applySuppression, decideSuppression, releaseKeys, reserveKeys } from './suppression.js';

export interface Notifier {
  post(message: SlackMessage, deadlineMs: number, options?: { beforeAttempt?: (unconfirmedSoFar: number) => Promise<void> }): Promise<unknown>;
  /** Removes the webhook URL from text before it is logged. */
  scrub(text: string): string;
}

export interface HandlerDeps {
  config: FunctionConfig;
  /** Reads the export objects; the library's own retries must be off (core/gcs/storage-clients.ts). */
  storage: Storage;
  state: StateStore;
  notifier: Notifier;
  baselines: () => Promise<LoadedBaseline[]>;
  logger: BatchLogger;
  now: () => number;
  /** Waits between read attempts; real time unless a test gives one that moves its clock. */
  sleep?: (ms: number) => Promise<void>;
}

export type BatchOutcome =
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'duplicate'; batch: string; status: string }
  | { outcome: 'done'; batch: string; findings: number; posted: number; suppressed: number; digestId?: string }
  | { outcome: 'dead-letter'; batch: string; reason: string };

const TERMINAL = new Set(['done', 'dead-letter']);

/**
 * Copies of one digest that may reach Slack, over all runs of a batch. A post counts from the moment
 * it is sent (recorded on the marker just before): Slack may have taken it even when no answer came
 * back (timeout, reset) or when the run died before recording the 200. A post Slack answered with
 * 429 or 5xx, or that never connected, did not arrive and is given back. Past the bound the batch
 * is dead-lettered with an ERROR instead of posting a third copy.
 */
export const MAX_POSSIBLE_POSTS = 2;

/** The bound is reached: stop posting this digest. */
class PostingBoundReached extends Error {}

export function digestIdFor(batch: string): string {
  return createHash('sha256').update(batch).digest('hex').slice(0, 16);
}

/** The handler. Returns what happened (for logs and tests); throws only what a retry can fix. */
export async function handleStorageEvent(event: unknown, deps: HandlerDeps): Promise<BatchOutcome> {
  const { config, logger } = deps;
  const started = deps.now();
  const parsed = storageEventSchema.safeParse(event);
  if (!parsed.success) {
    // A malformed event never becomes valid on retry: report it and acknowledge.
    const reason = `malformed storage event: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ')}`;
    logger.log('ERROR', reason, { eventId: (event as { id?: unknown } | null)?.id });
    return { outcome: 'ignored', reason };
  }
  const { data: object, type } = parsed.data;
  const ignore = (reason: string): BatchOutcome => {
    logger.log('DEBUG', `ignored gs://${object.bucket}/${object.name}: ${reason}`, { eventId: parsed.data.id });
    return { outcome: 'ignored', reason };
  };
  if (type !== FINALIZED) return ignore(`event type ${type} is not ${FINALIZED}`);
  if (object.bucket === config.STATE_BUCKET) return ignore('the pipeline’s own state object');
  if (!isLogExport(object.name, config.LOG_PREFIXES)) return ignore('not a log export object');

  const batch = batchKey(object);
  const eventTime = Date.parse(parsed.data.time ?? object.timeCreated ?? '');
  const pastRetryWindow = Number.isFinite(eventTime) && started - eventTime > config.MAX_EVENT_AGE_HOURS * 3600_000;
  const run = new BatchRun(deps, batch, object, started, randomUUID(), Number.isFinite(Date.parse(object.timeCreated ?? '')) ? Date.parse(object.timeCreated!) : started);
  const recorded = async (outcome: BatchOutcome): Promise<BatchOutcome> => {
    if (outcome.outcome === 'dead-letter') await recordDeadLetter(deps, outcome.batch, outcome.reason);
    return outcome;
  };
  try {
    return await recorded(await run.execute());
  } catch (error) {
    const message = deps.notifier.scrub(error instanceof Error ? error.message : String(error));
    if (error instanceof InProgressElsewhereError) {
      // Another delivery owns the claim and will finish the batch: never dead-letter, never touch its marker.
      logger.log('INFO', `batch ${batch}: ${message}`, { batch, eventId: parsed.data.id, retryable: !pastRetryWindow });
      if (pastRetryWindow) return { outcome: 'duplicate', batch, status: 'in progress elsewhere' };
      throw error;
    }
    if (pastRetryWindow) {
      // No retry will come for this event: record it as dead rather than throw into the void.
      const reason = `event is older than the ${config.MAX_EVENT_AGE_HOURS} h retry window and failed: ${message}`;
      const written = await run.deadLetter(reason).then(
        () => true,
        (failure: unknown) => (failure instanceof InProgressElsewhereError ? 'elsewhere' : false),
      );
      if (written === 'elsewhere') {
        logger.log('INFO', `batch ${batch}: another delivery holds it; not dead-lettered`, { batch, eventId: parsed.data.id });
        return { outcome: 'duplicate', batch, status: 'in progress elsewhere' };
      }
      logger.log('ERROR', `gave up on ${batch}: ${reason}`, { batch, eventId: parsed.data.id, recorded: written });
      return recorded({ outcome: 'dead-letter', batch, reason });
    }
    logger.log('ERROR', `batch ${batch} will be retried: ${message}`, { batch, eventId: parsed.data.id, error: error instanceof Error ? error.name : 'Error', retryable: true });
    if (error instanceof RetryableError) throw error;
    throw new RetryableError(message);
  }
}

/**
 * Lists a dead-lettered batch where the health check looks (by the day it was given up on). Best
 * effort: the marker already says dead-letter and the ERROR line is logged; a failure here is logged too.
 */
async function recordDeadLetter(deps: HandlerDeps, batch: string, reason: string): Promise<void> {
  const at = deps.now();
  const record: DeadLetterRecord = { batch, source: deps.config.SOURCE_KEY, at: new Date(at).toISOString(), reason: deps.notifier.scrub(reason).slice(0, 500) };
  await deps.state.write(deadLetterRecordName(deps.config.SOURCE_KEY, batch, at), record).catch((error: unknown) => {
    deps.logger.log('ERROR', `could not list ${batch} for the health check: ${deps.notifier.scrub(error instanceof Error ? error.message : String(error))}`, { batch });
  });
}

/** One attempt at one batch; holds the marker generation it owns. */
class BatchRun {
  private generation: string | undefined;
  private marker: Marker | undefined;
  private readonly deadline: number;

  constructor(
    private readonly deps: HandlerDeps,
    private readonly batch: string,
    private readonly object: { bucket: string; name: string; generation: string },
    private readonly started: number,
    private readonly token: string,
    /** When the export object was created: names its evidence, the same on every retry. */
    private readonly createdMs: number,
  ) {
    this.deadline = started + deps.config.TIME_BUDGET_SECONDS * 1000;
  }

  private get now(): number {
    return this.deps.now();
  }

  private lease(): string {
    return new Date(this.now + this.deps.config.CLAIM_LEASE_SECONDS * 1000).toISOString();
  }

  async execute(): Promise<BatchOutcome> {
    const current = await this.deps.state.readMarker(this.batch);
    const status = current?.value?.status;
    if (status && TERMINAL.has(status)) {
      this.deps.logger.log('INFO', `duplicate delivery of ${this.batch}: already ${status}`, { batch: this.batch });
      return { outcome: 'duplicate', batch: this.batch, status };
    }
    if (current?.value && (status === 'pending-delivery' || status === 'delivered')) {
      await this.takeOver(current, current.value);
      return this.deliver();
    }
    await this.claim(current);
    try {
      return await this.process();
    } catch (error) {
      await this.release(error);
      throw error;
    }
  }

  /** Takes the batch: create-only when new, or over an expired / released / unreadable claim. */
  private async claim(current: Versioned<Marker> | undefined): Promise<void> {
    const claim: Marker = {
      status: 'processing',
      batch: this.batch,
      attempt: (current?.value?.attempt ?? 0) + 1,
      claimedBy: this.token,
      leaseUntil: this.lease(),
      updatedAt: new Date(this.now).toISOString(),
    };
    if (!current) {
      this.generation = await this.deps.state.createMarker(this.batch, claim);
      if (this.generation === undefined) {
        const now = await this.deps.state.readMarker(this.batch);
        if (now?.value && TERMINAL.has(now.value.status)) throw new InProgressElsewhereError(`${this.batch} was finished by another delivery`);
        throw new InProgressElsewhereError(`${this.batch} is being processed by another delivery`);
      }
      this.marker = claim;
      return;
    }
    await this.takeOver(current, claim);
  }

  /** Replaces a marker whose lease has expired or was released (or that is unreadable), with a precondition. */
  private async takeOver(current: Versioned<Marker>, next: Marker): Promise<void> {
    const held = current.value;
    if (held && held.status !== 'retry' && Date.parse(held.leaseUntil) > this.now) {
      throw new InProgressElsewhereError(`${this.batch} is held by another delivery (${held.status}, lease until ${held.leaseUntil})`);
    }
    const mine: Marker = { ...next, claimedBy: this.token, leaseUntil: this.lease(), updatedAt: new Date(this.now).toISOString() };
    const generation = await this.deps.state.updateMarker(this.batch, mine, current.generation);
    if (generation === undefined) throw new InProgressElsewhereError(`${this.batch} changed under us; another delivery has it`);
    this.generation = generation;
    this.marker = mine;
  }

  private async save(next: Marker): Promise<void> {
    const generation = await this.deps.state.updateMarker(this.batch, next, this.generation!);
    if (generation === undefined) throw new InProgressElsewhereError(`${this.batch} was taken over by another delivery`);
    this.generation = generation;
    this.marker = next;
  }

  /** On a retryable failure, hand the batch back at once so the retry need not wait for the lease. */
  private async release(error: unknown): Promise<void> {
    if (!this.marker || this.generation === undefined || !(error instanceof Error)) return;
    if (error instanceof ObjectGoneError) return;
    const status = this.marker.status === 'processing' ? 'retry' : this.marker.status;
    const reason = this.deps.notifier.scrub(error.message).slice(0, 500);
    const released: Marker = { ...this.marker, status, leaseUntil: new Date(this.now).toISOString(), reason, updatedAt: new Date(this.now).toISOString() };
    // Best effort: if this write fails too, the lease expires anyway.
    const generation = await this.deps.state.updateMarker(this.batch, released, this.generation).catch(() => undefined);
    if (generation !== undefined) {
      this.generation = generation;
      this.marker = released;
    }
  }

  /**
   * Records the batch as dead: over our own claim, as a new marker, or over a claim nobody holds
   * any more. A live claim of another delivery is never overwritten (it will finish the batch).
   */
  async deadLetter(reason: string, extra: Partial<Marker> = {}): Promise<void> {
    const at = new Date(this.now).toISOString();
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = this.generation !== undefined && attempt === 0 ? { generation: this.generation, value: this.marker ?? null } : await this.deps.state.readMarker(this.batch);
      const held = current?.value;
      const ours = this.generation !== undefined && current?.generation === this.generation;
      if (!ours && held && (TERMINAL.has(held.status) || (held.status !== 'retry' && Date.parse(held.leaseUntil) > this.now))) {
        throw new InProgressElsewhereError(`${this.batch} is ${TERMINAL.has(held.status) ? held.status : `held by another delivery (${held.status})`}; not dead-lettered`);
      }
      const base: Marker = current?.value ?? { status: 'dead-letter', batch: this.batch, attempt: 1, claimedBy: this.token, leaseUntil: at, updatedAt: at };
      const dead: Marker = { ...base, ...extra, status: 'dead-letter', reason, updatedAt: at };
      const written = current ? await this.deps.state.updateMarker(this.batch, dead, current.generation) : await this.deps.state.createMarker(this.batch, dead);
      if (written !== undefined) {
        this.generation = written;
        this.marker = dead;
        return;
      }
    }
    throw new RetryableError(`could not record ${this.batch} as dead-lettered`);
  }

  private async process(): Promise<BatchOutcome> {
    const { config, state } = this.deps;
    const baselines = await this.deps.baselines();
    let audit;
    try {
      audit = await auditObject(this.deps.storage, this.object, baselines, {
        deadlineMs: this.deadline - config.DELIVERY_RESERVE_SECONDS * 1000,
        now: this.deps.now,
        maxLineBytes: config.MAX_LINE_BYTES,
        burstThreshold: config.BURST_THRESHOLD,
        maxGroups: config.MAX_TRACKED_GROUPS,
        maxGroupsPerTarget: config.MAX_GROUPS_PER_TARGET,
        pipelineChanges: config.PIPELINE_CHANGES,
        ...(this.deps.sleep ? { sleep: this.deps.sleep } : {}),
      });
    } catch (error) {
      if (!(error instanceof ObjectGoneError)) throw error;
      await this.deadLetter(error.message);
      this.deps.logger.log('WARNING', `dead-lettered ${this.batch}: ${error.message}`, { batch: this.batch });
      return { outcome: 'dead-letter', batch: this.batch, reason: error.message };
    }
    // Targets still in their learning period are observed, not reported (bursts always are).
    const { report: findings, learning } = await holdForLearning(audit.findings, state, this.batch, this.now, config.LEARNING_DAYS);
    const summary = summarize(audit.stats, audit.bytes, audit.problems, findings, audit.targets);
    const digestId = digestIdFor(this.batch);
    const learningTargets = learning.map((f) => ({ kind: f.kind, target: f.target }));
    const report = await state.writeReport(this.batch, { batch: this.batch, digestId, generatedAt: new Date(this.now).toISOString(), summary, findings, learning: learningTargets });
    const evidence: EvidenceSummary = {
      logAuditEvidence: EVIDENCE_FORMAT,
      batch: this.batch,
      source: config.SOURCE_KEY,
      at: new Date(this.now).toISOString(),
      outcome: 'audited',
      lines: audit.stats.lines,
      parsed: audit.stats.parsed,
      bad: audit.stats.bad,
      unknown: audit.stats.unknown,
      skipped: audit.stats.skipped,
      bytes: audit.bytes,
      findings: findings.length,
      targets: audit.evidence,
    };
    // Written before the batch can be done: a retry rewrites the same object, never a second one.
    await state.write(evidenceObjectName(config.SOURCE_KEY, this.batch, this.createdMs), evidence);
    const windowMs = config.SUPPRESSION_WINDOW_HOURS * 3600_000;
    const decision = await decideSuppression(findings, state, this.batch, this.now, windowMs, digestId);
    let toPost = decision.toPost;
    let still = decision.still;
    const applied = (list: readonly Finding[]) => list.map((f) => ({ id: f.id, count: f.count, lastSeen: f.lastSeen, ...(f.entryIds ? { entryIds: f.entryIds } : {}) }));
    const stats = { lines: audit.stats.lines, parsed: audit.stats.parsed, bad: audit.stats.bad, skipped: audit.stats.skipped, unknown: audit.stats.unknown, bytes: audit.bytes, readAttempts: audit.readAttempts };
    const digestOf = (list: readonly Finding[]) =>
      list.length === 0
        ? undefined
        : planDigestSafely(
            {
              digestId,
              batch: `gs://${this.batch}`,
              findings: list,
              stillHappening: still,
              reportUri: report,
              ...(config.GCP_PROJECT ? { project: config.GCP_PROJECT } : {}),
              ...(config.ENVIRONMENT_NAME ? { environment: config.ENVIRONMENT_NAME } : {}),
              counts: { lines: audit.stats.lines, bad: audit.stats.bad, unknown: audit.stats.unknown },
            },
            (error) => this.deps.logger.log('ERROR', `the detailed digest of ${this.batch} could not be built; posting a minimal one: ${error instanceof Error ? error.message : String(error)}`, { batch: this.batch, digestId }),
          );
    let plan = digestOf(toPost);
    // A finding the digest had no room for is not marked posted: it is not suppressed, and posts when next seen.
    let posted = plan ? toPost.filter((f) => plan!.listed.has(f.id)) : [];
    // Each key is reserved before it is posted; a key a concurrent batch reserved first is shown as still happening.
    const { held, lost } = await reserveKeys(posted, state, this.batch, digestId, this.now, windowMs);
    if (lost.length > 0) {
      const lostIds = new Set(lost.map((l) => l.finding.id));
      toPost = toPost.filter((f) => !lostIds.has(f.id));
      still = [...still, ...lost];
      posted = held;
      plan = digestOf(held);
    }
    // The counts travel with the marker, so a retry that only delivers still logs them.
    const base = { ...this.marker!, digestId, findings: findings.length, report, counts: stats, posted: applied(posted), suppressed: applied(still.map((s) => s.finding)) };
    if (!plan) {
      await applySuppression(state, this.batch, digestId, [], base.suppressed, this.now);
      await this.save({ ...base, status: 'done', updatedAt: new Date(this.now).toISOString() });
      this.logBatch('done', { ...stats, findings: findings.length, posted: 0, suppressed: still.length, report }, audit.stats.bad + audit.stats.unknown > 0 ? 'WARNING' : 'INFO');
      return { outcome: 'done', batch: this.batch, findings: findings.length, posted: 0, suppressed: still.length };
    }
    await this.save({ ...base, status: 'pending-delivery', message: plan.message, updatedAt: new Date(this.now).toISOString() });
    return this.deliver();
  }

  /** Posts the stored payload (once per marker), then records suppression and finishes. */
  private async deliver(): Promise<BatchOutcome> {
    const marker = this.marker!;
    const { state, notifier } = this.deps;
    if (marker.status === 'pending-delivery') {
      if (!marker.message) throw new RetryableError(`${this.batch} is pending delivery without a payload`);
      const earlier = marker.possiblePosts ?? 0;
      if (earlier >= MAX_POSSIBLE_POSTS) return this.giveUpPosting(earlier);
      // Before each attempt, the marker says one more copy may arrive (and proves we still hold the claim).
      const beforeAttempt = async (unconfirmedSoFar: number) => {
        const possible = earlier + unconfirmedSoFar + 1;
        if (possible > MAX_POSSIBLE_POSTS) throw new PostingBoundReached();
        await this.save({ ...this.marker!, possiblePosts: possible, updatedAt: new Date(this.now).toISOString() });
      };
      try {
        await notifier.post(marker.message, this.deadline, { beforeAttempt });
      } catch (error) {
        if (error instanceof PostingBoundReached) return this.giveUpPosting(MAX_POSSIBLE_POSTS);
        // What may have arrived: earlier runs' copies and this run's unanswered posts.
        const possible = earlier + (error instanceof SlackDeliveryError ? error.unconfirmed : 0);
        this.marker = { ...this.marker!, possiblePosts: possible };
        if (possible >= MAX_POSSIBLE_POSTS && !(error instanceof SlackPermanentError)) return this.giveUpPosting(possible);
        if (error instanceof SlackPermanentError) {
          const reason = `Slack refused the digest: HTTP ${error.status}`;
          await this.deadLetter(reason, { slackStatus: error.status, slackError: error.code });
          // Nothing was posted: the keys this digest reserved go back, so their next occurrence posts.
          if (possible === 0) await releaseKeys(state, marker.digestId ?? digestIdFor(this.batch), (marker.posted ?? []).map((f) => f.id)).catch(() => undefined);
          this.deps.logger.log('ERROR', `dead-lettered ${this.batch}: ${reason} ${error.code}`, { batch: this.batch, digestId: marker.digestId, slackStatus: error.status, slackError: error.code });
          return { outcome: 'dead-letter', batch: this.batch, reason };
        }
        await this.release(error);
        throw error instanceof RetryableError ? error : new RetryableError(notifier.scrub((error as Error).message));
      }
      await this.save({ ...this.marker!, status: 'delivered', updatedAt: new Date(this.now).toISOString() });
    }
    const current = this.marker!;
    await applySuppression(state, this.batch, current.digestId ?? digestIdFor(this.batch), current.posted ?? [], current.suppressed ?? [], this.now);
    await this.save({ ...current, status: 'done', updatedAt: new Date(this.now).toISOString() });
    const posted = current.posted?.length ?? 0;
    const suppressed = current.suppressed?.length ?? 0;
    this.logBatch('done', { ...current.counts, findings: current.findings ?? posted + suppressed, posted, suppressed, digestId: current.digestId, report: current.report }, 'NOTICE');
    return { outcome: 'done', batch: this.batch, findings: current.findings ?? posted + suppressed, posted, suppressed, ...(current.digestId ? { digestId: current.digestId } : {}) };
  }

  /** Copies of this digest may already have reached Slack: stop before another, loudly. */
  private async giveUpPosting(possible: number): Promise<BatchOutcome> {
    const reason = `${possible} posts of this digest may have reached Slack without a confirmation on record; it is not posted again`;
    await this.deadLetter(reason, { possiblePosts: possible });
    this.deps.logger.log('ERROR', `dead-lettered ${this.batch}: ${reason} (report: ${this.marker?.report ?? 'none'})`, { batch: this.batch, digestId: this.marker?.digestId, possiblePosts: possible });
    return { outcome: 'dead-letter', batch: this.batch, reason };
  }

  private logBatch(outcome: string, fields: Record<string, unknown>, severity: Severity): void {
    this.deps.logger.log(severity, `audited gs://${this.batch}: ${String(fields['findings'] ?? 0)} findings, ${String(fields['posted'] ?? 0)} posted, ${String(fields['suppressed'] ?? 0)} suppressed`, {
      batch: this.batch,
      object: `gs://${this.object.bucket}/${this.object.name}`,
      generation: this.object.generation,
      outcome,
      durationMs: this.now - this.started,
      ...fields,
    });
  }
}
