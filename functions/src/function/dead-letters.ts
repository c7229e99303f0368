/**
 * Dead-lettered batches, listed by the day they were given up on, so the health check finds them
 * by listing one prefix per day instead of reading every marker.
 */
import * as z from 'zod';

export const DEAD_LETTER_PREFIX = 'dead-letters/';

export const deadLetterRecordSchema = z.object({ batch: z.string(), source: z.string(), at: z.string(), reason: z.string() });
export type DeadLetterRecord = z.infer<typeof deadLetterRecordSchema>;

/** `dead-letters/YYYY/MM/DD/<source>/<batch>.json`. */
export function deadLetterRecordName(source: string, batch: string, atMs: number): string {
  return `${DEAD_LETTER_PREFIX}${dayPath(atMs)}/${source}/${batch}.json`;
}

/** `YYYY/MM/DD` of a time, in UTC. */
export function dayPath(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replaceAll('-', '/');
}
