/**
 * The learning period: a target without a baseline is observed for LEARNING_DAYS from the first
 * batch that names it. Meanwhile its per-batch `not-baselined` finding is held back (bursts of
 * failures and tracking overflow are never held), its evidence accrues in the state bucket, and the
 * health check posts one reminder a day with the command that learns it. When the period is over
 * and still no baseline exists, `not-baselined` is reported again.
 *
 * The first sighting is a create-only state object per target (`learning/<kind>/<hash>.json`): of
 * concurrent batches naming a new target, one creates it and the others read it.
 */
import * as z from 'zod';
import { LOG_KINDS, PIPELINE_KIND, type LogKind } from '../core/access-event.js';
import type { Finding } from '../core/detect/finding.js';
import type { StateStore } from './state.js';
import { sha256Hex } from '../core/text/sha256.js';

export const LEARNING_PREFIX = 'learning/';

export const learningRecordSchema = z.object({
  kind: z.enum(LOG_KINDS),
  target: z.string(),
  /** When the first batch naming the target was audited (the function's clock). */
  firstSeen: z.string(),
  firstBatch: z.string(),
});
export type LearningRecord = z.infer<typeof learningRecordSchema>;

export function learningRecordName(kind: string, target: string): string {
  return `${LEARNING_PREFIX}${kind}/${sha256Hex(`${kind}|${target}`).slice(0, 32)}.json`;
}

/** The learning period's end for a record. */
export function learningEndsMs(record: LearningRecord, days: number): number {
  return Date.parse(record.firstSeen) + days * 86_400_000;
}

/** The target's record: read, or created now by this batch. */
async function recordFor(state: StateStore, finding: Finding & { kind: LogKind }, batch: string, nowMs: number): Promise<LearningRecord> {
  const name = learningRecordName(finding.kind, finding.target);
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await state.read(name, learningRecordSchema);
    if (existing?.value) return existing.value;
    const record: LearningRecord = { kind: finding.kind, target: finding.target, firstSeen: new Date(nowMs).toISOString(), firstBatch: batch };
    // Absent: create it; unreadable: replace it (a corrupt record must not end learning or hold it forever).
    const written = await state.write(name, record, existing ? existing.generation : '0');
    if (written !== undefined) return record;
  }
  throw new Error(`could not record the first sighting of ${finding.kind} ${finding.target}`);
}

export interface LearningSplit {
  /** Findings to report. */
  report: Finding[];
  /** not-baselined findings held back: their targets are still learning. */
  learning: Finding[];
}

/** Holds back the `not-baselined` findings of targets still in their learning period. */
export async function holdForLearning(findings: readonly Finding[], state: StateStore, batch: string, nowMs: number, days: number): Promise<LearningSplit> {
  const split: LearningSplit = { report: [], learning: [] };
  for (const finding of findings) {
    // Only a target without a baseline is held; changes to the pipeline itself never are.
    if (finding.type !== 'not-baselined' || days <= 0 || finding.kind === PIPELINE_KIND) {
      split.report.push(finding);
      continue;
    }
    const record = await recordFor(state, { ...finding, kind: finding.kind }, batch, nowMs);
    (nowMs < learningEndsMs(record, days) ? split.learning : split.report).push(finding);
  }
  return split;
}
