/**
 * One run of the health check: reads only the state bucket — evidence and dead-letter records it
 * has not read before (the last SEEN_DAYS days), learning records, its own remembered state — and
 * the bundled baselines; decides (core/health/evaluate.ts); posts; and keeps what was posted.
 * Weekly it also reads the last REVIEW_UNSEEN_DAYS days of evidence for the baseline review.
 *
 *   read health/state.json → list + read new records → evaluate → post each → [review] → write state (precondition)
 *
 * A post that fails is not marked posted, so the next run posts it again; the run then answers 500.
 * Two runs at once (a Scheduler retry) may both post; the second one's state write is refused and
 * logged. Nothing here reads a log bucket.
 */
import { EvidenceIndex, reviewBaselines, reviewHasItems } from '../../core/baseline/review.js';
import { targetKey } from '../../core/baseline/schema.js';
import type { LoadedBaseline } from '../../core/baseline/store.js';
import { EVIDENCE_PREFIX, evidenceSchema } from '../../core/evidence/summary.js';
import { DAY, evaluateHealth, type DeadLetterRead, type LearningRead } from '../../core/health/evaluate.js';
import { reviewMessage } from '../../core/health/messages.js';
import { emptyHealthState, healthStateSchema, SEEN_DAYS, type HealthState } from '../../core/health/state.js';
import type { SlackMessage } from '../../core/notify/slack-digest.js';
import type { BatchLogger } from '../batch-log.js';
import { DEAD_LETTER_PREFIX, dayPath, deadLetterRecordSchema } from '../dead-letters.js';
import { LEARNING_PREFIX, learningRecordSchema, type LearningRecord } from '../learning-period.js';
import type { StateStore } from '../state.js';
import type { HealthConfig } from './config.js';

export const HEALTH_STATE = 'health/state.json';

export interface HealthDeps {
  config: HealthConfig;
  state: StateStore;
  notifier: { post(message: SlackMessage, deadlineMs: number): Promise<unknown>; scrub(text: string): string };
  baselines: () => Promise<LoadedBaseline[]>;
  logger: BatchLogger;
  now: () => number;
}

export interface HealthRun {
  posted: string[];
  failed: string[];
  open: string[];
  read: { evidence: number; deadLetters: number; learning: number };
}

/** Reads many small state objects a few at a time; an unreadable one is logged and skipped. */
async function readAll<T>(deps: HealthDeps, names: readonly string[], read: (name: string) => Promise<T | undefined>): Promise<{ name: string; value: T }[]> {
  const out: ({ name: string; value: T } | undefined)[] = new Array(names.length);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const i = next++;
      const value = await read(names[i]!);
      if (value !== undefined) out[i] = { name: names[i]!, value };
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, names.length) }, worker));
  return out.filter((x): x is { name: string; value: T } => x !== undefined);
}

async function listDays(state: StateStore, prefix: string, now: number, back = SEEN_DAYS): Promise<string[]> {
  const days = Array.from({ length: back + 1 }, (_, i) => dayPath(now - (back - i) * DAY));
  return (await Promise.all(days.map((d) => state.list(`${prefix}${d}/`)))).flat();
}

/**
 * Every REVIEW_EVERY_DAYS: the baseline review over the last REVIEW_UNSEEN_DAYS days of evidence,
 * posted only when something needs attention; `lastReview` moves on once done (posted or nothing to say).
 */
async function weeklyReview(deps: HealthDeps, health: HealthState, now: number, learning: readonly LearningRecord[], deadline: number): Promise<{ posted: boolean } | undefined> {
  const { config, state } = deps;
  if (config.REVIEW_EVERY_DAYS <= 0) return undefined;
  if (health.lastReview && now - Date.parse(health.lastReview) < config.REVIEW_EVERY_DAYS * DAY) return undefined;
  const index = new EvidenceIndex();
  const names = await listDays(state, EVIDENCE_PREFIX, now, config.REVIEW_UNSEEN_DAYS);
  // Read a few at a time and folded in as read: the window's summaries are never all in memory.
  await readAll(deps, names, async (name) => {
    const read = await state.read(name, evidenceSchema);
    if (read?.value) index.add(read.value);
    return undefined;
  });
  const review = reviewBaselines({
    baselines: await deps.baselines(),
    now,
    evidence: index,
    unseenDays: config.REVIEW_UNSEEN_DAYS,
    learningDays: config.LEARNING_DAYS,
    firstSeen: new Map(learning.map((r) => [targetKey(r.kind, r.target), r.firstSeen])),
  });
  if (!reviewHasItems(review)) {
    health.lastReview = new Date(now).toISOString();
    return undefined;
  }
  try {
    await deps.notifier.post(reviewMessage(review, { stateBucket: config.STATE_BUCKET }), deadline);
    health.lastReview = new Date(now).toISOString();
    return { posted: true };
  } catch (error) {
    deps.logger.log('ERROR', `health check: posting the baseline review failed; it is posted again next run: ${deps.notifier.scrub(error instanceof Error ? error.message : String(error))}`, { post: 'review' });
    return { posted: false };
  }
}

export async function runHealthCheck(deps: HealthDeps): Promise<HealthRun> {
  const { config, state, logger } = deps;
  const started = deps.now();
  const stored = await state.read(HEALTH_STATE, healthStateSchema);
  if (stored && !stored.value) logger.log('WARNING', `${HEALTH_STATE} was unreadable; starting from an empty health state`);
  const previous: HealthState = stored?.value ?? emptyHealthState();
  const seen = new Set(previous.seen);

  const evidenceNames = (await listDays(state, EVIDENCE_PREFIX, started)).filter((n) => !seen.has(n));
  const evidence = await readAll(deps, evidenceNames, async (name) => {
    const read = await state.read(name, evidenceSchema);
    if (read && !read.value) logger.log('WARNING', `health check: ${name} is not an evidence summary; skipped`, { object: name });
    return read?.value ?? undefined;
  });
  const deadNames = (await listDays(state, DEAD_LETTER_PREFIX, started)).filter((n) => !seen.has(n));
  const deadLetters = await readAll(deps, deadNames, async (name) => (await state.read(name, deadLetterRecordSchema))?.value ?? undefined);
  const learning = await readAll(deps, await state.list(LEARNING_PREFIX), async (name) => (await state.read(name, learningRecordSchema))?.value ?? undefined);
  const baselined = new Set((await deps.baselines()).map((b) => targetKey(b.baseline.kind, b.baseline.target)));

  const result = evaluateHealth({
    now: started,
    previous,
    evidence: evidence.map(({ name, value }) => ({ name, summary: value })),
    deadLetters: deadLetters.map(({ name, value }): DeadLetterRead => ({ name, ...value })),
    learning: learning.map(({ value }): LearningRead => ({ kind: value.kind, target: value.target, firstSeen: value.firstSeen })),
    baselined,
    config: { sources: config.SOURCES, gapHours: config.EXPECTED_GAP_HOURS, learningDays: config.LEARNING_DAYS, dailySummary: config.DAILY_SUMMARY, stateBucket: config.STATE_BUCKET },
  });

  const deadline = started + config.TIME_BUDGET_SECONDS * 1000;
  const posted: string[] = [];
  const failed: string[] = [];
  for (const post of result.posts) {
    try {
      await deps.notifier.post(post.message, deadline);
      post.commit(result.state);
      posted.push(post.key);
    } catch (error) {
      failed.push(post.key);
      logger.log('ERROR', `health check: posting ${post.key} failed; it is posted again next run: ${deps.notifier.scrub(error instanceof Error ? error.message : String(error))}`, { post: post.key });
    }
  }
  const review = await weeklyReview(deps, result.state, started, learning.map(({ value }) => value), deadline);
  if (review) (review.posted ? posted : failed).push('review');
  const written = await state.write(HEALTH_STATE, result.state, stored?.generation ?? '0');
  if (written === undefined) logger.log('WARNING', 'health check: another run changed the health state meanwhile; this run’s record of what it posted was not kept', {});
  const run: HealthRun = { posted, failed, open: result.open, read: { evidence: evidence.length, deadLetters: deadLetters.length, learning: learning.length } };
  logger.log(failed.length > 0 ? 'ERROR' : result.open.length > 0 ? 'WARNING' : 'INFO', `health check: ${result.open.length} problems open, ${posted.length} posted, ${failed.length} failed`, { ...run, durationMs: deps.now() - started });
  return run;
}
