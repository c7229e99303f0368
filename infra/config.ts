/**
 * The stack's configuration, read once here and validated with zod; components never read config.
 * Required: gcp:project, gcp:region and log-audit:slackWebhookUrl (a secret). Everything else has a
 * default (documented in Pulumi.example.yaml and the README).
 */
import * as pulumi from '@pulumi/pulumi';
import * as z from 'zod';
import { closest } from '../functions/src/core/text/did-you-mean.js';

export class StackConfigError extends Error {
  constructor(problems: string[]) {
    super(`invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'StackConfigError';
  }
}

const destination = z.string().regex(/^([0-9a-fA-F.:]+(\/\d{1,3})?)?:\d{1,5}$/, 'must be "ip:port", "cidr:port" or ":port"');

/**
 * The function stops its work this long before its timeout (the rest is for the runtime), so its
 * time budget is `functionTimeoutSeconds − STOP_BEFORE_TIMEOUT_SECONDS`; of that, the delivery
 * reserve is kept for reporting and posting, and the remainder is reading time.
 */
export const STOP_BEFORE_TIMEOUT_SECONDS = 60;
/** Reading time below this cannot audit a batch worth the name: such a stack is refused. */
export const MIN_READING_SECONDS = 60;

export function timeBudgetSeconds(functionTimeoutSeconds: number): number {
  return functionTimeoutSeconds - STOP_BEFORE_TIMEOUT_SECONDS;
}

/**
 * The memory Cloud Run allows beside each number of vCPUs, in MiB
 * (https://cloud.google.com/run/docs/configuring/services/cpu: 1 vCPU up to 4 GiB, 2 up to 8 GiB,
 * 4 from 2 to 16 GiB, 6 from 4 to 24 GiB, 8 from 4 to 32 GiB).
 */
const FUNCTION_MEMORY_FOR_CPU: Record<1 | 2 | 4 | 6 | 8, { min: number; max: number }> = {
  1: { min: 128, max: 4096 },
  2: { min: 128, max: 8192 },
  4: { min: 2048, max: 16384 },
  6: { min: 4096, max: 24576 },
  8: { min: 4096, max: 32768 },
};

/** `512Mi`, `2Gi` → MiB. */
function memoryMiB(memory: string): number {
  const value = Number.parseInt(memory, 10);
  return memory.endsWith('Gi') ? value * 1024 : value;
}

function mibText(mib: number): string {
  return mib >= 1024 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

const schema = z
  .object({
  project: z.string().min(1, 'set gcp:project'),
  region: z.string().regex(/^[a-z]+-[a-z]+\d$/, 'set gcp:region to a single region such as us-central1 (Eventarc triggers must match the bucket location)'),
  /** Where the sinks and the Data Access audit config live: this project, or a folder or organization with all its projects. */
  scope: z.enum(['project', 'folder', 'organization']).default('project'),
  /** The numeric folder or organization id, for scope folder or organization. */
  scopeId: z.coerce.string().regex(/^\d{1,20}$/, 'must be the numeric folder or organization id, e.g. 123456789012').optional(),
  /** Turn Data Access audit logging on for the audited services (authoritative per service; kept on destroy). */
  manageDataAccessAudit: z.boolean().default(true),
  /** Which log sources are exported and audited. */
  sources: z.object({ gcs: z.boolean().default(true), cloudsql: z.boolean().default(true), vpcFlows: z.boolean().default(true) }).default({ gcs: true, cloudsql: true, vpcFlows: true }),
  /** Buckets whose data access is exported; empty = every bucket in the project. */
  protectedBuckets: z.array(z.string().min(3)).default([]),
  /** Cloud SQL instances (`project:instance` or `instance`); empty = every instance. */
  protectedSqlInstances: z.array(z.string().min(1)).default([]),
  /** VPC flow destinations; the default is Memorystore for Redis (6379, 6378 with in-transit encryption). */
  protectedDestinations: z.array(destination).default([':6379', ':6378']),
  /** Objects in log buckets cannot be deleted or replaced for this long. */
  logRetentionDays: z.number().int().positive().default(30),
  /** Locking the retention policy is irreversible: off unless asked for. */
  lockRetention: z.boolean().default(false),
  coldlineAfterDays: z.number().int().positive().default(30),
  deleteAfterDays: z.number().int().positive().default(365),
  stateRetentionDays: z.number().int().positive().default(90),
  flowLogs: z
    .object({
      aggregationInterval: z.enum(['INTERVAL_5_SEC', 'INTERVAL_30_SEC', 'INTERVAL_1_MIN', 'INTERVAL_5_MIN', 'INTERVAL_10_MIN', 'INTERVAL_15_MIN']).default('INTERVAL_5_SEC'),
      flowSampling: z.number().min(0).max(1).default(0.5),
      metadata: z.enum(['INCLUDE_ALL_METADATA', 'EXCLUDE_ALL_METADATA']).default('INCLUDE_ALL_METADATA'),
    })
    .default({ aggregationInterval: 'INTERVAL_5_SEC', flowSampling: 0.5, metadata: 'INCLUDE_ALL_METADATA' }),
  /** Subnets this stack creates, with flow logs on. */
  managedSubnets: z.array(z.object({ name: z.string().min(1), network: z.string().min(1), ipCidrRange: z.string().min(1), region: z.string().optional() })).default([]),
  functionMemory: z.coerce.string().regex(/^\d+(Mi|Gi)$/, 'like 512Mi or 2Gi').default('1Gi'),
  /**
   * vCPUs of each audit function: a batch is downloaded and checked on one thread while it is
   * audited on another (docs/throughput.md, "Capacity"), so 2 by default; 1 gives up that overlap.
   */
  functionCpu: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(6), z.literal(8)], { error: 'must be 1, 2, 4, 6 or 8' }).default(2),
  functionTimeoutSeconds: z.number().int().min(60).max(540).default(540),
  /** Time the function keeps, once reading stops, to write the report and post to Slack. */
  deliveryReserveSeconds: z.number().int().min(10).max(300).default(60),
  maxInstances: z.number().int().min(1).max(1000).default(10),
  suppressionWindowHours: z.number().positive().default(24),
  burstThreshold: z.number().int().positive().default(5),
  /** Days a target without a baseline is observed (daily reminders, no per-batch finding) from its first batch; 0 turns it off. */
  learningDays: z.number().min(0).max(365).default(14),
  /** Minutes between two health-check runs (a divisor of 60). */
  healthCheckMinutes: z.union([z.literal(5), z.literal(10), z.literal(15), z.literal(20), z.literal(30), z.literal(60)], { error: 'must be 5, 10, 15, 20, 30 or 60' }).default(30),
  /**
   * Longest expected time between two batches of a source before the health check says it went
   * quiet: hours for every source, or per source (`{gcs: 6, default: 3}`).
   */
  expectedGapHours: z
    .union([z.number().positive(), z.object({ default: z.number().positive().optional(), gcs: z.number().positive().optional(), cloudsql: z.number().positive().optional(), 'vpc-flows': z.number().positive().optional() }).strict()])
    .default(3),
  /** Post an "all quiet" summary once a day. */
  dailySummary: z.boolean().default(false),
  /** Post the baseline review this often (days); 0 = never. */
  reviewEveryDays: z.number().min(0).max(365).default(7),
  /** The review flags baseline entries not seen in the evidence for this many days. */
  reviewUnseenDays: z.number().int().positive().default(30),
  /** Prefix of every resource name. */
  namePrefix: z.string().regex(/^[a-z][a-z0-9-]{1,20}$/).default('log-audit'),
  /** A name for this deployment (production, staging), shown beside the project in every digest's header. */
  environmentName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$/, 'letters, digits, space, . _ -; at most 40 characters').optional(),
  })
  .superRefine((c, ctx) => {
    if (c.scope !== 'project' && c.scopeId === undefined) ctx.addIssue({ code: 'custom', path: ['scopeId'], message: `required with log-audit:scope ${c.scope}: the numeric ${c.scope} id` });
    if (c.scope === 'project' && c.scopeId !== undefined) ctx.addIssue({ code: 'custom', path: ['scopeId'], message: 'only for log-audit:scope folder or organization (the project is gcp:project)' });
    // Evidence and its records expire with the state: what the review and `learn` need must outlive them.
    if (c.reviewUnseenDays >= c.stateRetentionDays) {
      ctx.addIssue({ code: 'custom', path: ['reviewUnseenDays'], message: `${c.reviewUnseenDays} days is not shorter than log-audit:stateRetentionDays (${c.stateRetentionDays}): evidence older than that is deleted, so every entry would look unseen` });
    }
    if (c.learningDays > c.stateRetentionDays) {
      ctx.addIssue({ code: 'custom', path: ['learningDays'], message: `${c.learningDays} days is longer than log-audit:stateRetentionDays (${c.stateRetentionDays}): the evidence of a learning period would be deleted before it is learned` });
    }
    const memory = FUNCTION_MEMORY_FOR_CPU[c.functionCpu];
    const mib = memoryMiB(c.functionMemory);
    if (mib < memory.min || mib > memory.max) {
      ctx.addIssue({ code: 'custom', path: ['functionCpu'], message: `${c.functionCpu} vCPU needs log-audit:functionMemory from ${mibText(memory.min)} to ${mibText(memory.max)} (it is ${c.functionMemory}); see https://cloud.google.com/run/docs/configuring/services/cpu` });
    }
    const reading = timeBudgetSeconds(c.functionTimeoutSeconds) - c.deliveryReserveSeconds;
    if (reading >= MIN_READING_SECONDS) return;
    ctx.addIssue({
      code: 'custom',
      path: ['functionTimeoutSeconds'],
      message: `${c.functionTimeoutSeconds} s leaves ${Math.max(0, reading)} s to read a batch (the function stops ${STOP_BEFORE_TIMEOUT_SECONDS} s before its timeout and keeps log-audit:deliveryReserveSeconds, ${c.deliveryReserveSeconds} s, to report and post); it needs at least ${MIN_READING_SECONDS} s: use ${STOP_BEFORE_TIMEOUT_SECONDS + c.deliveryReserveSeconds + MIN_READING_SECONDS} or more`,
    });
  });

export type StackConfig = z.output<typeof schema> & { slackWebhookUrl: pulumi.Output<string> };

const OPTIONAL_KEYS = Object.keys(schema.shape).filter((k) => k !== 'project' && k !== 'region');

/** The health check's EXPECTED_GAP_HOURS: JSON with a `default` and any per-source hours. */
export function expectedGapEnv(gap: StackConfig['expectedGapHours']): string {
  return JSON.stringify(typeof gap === 'number' ? { default: gap } : { default: 3, ...gap });
}

/** Reads and validates the configuration; every problem is listed at once. */
export function readStackConfig(): StackConfig {
  const gcp = new pulumi.Config('gcp');
  const own = new pulumi.Config('log-audit');
  const raw: Record<string, unknown> = { project: gcp.get('project'), region: gcp.get('region') };
  for (const key of OPTIONAL_KEYS) {
    const value = own.get(key);
    if (value !== undefined) raw[key] = parseValue(value);
  }
  const result = schema.safeParse(raw);
  const problems = result.success ? [] : result.error.issues.map((i) => `${i.path.join('.') === 'project' || i.path.join('.') === 'region' ? `gcp:${i.path.join('.')}` : `log-audit:${i.path.join('.')}`}: ${i.message}`);
  // Read raw to validate it here (messages never contain the value), then kept as a Pulumi secret.
  const webhook = pulumi.runtime.getConfig('log-audit:slackWebhookUrl');
  if (webhook === undefined) problems.push('log-audit:slackWebhookUrl: required — pulumi config set --secret log-audit:slackWebhookUrl https://hooks.slack.com/services/…');
  else if (!/^https:\/\/\S+$/.test(webhook)) problems.push('log-audit:slackWebhookUrl: must be an https:// URL');
  problems.push(...unknownKeys(Object.keys(pulumi.runtime.allConfig())));
  if (problems.length > 0 || !result.success) throw new StackConfigError(problems);
  return { ...result.data, slackWebhookUrl: pulumi.secret(webhook!) };
}

/** Every `log-audit:` key this program reads. */
export const KNOWN_KEYS: readonly string[] = [...OPTIONAL_KEYS, 'slackWebhookUrl'];

/** A `log-audit:` key nobody reads is a typo that would silently keep a default: an error, with the likely key. */
export function unknownKeys(keys: readonly string[]): string[] {
  return keys
    .filter((k) => k.startsWith('log-audit:') && !KNOWN_KEYS.includes(k.slice('log-audit:'.length)))
    .sort()
    .map((k) => {
      const guess = closest(k.slice('log-audit:'.length), KNOWN_KEYS);
      return `${k}: unknown key${guess ? `; did you mean log-audit:${guess}?` : ''} (the keys are listed in infra/Pulumi.example.yaml)`;
    });
}

/** `pulumi config set k 20` stores "20": JSON values (numbers, booleans, lists, objects) are parsed, the rest stays text. */
function parseValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
