/**
 * The function's configuration, read once from the environment (set by the Pulumi program) and
 * validated with zod. Every knob has a default except the state bucket and the webhook.
 */
import { join } from 'node:path';
import * as z from 'zod';
import { ConfigError } from './errors.js';

/** Log ids a sink writes that we audit; anything else in a log bucket is acknowledged and ignored. */
export const DEFAULT_LOG_PREFIXES = ['cloudaudit.googleapis.com/', 'cloudsql.googleapis.com/', 'compute.googleapis.com/vpc_flows/', 'networkmanagement.googleapis.com/vpc_flows/'];

const seconds = (fallback: number) => z.coerce.number().positive().default(fallback);

/**
 * The least reading time the budget may leave after the delivery reserve. The stack refuses less
 * than 60 s (infra/config.ts); here the floor only catches a budget the reserve eats whole, so
 * tests can still run budgets of a few seconds.
 */
export const MIN_READING_SECONDS = 1;

const envSchema = z.object({
  STATE_BUCKET: z.string().min(3, 'set STATE_BUCKET to the bucket for markers, reports and suppression state'),
  SLACK_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'SLACK_WEBHOOK_URL must be an http(s) URL' }),
  BASELINES_DIR: z.string().min(1).optional(),
  GCP_PROJECT: z.string().optional(),
  /** A name for the deployment (production, staging), shown beside the project in the digest's header. */
  ENVIRONMENT_NAME: z.string().max(40).optional(),
  /** The log source this function audits (the stack's key: gcs, cloudsql, vpc-flows); names its evidence. */
  SOURCE_KEY: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a short lowercase name such as gcs').default('logs'),
  /** This function reads the tamper export: every audit entry in it is a change to the pipeline (a HIGH finding). */
  PIPELINE_CHANGES: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** A target without a baseline is observed this many days from the first batch naming it (0: no learning period). */
  LEARNING_DAYS: z.coerce.number().min(0).max(365).default(14),
  /** Work stops this long after the start; below the 540 s limit of event-driven gen2 functions. */
  TIME_BUDGET_SECONDS: seconds(480).refine((v) => v <= 530, 'must leave at least 10 s of the 540 s limit'),
  /** Time kept for the report and the Slack post once reading is done. */
  DELIVERY_RESERVE_SECONDS: seconds(60),
  /** The same finding key is not re-posted within this window. */
  SUPPRESSION_WINDOW_HOURS: seconds(24),
  /** Eventarc retries for about a day; an event older than this will get no further retry. */
  MAX_EVENT_AGE_HOURS: seconds(24),
  /** A claim older than this belongs to a delivery that died; another may take over. */
  CLAIM_LEASE_SECONDS: seconds(570),
  SLACK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  BURST_THRESHOLD: z.coerce.number().int().positive().default(5),
  /** Distinct target × source × credential groups judged per batch; past it, one tracking-overflow finding. */
  MAX_TRACKED_GROUPS: z.coerce.number().int().positive().default(50_000),
  MAX_GROUPS_PER_TARGET: z.coerce.number().int().positive().default(10_000),
  MAX_LINE_BYTES: z.coerce.number().int().positive().default(4 * 1024 * 1024),
  LOG_PREFIXES: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((p) => p.trim()).filter(Boolean) : DEFAULT_LOG_PREFIXES)),
  /** GCS client retries stop after this many seconds, well inside the budget (the library default is 600 s). */
  STORAGE_RETRY_SECONDS: seconds(60),
}).superRefine((c, ctx) => {
  // A budget the reserve eats whole reads nothing, batch after batch: refuse it at the first event.
  if (c.TIME_BUDGET_SECONDS - c.DELIVERY_RESERVE_SECONDS < MIN_READING_SECONDS) {
    ctx.addIssue({ code: 'custom', path: ['TIME_BUDGET_SECONDS'], message: `${c.TIME_BUDGET_SECONDS} s minus DELIVERY_RESERVE_SECONDS (${c.DELIVERY_RESERVE_SECONDS} s) leaves less than ${MIN_READING_SECONDS} s to read a batch` });
  }
});

export type FunctionConfig = Omit<z.output<typeof envSchema>, 'BASELINES_DIR'> & { BASELINES_DIR: string };

/** Parses the environment; injectable for tests. Lists every problem at once; never echoes the webhook. */
export function parseFunctionConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): FunctionConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  // Baselines are bundled with the deployed source (see README "Baselines in the function").
  return { ...result.data, BASELINES_DIR: result.data.BASELINES_DIR ?? join(cwd, 'baselines') };
}
