/**
 * The health check's configuration, read once from the environment (set by the Pulumi program) and
 * validated with zod, like the audit function's.
 */
import { join } from 'node:path';
import * as z from 'zod';
import { ConfigError } from '../errors.js';

const flag = z.enum(['true', 'false']).default('false').transform((v) => v === 'true');

const healthEnvSchema = z.object({
  STATE_BUCKET: z.string().min(3, 'set STATE_BUCKET to the pipeline’s state bucket'),
  SLACK_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'SLACK_WEBHOOK_URL must be an http(s) URL' }),
  BASELINES_DIR: z.string().min(1).optional(),
  /** The sources the stack deploys, comma-separated (their functions' SOURCE_KEY). */
  SOURCES: z
    .string()
    .default('gcs,cloudsql,vpc-flows')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
  /** Longest expected time between two batches: JSON `{"default": 3, "gcs": 6}` (hours). */
  EXPECTED_GAP_HOURS: z
    .string()
    .default('{"default":3}')
    .transform((v, ctx) => {
      try {
        const parsed = z.record(z.string(), z.number().positive()).parse(JSON.parse(v));
        return { default: 3, ...parsed };
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON like {"default": 3, "gcs": 6} (hours > 0)' });
        return z.NEVER;
      }
    }),
  LEARNING_DAYS: z.coerce.number().min(0).max(365).default(14),
  /** Post an "all quiet" summary once a day. */
  DAILY_SUMMARY: flag,
  /** Post the baseline review this often (days); 0 = never. */
  REVIEW_EVERY_DAYS: z.coerce.number().min(0).default(7),
  /** The review flags entries not seen in the evidence for this many days. */
  REVIEW_UNSEEN_DAYS: z.coerce.number().int().positive().default(30),
  SLACK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  STORAGE_RETRY_SECONDS: z.coerce.number().positive().default(60),
  /** Stop posting this long after the start (the HTTP function's timeout is longer). */
  TIME_BUDGET_SECONDS: z.coerce.number().positive().default(240),
});

export type HealthConfig = Omit<z.output<typeof healthEnvSchema>, 'BASELINES_DIR'> & { BASELINES_DIR: string };

export function parseHealthConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): HealthConfig {
  const result = healthEnvSchema.safeParse(env);
  if (!result.success) throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return { ...result.data, BASELINES_DIR: result.data.BASELINES_DIR ?? join(cwd, 'baselines') };
}
