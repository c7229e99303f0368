/** The real dependencies of the health check, built once per instance from the environment and a clock. */
import { storageClients } from '../../core/gcs/storage-clients.js';
import { SlackNotifier } from '../../core/notify/slack-notifier.js';
import { bundledBaselines } from '../baselines.js';
import { structuredLogger } from '../batch-log.js';
import { systemClock, type Clock } from '../deps.js';
import { GcsStateStore } from '../state.js';
import type { HealthDeps } from './check.js';
import { parseHealthConfig } from './config.js';

let cached: { key: string; clock: Clock; deps: HealthDeps } | undefined;

export function healthDeps(env: NodeJS.ProcessEnv = process.env, clock: Clock = systemClock): HealthDeps {
  const config = parseHealthConfig(env);
  const key = JSON.stringify(config);
  if (!cached || cached.key !== key || cached.clock !== clock) {
    const clients = storageClients({ retrySeconds: config.STORAGE_RETRY_SECONDS });
    cached = {
      key,
      clock,
      deps: {
        config,
        state: new GcsStateStore(clients, config.STATE_BUCKET),
        notifier: new SlackNotifier(config.SLACK_WEBHOOK_URL, { attemptTimeoutMs: config.SLACK_TIMEOUT_MS, now: clock }),
        baselines: () => bundledBaselines(config.BASELINES_DIR),
        logger: structuredLogger({ logName: 'log-audit-health' }),
        now: clock,
      },
    };
  }
  return cached.deps;
}
