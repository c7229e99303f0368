/**
 * The HTTP function Cloud Scheduler calls (with an OIDC token of its own service account; the
 * function is private). 200 with what the run did; 500 when a post failed or the state bucket could
 * not be read, so the failure shows in Scheduler's job status and the function's logs.
 */
import type { HttpFunction } from '@google-cloud/functions-framework';
import { runHealthCheck, type HealthDeps } from './check.js';

export function healthCheckFunction(deps: () => HealthDeps): HttpFunction {
  return async (_req, res) => {
    let current: HealthDeps | undefined;
    try {
      current = deps();
      const run = await runHealthCheck(current);
      res.status(run.failed.length > 0 ? 500 : 200).json(run);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const safe = current ? current.notifier.scrub(message) : message.replace(/https?:\/\/\S+/g, '[url]');
      current?.logger.log('ERROR', `health check failed: ${safe}`, {});
      if (!current) console.error(`health check failed: ${safe}`);
      res.status(500).json({ error: safe.slice(0, 500) });
    }
  };
}
