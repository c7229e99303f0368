/**
 * Fault injection through the whole function on real parts: many batches, delivered in random order
 * and more than once, with random faults at every boundary — GCS read resets and 5xx, state writes
 * failing (a crash between steps), Slack 429/5xx/resets/hangs/permanent 4xx — and Eventarc's
 * retries simulated (a thrown delivery is queued again after a backoff). At the end the invariants
 * of reliability.md are checked, and the run says what it injected and what it verified.
 */
import { gcsSamples, LOG_BUCKET, Pipeline, type StorageCloudEvent } from './pipeline.js';
import { rng } from '../../examples/scenario.js';

export interface ChaosOptions {
  seed: number;
  batches: number;
  /** Probability that a delivery attempt gets a fault. */
  faultRate: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  batches: number;
  anomalous: number;
  deliveries: number;
  retries: number;
  injected: Record<string, number>;
  verified: string[];
  violations: string[];
}


const FAULTS = [
  'gcs-read-reset',
  'gcs-read-503',
  'gcs-report-write-fails',
  'gcs-marker-write-fails-after-post',
  'slack-429',
  'slack-500',
  'slack-reset',
  'slack-hang',
  'slack-permanent-404',
] as const;
type Fault = (typeof FAULTS)[number];

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const r = rng(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
  const log = options.log ?? (() => undefined);
  const { allowed, denied } = await gcsSamples();
  const p = await new Pipeline().start();
  const report: ChaosReport = { batches: options.batches, anomalous: 0, deliveries: 0, retries: 0, injected: {}, verified: [], violations: [] };
  const violation = (text: string) => report.violations.push(text);
  try {
    // Batches: normal ones, and anomalous ones each with a principal of its own (no suppression interplay).
    const batches: { event: StorageCloudEvent; principal?: string }[] = [];
    for (let i = 0; i < options.batches; i++) {
      const anomalous = r() < 0.4;
      const principal = anomalous ? `intruder-${i}@example.com` : undefined;
      const lines = Array.from({ length: 20 + Math.floor(r() * 200) }, () => allowed);
      if (principal) lines.splice(Math.floor(r() * lines.length), 0, denied.replace('intruder@example.com', principal));
      if (r() < 0.3) lines.push('{"broken json', '{"protoPayload":{"@type":"type.googleapis.com/Unknown"}}');
      batches.push({ event: p.putExport(lines), ...(principal ? { principal } : {}) });
      if (principal) report.anomalous++;
    }
    // Deliveries: each event once to three times, shuffled (duplicates and out-of-order).
    const queue: StorageCloudEvent[] = batches.flatMap((b) => Array.from({ length: 1 + Math.floor(r() * 3) }, () => b.event));
    for (let i = queue.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [queue[i], queue[j]] = [queue[j]!, queue[i]!];
    }
    const deps = p.deps({}, { SLACK_TIMEOUT_MS: '150' });
    let steps = 0;
    while (queue.length > 0 && steps++ < options.batches * 40) {
      const event = queue.shift()!;
      let fault: Fault | undefined;
      if (r() < options.faultRate) {
        fault = pick(FAULTS);
        report.injected[fault] = (report.injected[fault] ?? 0) + 1;
        const object = event.data.name;
        switch (fault) {
          case 'gcs-read-reset':
            p.gcs.fault({ op: 'media', object }, { type: 'reset-after', bytes: 500 });
            break;
          case 'gcs-read-503':
            p.gcs.fault({ op: 'media', object }, { type: 'status', status: 503 }, 20);
            break;
          case 'gcs-report-write-fails':
            p.gcs.fault({ op: 'upload', object: `reports/${LOG_BUCKET}/${object}` }, { type: 'status', status: 503 }, 20);
            break;
          case 'gcs-marker-write-fails-after-post':
            p.slack.onRequest = () => p.gcs.fault({ op: 'upload', object: `markers/${LOG_BUCKET}/${object}` }, { type: 'status', status: 503 }, 20);
            break;
          case 'slack-429':
            p.slack.respond({ status: 429, retryAfter: 1, body: 'rate_limited' });
            break;
          case 'slack-500':
            p.slack.respond({ status: 500, body: 'internal' }, { status: 500, body: 'internal' });
            break;
          case 'slack-reset':
            p.slack.respond({ reset: true });
            break;
          case 'slack-hang':
            p.slack.respond({ hang: true });
            break;
          case 'slack-permanent-404':
            p.slack.respond({ status: 404, body: 'channel_not_found' });
            break;
        }
      }
      report.deliveries++;
      try {
        await p.deliver(event, deps);
      } catch {
        // Eventarc retries a failed delivery later, with backoff: the dead attempt's lease expires.
        report.retries++;
        queue.push(event);
        p.clock.advance(10 * 60_000);
      } finally {
        p.gcs.clearFaults();
        p.slack.onRequest = undefined;
        p.slack.reset();
      }
    }
    if (queue.length > 0) violation(`${queue.length} deliveries still failing after ${steps} attempts`);
    // Invariants 1 and 3: every generation ends done or dead-lettered (with a reason); counts add up.
    for (const { event } of batches) if (!p.marker(event)) violation(`${event.data.name}#${event.data.generation}: no marker`);
    for (const v of p.invariantViolations(true)) violation(v);
    report.verified.push(`every one of ${batches.length} generations ends done or dead-lettered with a reason`);
    // Invariant 2: every anomaly was posted (at most one repeat, same digest), or dead-lettered because Slack refused it.
    const digests = p.slack.deliveredLog;
    let repeats = 0;
    for (const b of batches) {
      const mine = b.principal === undefined ? digests.filter((d) => d.includes(b.event.data.name)) : digests.filter((d) => d.includes(b.principal!));
      if (!b.principal) {
        if (mine.length > 0) violation(`normal batch ${b.event.data.name} was posted`);
        continue;
      }
      const marker = p.marker(b.event);
      if (mine.length === 0 && !(marker?.['status'] === 'dead-letter' && marker['slackStatus'])) violation(`anomaly of ${b.event.data.name} neither posted nor refused by Slack`);
      if (mine.length > 2) violation(`anomaly of ${b.event.data.name} posted ${mine.length} times`);
      if (mine.length === 2) {
        repeats++;
        if (mine[0] !== mine[1]) violation(`repeat of ${b.event.data.name} differs from the first digest`);
      }
    }
    report.verified.push(`every one of ${report.anomalous} anomalies posted or refused by Slack (recorded); ${repeats} documented repeat(s), identical; no normal batch posted`);
    report.verified.push('lines = parsed + bad + skipped + unknown in every report');
    // Invariant 4: the webhook never leaks.
    if (p.everything().includes(p.slack.url)) violation('the webhook URL appears in logs or state');
    report.verified.push('the webhook URL appears in no log, marker or report');
    log(`chaos: ${report.batches} batches (${report.anomalous} anomalous), ${report.deliveries} deliveries, ${report.retries} retried`);
    log(`injected: ${Object.entries(report.injected).map(([k, v]) => `${k} ×${v}`).join(', ') || 'nothing'}`);
    for (const v of report.verified) log(`verified: ${v}`);
    for (const v of report.violations) log(`VIOLATION: ${v}`);
    return report;
  } finally {
    await p.stop();
  }
}
