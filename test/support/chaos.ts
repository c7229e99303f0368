/**
 * Fault injection through the whole function on real parts: many batches, delivered in random order,
 * more than once and several at a time, with random faults at every boundary — GCS read resets and
 * 5xx, state writes failing (a crash between steps), Slack 429/5xx/resets/hangs/permanent 4xx, a
 * slow Slack that answers after the client gave up, and a Slack that never answers — and Eventarc's
 * retries simulated (a thrown delivery is queued again
 * after a backoff). Some batches share a finding key, as shards of one hour do. At the end the
 * invariants of reliability.md are checked, and the run says what it injected and what it verified.
 */
import type { Marker, StateStore } from '../../functions/src/function/state.js';
import { gcsSamples, LOG_BUCKET, Pipeline, STATE_BUCKET, type StorageCloudEvent } from './pipeline.js';
import { rng } from '../../examples/scenario.js';

export interface ChaosOptions {
  seed: number;
  batches: number;
  /** Probability that a delivery attempt gets a fault. */
  faultRate: number;
  /** Deliveries run at once (duplicates of one event among them). */
  concurrency?: number;
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

/**
 * The state store the function uses, watched: a marker write that succeeds over the live claim of
 * another delivery (not finished, not released, lease not lapsed) is a violation.
 */
function watchedState(p: Pipeline, inner: StateStore, violation: (text: string) => void): StateStore {
  const guard = async (batch: string, next: Marker, write: () => Promise<string | undefined>) => {
    const stored = p.gcs.get(STATE_BUCKET, `markers/${batch}.json`);
    const before = stored ? (JSON.parse(stored.data.toString('utf8')) as Marker) : undefined;
    const generation = await write();
    const live = before && before.status !== 'done' && before.status !== 'dead-letter' && before.status !== 'retry' && Date.parse(before.leaseUntil) > p.clock.now();
    if (generation !== undefined && live && before.claimedBy !== next.claimedBy) violation(`${batch}: live claim of ${before.claimedBy} (${before.status}) overwritten by ${next.claimedBy} (${next.status})`);
    return generation;
  };
  return {
    readMarker: (batch) => inner.readMarker(batch),
    createMarker: (batch, marker) => guard(batch, marker, () => inner.createMarker(batch, marker)),
    updateMarker: (batch, marker, generation) => guard(batch, marker, () => inner.updateMarker(batch, marker, generation)),
    writeReport: (batch, report) => inner.writeReport(batch, report),
    readSuppression: (id) => inner.readSuppression(id),
    writeSuppression: (id, value, generation) => inner.writeSuppression(id, value, generation),
    read: (name, schema) => inner.read(name, schema),
    write: (name, value, generation) => inner.write(name, value, generation),
    list: (prefix) => inner.list(prefix),
  };
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
  'slack-never-answers',
  'slack-slow',
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
    // Batches: normal ones, and anomalous ones; one in three anomalous batches shares the principal
    // (so the finding key) of an earlier one, as the shards of one hour do.
    const batches: { event: StorageCloudEvent; principal?: string }[] = [];
    const principals: string[] = [];
    for (let i = 0; i < options.batches; i++) {
      const anomalous = r() < 0.4;
      const shared = anomalous && principals.length > 0 && r() < 0.33;
      const principal = anomalous ? (shared ? pick(principals) : `intruder-${i}@example.com`) : undefined;
      if (principal && !shared) principals.push(principal);
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
    const base = p.deps({}, { SLACK_TIMEOUT_MS: '150' });
    const deps = { ...base, state: watchedState(p, base.state, violation) };
    const concurrency = Math.max(1, options.concurrency ?? 3);
    let steps = 0;
    while (queue.length > 0 && steps < options.batches * 40) {
      const wave = queue.splice(0, concurrency);
      steps += wave.length;
      for (const event of wave) inject(event);
      report.deliveries += wave.length;
      const results = await Promise.allSettled(wave.map((event) => p.deliver(event, deps)));
      let failed = false;
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') return;
        // Eventarc retries a failed delivery later, with backoff: the dead attempt's lease expires.
        report.retries++;
        queue.push(wave[i]!);
        failed = true;
      });
      if (failed) p.clock.advance(10 * 60_000);
      p.gcs.clearFaults();
      p.slack.onRequest = undefined;
      p.slack.reset();
    }

    function inject(event: StorageCloudEvent): void {
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
          case 'slack-never-answers':
            p.slack.respond(...Array.from({ length: 6 }, () => ({ hang: true as const })));
            break;
          case 'slack-slow':
            // Slack takes the post and answers 200 after the client gave up (timeout 150 ms): it arrived.
            p.slack.respond({ status: 200, delayMs: 400 }, { status: 200, delayMs: 50 });
            break;
          case 'slack-permanent-404':
            p.slack.respond({ status: 404, body: 'channel_not_found' });
            break;
        }
      }
    }
    if (queue.length > 0) violation(`${queue.length} deliveries still failing after ${steps} attempts`);
    // Invariants 1 and 3: every generation ends done or dead-lettered (with a reason); counts add up.
    for (const { event } of batches) if (!p.marker(event)) violation(`${event.data.name}#${event.data.generation}: no marker`);
    for (const v of p.invariantViolations(true)) violation(v);
    report.verified.push(`every one of ${batches.length} generations ends done or dead-lettered with a reason`);
    // Invariant 2: every anomaly (finding key) was posted, or its batch dead-lettered because Slack
    // refused the digest or never answered it; no key reached Slack more than twice in the window
    // (posts Slack never answered count, as they may have arrived); no normal batch was posted.
    const detailed = (log: readonly string[], principal: string) => log.filter((d) => d.includes(`*Who:* \`${principal}\``));
    let repeats = 0;
    const keys = new Map<string, StorageCloudEvent[]>();
    for (const b of batches) {
      if (!b.principal) {
        if (p.slack.possiblyDeliveredLog.some((d) => d.includes(b.event.data.name))) violation(`normal batch ${b.event.data.name} was posted`);
        continue;
      }
      keys.set(b.principal, [...(keys.get(b.principal) ?? []), b.event]);
    }
    for (const [principal, events] of keys) {
      const posted = detailed(p.slack.deliveredLog, principal);
      const possibly = detailed(p.slack.possiblyDeliveredLog, principal);
      const refused = events.some((e) => {
        const marker = p.marker(e);
        return marker?.['status'] === 'dead-letter' && (marker['slackStatus'] !== undefined || (marker['possiblePosts'] as number | undefined ?? 0) >= 2);
      });
      if (posted.length === 0 && !refused) violation(`anomaly ${principal} (${events.length} batch(es)) neither posted nor refused by Slack`);
      if (possibly.length > 2) violation(`anomaly ${principal} reached Slack ${possibly.length} times`);
      if (posted.length === 2) {
        repeats++;
        if (posted[0] !== posted[1]) violation(`repeat of ${principal} differs from the first digest`);
      }
    }
    const shared = [...keys.values()].filter((e) => e.length > 1).length;
    report.verified.push(`every one of ${keys.size} anomaly keys (${shared} shared by several batches) posted or refused by Slack (recorded); none reached Slack more than twice; ${repeats} documented repeat(s), identical; no normal batch posted`);
    report.verified.push('no marker write took over the live claim of another delivery');
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
