/** The real dependencies of the handler, built once per instance from the environment and a clock. */
import { SlackNotifier } from '../core/notify/slack-notifier.js';
import { bundledBaselines } from './baselines.js';
import { structuredLogger } from './batch-log.js';
import { parseFunctionConfig, type FunctionConfig } from './config.js';
import type { HandlerDeps } from './handler.js';
import { GcsStateStore } from './state.js';
import { storageClients } from '../core/gcs/storage-clients.js';

/** Milliseconds since the epoch; every time-dependent decision of the handler reads this. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

let cached: { key: string; clock: Clock; deps: HandlerDeps } | undefined;

export function buildDeps(config: FunctionConfig, clock: Clock = systemClock): HandlerDeps {
  const clients = storageClients({ retrySeconds: config.STORAGE_RETRY_SECONDS });
  return {
    config,
    storage: clients.downloads,
    state: new GcsStateStore(clients, config.STATE_BUCKET),
    notifier: new SlackNotifier(config.SLACK_WEBHOOK_URL, { attemptTimeoutMs: config.SLACK_TIMEOUT_MS, now: clock }),
    baselines: () => bundledBaselines(config.BASELINES_DIR),
    logger: structuredLogger(config.GCP_PROJECT ? { projectId: config.GCP_PROJECT } : {}),
    now: clock,
  };
}

/**
 * Dependencies for this instance, reused while the configuration and the clock stay the same
 * (tests run several configurations, and give the Functions Framework entry a clock of their own).
 */
export function instanceDeps(env: NodeJS.ProcessEnv = process.env, clock: Clock = systemClock): HandlerDeps {
  const config = parseFunctionConfig(env);
  const key = JSON.stringify(config);
  if (!cached || cached.key !== key || cached.clock !== clock) cached = { key, clock, deps: buildDeps(config, clock) };
  return cached.deps;
}
