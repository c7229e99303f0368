/** The real dependencies of the handler, built once per instance from the environment. */
import { Storage } from '@google-cloud/storage';
import { SlackNotifier } from '../core/notify/slack-notifier.js';
import { bundledBaselines } from './baselines.js';
import { structuredLogger } from './batch-log.js';
import { parseFunctionConfig } from './config.js';
import type { HandlerDeps } from './handler.js';
import { GcsStateStore } from './state.js';

let cached: { key: string; deps: HandlerDeps } | undefined;

export function buildDeps(env: NodeJS.ProcessEnv = process.env): HandlerDeps {
  const config = parseFunctionConfig(env);
  const storage = new Storage({
    // The library retries 408/429/5xx and resets itself; its default total (600 s) outlives the
    // function, so it is capped well inside the time budget.
    retryOptions: { autoRetry: true, maxRetries: 5, totalTimeout: config.STORAGE_RETRY_SECONDS, maxRetryDelay: 8, retryDelayMultiplier: 2 },
  });
  return {
    config,
    storage,
    state: new GcsStateStore(storage, config.STATE_BUCKET),
    notifier: new SlackNotifier(config.SLACK_WEBHOOK_URL, { attemptTimeoutMs: config.SLACK_TIMEOUT_MS }),
    baselines: () => bundledBaselines(config.BASELINES_DIR),
    logger: structuredLogger(config.GCP_PROJECT ? { projectId: config.GCP_PROJECT } : {}),
    now: Date.now,
  };
}

/** Dependencies for this instance; rebuilt only if the environment changes (tests run several configs). */
export function instanceDeps(env: NodeJS.ProcessEnv = process.env): HandlerDeps {
  const key = JSON.stringify(Object.entries(env).filter(([k]) => /^(STATE_|SLACK_|BASELINES_|GCP_|TIME_|DELIVERY_|SUPPRESSION_|MAX_|CLAIM_|BURST_|LOG_|STORAGE_)/.test(k)).sort());
  if (!cached || cached.key !== key) cached = { key, deps: buildDeps(env) };
  return cached.deps;
}
