/**
 * What the health check remembers between runs (`health/state.json` in the state bucket): which
 * evidence and dead-letter records it has read, per source when it last saw a batch, the problems it
 * has posted and when, the targets in their learning period with the evidence they have gathered,
 * and the counts of the current day for the optional daily summary. Every list is bounded.
 */
import * as z from 'zod';
import { LOG_KINDS } from '../access-event.js';

/** Names of records read, kept this long (the check lists this many days back). */
export const SEEN_DAYS = 2;
/** Recent batches kept per source, to tell "the last few read nothing in scope". */
export const RECENT_BATCHES = 3;
/** Distinct sources / credentials counted per learning target (past it: "at least"). */
export const LEARNING_IDENTITIES = 500;
/** Targets counted in a day's summary. */
export const DAY_TARGETS = 5_000;
/** Dead-lettered batches named in one post (the rest are counted). */
export const DEAD_LETTERS_NAMED = 10;

const iso = z.string();

export const problemKinds = ['silent', 'dead-letters', 'no-in-scope'] as const;

export const healthStateSchema = z.object({
  version: z.literal(1),
  lastCheck: iso.optional(),
  /** Evidence and dead-letter object names already read (the last SEEN_DAYS days). */
  seen: z.array(z.string()).default([]),
  sources: z
    .record(
      z.string(),
      z.object({
        /** When a batch of the source was last audited or given up on (the function's clock). */
        lastDelivery: iso.optional(),
        lastAudited: iso.optional(),
        lastDeadLetter: iso.optional(),
        recent: z.array(z.object({ batch: z.string(), at: iso, lines: z.number(), parsed: z.number(), bad: z.number(), unknown: z.number() })).default([]),
      }),
    )
    .default({}),
  problems: z
    .record(
      z.string(),
      z.object({
        kind: z.enum(problemKinds),
        source: z.string(),
        since: iso,
        lastPosted: iso,
        /** Dead-lettered batches not yet named in a post, and how many in all since it began. */
        pending: z.array(z.object({ batch: z.string(), reason: z.string() })).default([]),
        total: z.number().int().nonnegative().default(0),
      }),
    )
    .default({}),
  learning: z
    .record(
      z.string(),
      z.object({
        kind: z.enum(LOG_KINDS),
        target: z.string(),
        firstSeen: iso,
        batches: z.number().int().nonnegative().default(0),
        accesses: z.number().int().nonnegative().default(0),
        successes: z.number().int().nonnegative().default(0),
        sources: z.array(z.string()).default([]),
        credentials: z.array(z.string()).default([]),
        lastReminder: iso.optional(),
      }),
    )
    .default({}),
  day: z
    .object({ since: iso, batches: z.number().default(0), lines: z.number().default(0), parsed: z.number().default(0), deadLetters: z.number().default(0), targets: z.array(z.string()).default([]) })
    .optional(),
  lastReview: iso.optional(),
});
export type HealthState = z.infer<typeof healthStateSchema>;

export function emptyHealthState(): HealthState {
  return { version: 1, seen: [], sources: {}, problems: {}, learning: {} };
}
