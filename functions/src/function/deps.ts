/** The real dependencies of the handler, built once per instance from the environment. */
import { Storage } from '@google-cloud/storage';
import { SlackNotifier } from '../core/notify/slack-notifier.js';
import { bundledBaselines } from './baselines.js';
import { structuredLogger } from './batch-log.js';
import { parseFunctionConfig, type FunctionConfig } from './config.js';
import { fastCrc32c } from './crc32c.js';
import type { HandlerDeps } from './handler.js';
import { GcsStateStore } from './state.js';

let cached: { key: string; deps: HandlerDeps } | undefined;

export function buildDeps(config: FunctionConfig): HandlerDeps {
  const storage = new Storage({
    // The library retries 408/429/5xx and resets itself; its default total (600 s) outlives the
    // function, so it is capped well inside the time budget.
    retryOptions: { autoRetry: true, maxRetries: 5, totalTimeout: config.STORAGE_RETRY_SECONDS, maxRetryDelay: 8, retryDelayMultiplier: 2 },
    crc32cGenerator: fastCrc32c,
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

/** Dependencies for this instance, reused while the configuration stays the same (tests run several). */
export function instanceDeps(env: NodeJS.ProcessEnv = process.env): HandlerDeps {
  const config = parseFunctionConfig(env);
  const key = JSON.stringify(config);
  if (!cached || cached.key !== key) cached = { key, deps: buildDeps(config) };
  return cached.deps;
}
