/**
 * The function end to end on real parts (loopback GCS through @google-cloud/storage, loopback Slack
 * through @slack/webhook), with a fake clock. Case numbers refer to docs/reliability.md.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InProgressElsewhereError, RetryableError } from '../../functions/src/function/errors.js';
import { gcsSamples, LOG_BUCKET, Pipeline, STATE_BUCKET } from '../support/pipeline.js';

let p: Pipeline;
let allowed: string;
let denied: string;

beforeAll(async () => {
  ({ allowed, denied } = await gcsSamples());
});
beforeEach(async () => {
  p = await new Pipeline().start();
});
afterEach(async () => {
  // The invariants of reliability.md, after every case (some cases stop while a retry is due).
  expect(p.invariantViolations(false)).toEqual([]);
  await p.stop();
});

/** A denied read by a principal the baseline does not know: one new-credential finding. */
const anomalous = () => [allowed, denied];

/** The same access again, as a new log entry (its own insertId), as continuing activity would be. */
let entries = 0;
const again = (line: string) => {
  const entry = JSON.parse(line);
  entry.insertId = `again-${entries++}`;
  return JSON.stringify(entry);
};

function mediaReads(name: string): number {
  return p.gcs.requests.filter((r) => r.op === 'media' && r.bucket === LOG_BUCKET && r.object === name).length;
}

describe('one digest per anomalous batch, none otherwise', () => {
  it('a normal batch posts nothing, writes its report and is marked done', async () => {
    const event = p.putExport([allowed, allowed]);
    expect(await p.deliver(event)).toMatchObject({ outcome: 'done', findings: 0, posted: 0 });
    expect(p.slack.requests).toHaveLength(0);
    expect(p.marker(event)).toMatchObject({ status: 'done', findings: 0 });
    expect(p.gcs.list(STATE_BUCKET, 'reports/')).toHaveLength(1);
  });

  it('an anomalous batch posts exactly one digest and writes the full report', async () => {
    const event = p.putExport(anomalous());
    const outcome = await p.deliver(event);
    expect(outcome).toMatchObject({ outcome: 'done', findings: 1, posted: 1 });
    const [digest] = p.slack.delivered();
    expect(p.slack.delivered()).toHaveLength(1);
    expect(digest!.text).toMatch(/1 new anomaly — worst: MEDIUM/);
    expect(JSON.stringify(digest)).toContain('intruder@example.com');
    const report = JSON.parse(p.gcs.list(STATE_BUCKET, 'reports/')[0]!.data.toString());
    expect(report.findings).toHaveLength(1);
    expect(report.summary).toMatchObject({ lines: 2, parsed: 2, targets: 1, baselinedTargets: 1 });
    expect(p.marker(event)).toMatchObject({ status: 'done', posted: [expect.objectContaining({ count: 1 })] });
    // One structured log entry for the batch, with its counts.
    const entry = p.logLines.map((l) => JSON.parse(l)).find((l) => String(l.message).startsWith('audited'));
    expect(entry).toMatchObject({ severity: 'NOTICE', lines: 2, parsed: 2, bad: 0, unknown: 0, findings: 1, posted: 1, suppressed: 0 });
    expect(entry.durationMs).toBeTypeOf('number');
  });
});

describe('idempotency and no loss', () => {
  it('case 1: the same event twice, concurrently: one claim wins, one digest', async () => {
    const event = p.putExport(anomalous());
    const results = await Promise.allSettled([p.deliver(event), p.deliver(event)]);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected[0]!.reason).toBeInstanceOf(InProgressElsewhereError);
    expect(p.slack.delivered()).toHaveLength(1);
    // Eventarc retries the loser later: it finds the batch done and posts nothing.
    expect(await p.deliver(event)).toMatchObject({ outcome: 'duplicate', status: 'done' });
    expect(p.slack.delivered()).toHaveLength(1);
  });

  it('case 2: the same event after success: no read, no post', async () => {
    const event = p.putExport(anomalous());
    await p.deliver(event);
    const reads = mediaReads(event.data.name);
    expect(await p.deliver(event)).toMatchObject({ outcome: 'duplicate' });
    expect(mediaReads(event.data.name)).toBe(reads);
    expect(p.slack.requests).toHaveLength(1);
  });

  it('case 3: an overwritten object (new generation) is processed again', async () => {
    const first = p.putExport([allowed]);
    await p.deliver(first);
    const second = p.putExport(anomalous(), first.data.name);
    expect(second.data.generation).not.toBe(first.data.generation);
    expect(await p.deliver(second)).toMatchObject({ outcome: 'done', posted: 1 });
    expect(p.markers()).toHaveLength(2);
  });

  it('case 4: a crash after Slack’s 200, before "delivered": at most one repeat, with the same digest id', async () => {
    const event = p.putExport(anomalous());
    // As Slack accepts the post, GCS starts failing every write: the marker cannot move on.
    p.slack.onRequest = () => p.gcs.fault({ op: 'upload', object: 'markers/' }, { type: 'status', status: 503 }, 100);
    await expect(p.deliver(event)).rejects.toBeInstanceOf(Error);
    expect(p.marker(event)).toMatchObject({ status: 'pending-delivery' });
    p.slack.onRequest = undefined;
    p.gcs.clearFaults();
    p.clock.advance(600_000); // the dead attempt's lease expires; Eventarc retries
    expect(await p.deliver(event)).toMatchObject({ outcome: 'done', posted: 1 });
    const digests = p.slack.delivered();
    expect(digests).toHaveLength(2);
    expect(JSON.stringify(digests[0])).toBe(JSON.stringify(digests[1]));
    expect(await p.deliver(event)).toMatchObject({ outcome: 'duplicate' });
    expect(p.slack.delivered()).toHaveLength(2);
  });

  it('case 5: a crash before posting: the retry posts it, nothing is lost', async () => {
    const event = p.putExport(anomalous());
    p.gcs.fault({ op: 'upload', object: 'reports/' }, { type: 'status', status: 503 }, 100);
    await expect(p.deliver(event)).rejects.toBeInstanceOf(RetryableError);
    expect(p.slack.requests).toHaveLength(0);
    expect(p.marker(event)).toMatchObject({ status: 'retry' });
    p.gcs.clearFaults();
    // The failed attempt released its claim, so the retry need not wait for the lease.
    expect(await p.deliver(event)).toMatchObject({ outcome: 'done', posted: 1 });
    expect(p.slack.delivered()).toHaveLength(1);
  });
});

describe('delivery to Slack', () => {
  it('case 6: 429 with Retry-After: 2, twice, then 200: waits as told, posts once', async () => {
    p.slack.respond({ status: 429, retryAfter: 2, body: 'rate_limited' }, { status: 429, retryAfter: 2, body: 'rate_limited' });
    const event = p.putExport(anomalous());
    expect(await p.deliver(event)).toMatchObject({ outcome: 'done', posted: 1 });
    expect(p.clock.sleeps).toEqual([2000, 2000]);
    expect(p.slack.requests).toHaveLength(3);
    expect(p.slack.delivered()).toHaveLength(1);
  });

  it('case 7: 429 beyond the time budget: throws retryable before the deadline; a later run delivers', async () => {
    p.slack.respond({ status: 429, retryAfter: 900, body: 'rate_limited' });
    const event = p.putExport(anomalous());
    const started = p.clock.now();
    await expect(p.deliver(event)).rejects.toBeInstanceOf(RetryableError);
    expect(p.clock.now() - started).toBeLessThan(480_000);
    expect(p.marker(event)).toMatchObject({ status: 'pending-delivery' });
    p.clock.advance(900_000);
    expect(await p.deliver(event)).toMatchObject({ outcome: 'done', posted: 1 });
    expect(p.slack.delivered()).toHaveLength(1);
    // The retry did not read the object again: it posted the stored payload, and still logs the counts.
    expect(mediaReads(event.data.name)).toBe(1);
    const entry = p.logLines.map((l) => JSON.parse(l)).filter((l) => String(l.message).startsWith('audited')).at(-1);
    expect(entry).toMatchObject({ lines: 2, parsed: 2, posted: 1 });
  });

  it('case 8: 500, connection reset, 503, then 200: backs off, posts once', async () => {
    p.slack.respond({ status: 500, body: 'internal' }, { reset: true }, { status: 503, body: 'unavailable' });
    const event = p.putExport(anomalous());
    expect(await p.deliver(event)).toMatchObject({ outcome: 'done', posted: 1 });
    expect(p.clock.sleeps).toEqual([1000, 2000, 4000]);
    expect(p.slack.delivered()).toHaveLength(1);
  });

  it('case 9: Slack hangs: the client timeout fires and the retry posts', async () => {
    p.slack.respond({ hang: true });
    const event = p.putExport(anomalous());
    const deps = p.deps({}, { SLACK_TIMEOUT_MS: '300' });
    expect(await p.deliver(event, deps)).toMatchObject({ outcome: 'done', posted: 1 });
    expect(p.slack.requests.map((r) => r.answered)).toEqual(['hang', 200]);
  });

  it('case 9: Slack hangs with no time left: retryable, not stuck, the post that may have arrived counted', async () => {
    p.slack.respond({ hang: true }, { hang: true }, { hang: true });
    const event = p.putExport(anomalous());
    const deps = p.deps({}, { SLACK_TIMEOUT_MS: '300', TIME_BUDGET_SECONDS: '1.2', DELIVERY_RESERVE_SECONDS: '0.1' });
    await expect(p.deliver(event, deps)).rejects.toBeInstanceOf(RetryableError);
    expect(p.marker(event)).toMatchObject({ status: 'pending-delivery', possiblePosts: 1 });
  });

  it('a Slack that takes posts and never answers gets at most two copies of a digest, over all retries', async () => {
    p.slack.respond(...Array.from({ length: 40 }, () => ({ hang: true as const })));
    const event = p.putExport(anomalous());
    const tight = p.deps({}, { SLACK_TIMEOUT_MS: '300', TIME_BUDGET_SECONDS: '1.2', DELIVERY_RESERVE_SECONDS: '0.1' });
    await expect(p.deliver(event, tight)).rejects.toBeInstanceOf(RetryableError);
    p.clock.advance(60_000);
    // Eventarc's retry: one more unanswered post reaches the bound; the batch stops, loudly.
    const outcome = await p.deliver(event, p.deps({}, { SLACK_TIMEOUT_MS: '300' }));
    expect(outcome).toMatchObject({ outcome: 'dead-letter', reason: expect.stringMatching(/2 posts of this digest may have reached Slack/) });
    expect(p.slack.requests).toHaveLength(2);
    expect(p.marker(event)).toMatchObject({ status: 'dead-letter', possiblePosts: 2 });
    expect(p.logLines.some((l) => JSON.parse(l).severity === 'ERROR' && l.includes('may have reached Slack'))).toBe(true);
    // Further deliveries post nothing.
    expect(await p.deliver(event)).toMatchObject({ outcome: 'duplicate', status: 'dead-letter' });
    expect(p.slack.requests).toHaveLength(2);
  });

  it.each([
    [400, 'invalid_blocks'],
    [403, 'action_prohibited'],
    [404, 'channel_not_found'],
    [410, 'channel_is_archived'],
  ])('case 10: %i %s is permanent: one request, recorded with Slack\'s error code, acknowledged', async (status, body) => {
    p.slack.respond({ status, body });
    const event = p.putExport(anomalous());
    expect(await p.deliver(event)).toMatchObject({ outcome: 'dead-letter', reason: `Slack refused the digest: HTTP ${status}` });
    expect(p.slack.requests).toHaveLength(1);
    expect(p.marker(event)).toMatchObject({ status: 'dead-letter', slackStatus: status, slackError: body });
    // A duplicate delivery does not try again.
    expect(await p.deliver(event)).toMatchObject({ outcome: 'duplicate', status: 'dead-letter' });
    expect(p.slack.requests).toHaveLength(1);
    expect(p.everything()).not.toContain(p.slack.url);
    expect(p.logLines.join('\n')).toContain(body);
  });

  it('a refusal whose body echoes the webhook path, percent-encoded or upper-cased, records only "unrecognized_response"', async () => {
    const path = new URL(p.slack.url).pathname;
    for (const body of [`invalid_payload: ${encodeURIComponent(path)}`, `bad request ${path.toUpperCase()}`, `no_service\n${path.replace(/\//g, '%2F')}`]) {
      p.slack.respond({ status: 400, body });
      const event = p.putExport([allowed, denied.replace('intruder@', `echo${body.length}@`)]);
      expect(await p.deliver(event)).toMatchObject({ outcome: 'dead-letter' });
      expect(p.marker(event)).toMatchObject({ slackStatus: 400, slackError: 'unrecognized_response' });
    }
    const everything = p.everything().toLowerCase();
    for (const secret of path.split('/').filter((part) => /secret/i.test(part))) expect(everything).not.toContain(secret.toLowerCase());
  });

  it('case 21: an event older than the retry window is acknowledged and reported, not retried', async () => {
    const event = p.putExport(anomalous());
    p.clock.advance(25 * 3600_000);
    p.slack.respond(...Array.from({ length: 200 }, () => ({ status: 503, body: 'unavailable' })));
    const outcome = await p.deliver(event);
    expect(outcome).toMatchObject({ outcome: 'dead-letter' });
    expect(p.marker(event)).toMatchObject({ status: 'dead-letter', reason: expect.stringMatching(/older than the 24 h retry window/) });
    expect(p.logLines.some((l) => JSON.parse(l).severity === 'ERROR' && l.includes('gave up'))).toBe(true);
  });

  it('a duplicate past the retry window never dead-letters or overwrites the live claim of another delivery', async () => {
    const event = p.putExport(anomalous());
    const batch = `${LOG_BUCKET}/${event.data.name}#${event.data.generation}`;
    const now = new Date(p.clock.now() + 25 * 3600_000);
    const live = { status: 'processing' as const, batch, attempt: 1, claimedBy: 'the-live-delivery', leaseUntil: new Date(now.getTime() + 300_000).toISOString(), updatedAt: now.toISOString() };
    await p.deps().state.createMarker(batch, live);
    p.clock.advance(25 * 3600_000);
    expect(await p.deliver(event)).toMatchObject({ outcome: 'duplicate', status: 'in progress elsewhere' });
    expect(p.marker(event)).toEqual(live);
    expect(p.slack.requests).toHaveLength(0);
    // Once that claim has lapsed without finishing, the late duplicate may take it and finish the batch.
    p.clock.advance(600_000);
    expect(await p.deliver(event)).toMatchObject({ outcome: 'done', posted: 1 });
  });
});

describe('one post per finding key', () => {
  it('shards of one hour delivered at once post a shared finding key once: one reserves it, the others show it still happening', async () => {
    const name = (shard: number) => `cloudaudit.googleapis.com/data_access/2026/11/24/05:00:00_05:59:59_S${shard}.json`;
    const events = [0, 1, 2].map((shard) => p.putExport([allowed, again(denied)], name(shard)));
    const outcomes = await Promise.all(events.map((e) => p.deliver(e)));
    expect(outcomes.map((o) => (o as { posted?: number }).posted).sort()).toEqual([0, 0, 1]);
    const digests = p.slack.delivered().map((d) => JSON.stringify(d));
    expect(digests.filter((d) => d.includes('Credential never seen on this target'))).toHaveLength(1);
    expect(p.gcs.list(STATE_BUCKET, 'suppression/')).toHaveLength(1);
  });

  it('a key reserved for a digest Slack refuses is given back, so its next occurrence posts', async () => {
    p.slack.respond({ status: 404, body: 'no_service' });
    expect(await p.deliver(p.putExport(anomalous()))).toMatchObject({ outcome: 'dead-letter' });
    expect(await p.deliver(p.putExport([allowed, again(denied)]))).toMatchObject({ outcome: 'done', posted: 1 });
    expect(p.slack.delivered()).toHaveLength(1);
  });
});

describe('cross-batch suppression', () => {
  it('does not re-post a finding key within the window; counts accrue and are shown later', async () => {
    await p.deliver(p.putExport(anomalous()));
    expect(p.slack.delivered()).toHaveLength(1);
    p.clock.advance(3600_000);
    // Same anomaly in the next hour: nothing posted, counts accumulate.
    expect(await p.deliver(p.putExport([again(denied), again(denied), again(denied)]))).toMatchObject({ posted: 0, suppressed: 1 });
    expect(p.slack.delivered()).toHaveLength(1);
    // A different anomaly: posted, and the digest says the first is still happening.
    p.clock.advance(3600_000);
    const other = denied.replace('intruder@example.com', 'mallory@example.com');
    await p.deliver(p.putExport([other, again(denied)]));
    const digests = p.slack.delivered();
    expect(digests).toHaveLength(2);
    const text = JSON.stringify(digests[1]);
    expect(text).toContain('mallory@example.com');
    expect(text).toMatch(/Still happening.*4 more\* since 2026-11-24 03:00 UTC/);
    // After the window, the key is posted again.
    p.clock.advance(25 * 3600_000);
    await p.deliver(p.putExport([again(denied)]));
    expect(p.slack.delivered()).toHaveLength(3);
  });

  it('counts a retried suppressed batch once', async () => {
    await p.deliver(p.putExport(anomalous()));
    p.clock.advance(3600_000);
    const event = p.putExport([again(denied), again(denied)]);
    await p.deliver(event);
    // Replay the suppression step as a retry would, by delivering a copy of the marker's batch again after resetting it.
    const state = JSON.parse(p.gcs.list(STATE_BUCKET, 'suppression/')[0]!.data.toString());
    expect(state.countSincePost).toBe(2);
    expect(await p.deliver(event)).toMatchObject({ outcome: 'duplicate' });
    expect(JSON.parse(p.gcs.list(STATE_BUCKET, 'suppression/')[0]!.data.toString()).countSincePost).toBe(2);
  });
});

describe('events that are not ours', () => {
  it.each([
    ['a non-finalized event type', (e: any) => (e.type = 'google.cloud.storage.object.v1.deleted')],
    ['an object that is not a log export', (e: any) => (e.data.name = 'uploads/cat.png')],
    ['the pipeline’s own state object', (e: any) => (e.data.bucket = STATE_BUCKET)],
  ])('%s is acknowledged and ignored', async (_name, change) => {
    const event = p.putExport(anomalous());
    change(event);
    expect(await p.deliver(event)).toMatchObject({ outcome: 'ignored' });
    expect(p.gcs.requests.filter((r) => r.op === 'media')).toHaveLength(0);
  });

  it('a malformed event (generation not a number) is reported and acknowledged, not thrown', async () => {
    const event = p.putExport(anomalous());
    (event.data as Record<string, string>)['generation'] = 'latest';
    expect(await p.deliver(event)).toMatchObject({ outcome: 'ignored', reason: expect.stringMatching(/data\.generation/) });
  });

  it('accepts generation and size as numbers too', async () => {
    const event = p.putExport([allowed]);
    const numeric = { ...event, data: { ...event.data, generation: Number(event.data.generation), size: 10 } };
    expect(await p.deliver(numeric)).toMatchObject({ outcome: 'done' });
  });

  it('an object deleted before it is read is dead-lettered, not retried for a day', async () => {
    const event = p.putExport(anomalous());
    p.gcs.remove(LOG_BUCKET, event.data.name);
    expect(await p.deliver(event)).toMatchObject({ outcome: 'dead-letter', reason: expect.stringMatching(/no longer exists/) });
  });
});

describe('case 24: secret hygiene', () => {
  it('the webhook URL appears nowhere: logs, state, reports, errors — even when Slack echoes it', async () => {
    const thrown: string[] = [];
    const secret = new URL(p.slack.url).pathname;
    const run = async (lines: string[]) => {
      try {
        await p.deliver(p.putExport(lines));
      } catch (error) {
        thrown.push(String((error as Error).message), String((error as Error).stack));
      }
    };
    let n = 0;
    const fresh = () => denied.replace('intruder@', `intruder${n++}@`);
    p.slack.respond({ status: 404, body: `no_service for ${p.slack.url}` });
    await run([fresh()]);
    p.slack.respond({ status: 500, body: `oops ${p.slack.url}` }, { status: 500, body: secret }, ...Array.from({ length: 20 }, () => ({ reset: true as const })));
    await run([fresh()]);
    await p.slack.stop(); // connection refused
    await run([fresh()]);
    const configError = (() => {
      try {
        p.deps({}, { SLACK_WEBHOOK_URL: p.slack.url.replace('http:', 'ftp:') });
        return '';
      } catch (error) {
        return String((error as Error).message);
      }
    })();
    expect(configError).toMatch(/SLACK_WEBHOOK_URL/);
    const everything = [p.everything(), ...thrown, configError].join('\n');
    expect(thrown.length).toBeGreaterThan(0);
    expect(everything).not.toContain(p.slack.url);
    expect(everything).not.toContain('xoxSECRETtoken123');
    // Bodies that echoed the URL were reduced to Slack's short error code, never kept.
    expect(everything).toContain('unrecognized_response');
    // The receiver was stopped above; give afterEach a live one to stop.
    await p.slack.start();
  });
});

describe('reading the object', () => {
  it('case 14: a read reset mid-stream, then a 503: the read is retried and lines are counted once', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => (i === 1500 ? denied : allowed));
    const event = p.putExport(lines);
    p.gcs.fault({ op: 'media', object: event.data.name }, { type: 'reset-after', bytes: 200_000 });
    p.gcs.fault({ op: 'media', object: event.data.name }, { type: 'status', status: 503 });
    const sleeps = p.clock.sleeps.length;
    expect(await p.deliver(event)).toMatchObject({ outcome: 'done', findings: 1, posted: 1 });
    const report = JSON.parse(p.gcs.list(STATE_BUCKET, 'reports/')[0]!.data.toString());
    expect(report.summary).toMatchObject({ lines: 3000, parsed: 3000 });
    expect(report.findings[0]).toMatchObject({ count: 1 });
    // Our read loop retried, with its backoff (the download client's own retries are off).
    expect(p.clock.sleeps.slice(sleeps)).toEqual([500, 1000]);
    expect(p.gcs.requests.filter((r) => r.op === 'media' && r.object === event.data.name)).toHaveLength(3);
    expect(p.marker(event)).toMatchObject({ counts: { readAttempts: 3 } });
  });

  it('a 503 on reading a state object is retried by the state store, not failed', async () => {
    const event = p.putExport([allowed]);
    expect(await p.deliver(event)).toMatchObject({ outcome: 'done' });
    p.gcs.fault({ op: 'media', object: `markers/${LOG_BUCKET}/${event.data.name}#${event.data.generation}.json` }, { type: 'status', status: 503 });
    expect(await p.deliver(event)).toMatchObject({ outcome: 'duplicate', status: 'done' });
  });

  it('reads a gzipped export (by content, whatever its name)', async () => {
    const { gzipSync } = await import('node:zlib');
    const event = p.putExport(gzipSync(`${anomalous().join('\n')}\n`));
    expect(await p.deliver(event)).toMatchObject({ outcome: 'done', posted: 1 });
  });

  it('a shard that cannot finish inside the budget fails retryably and reports nothing', async () => {
    const event = p.putExport(Array.from({ length: 2000 }, () => denied));
    p.gcs.fault({ op: 'media', object: event.data.name }, { type: 'slow', chunkBytes: 16_384, delayMs: 200 }, 5);
    // Reading may take 3 s of real time at most before the deadline (4 s budget, 1 s reserve): the
    // clock starts at the fixture time and moves with the slow read.
    const deps = p.deps({ now: p.clock.running() }, { TIME_BUDGET_SECONDS: '4', DELIVERY_RESERVE_SECONDS: '1' });
    await expect(p.deliver(event, deps)).rejects.toBeInstanceOf(RetryableError);
    expect(p.slack.requests).toHaveLength(0);
    expect(p.gcs.list(STATE_BUCKET, 'reports/')).toHaveLength(0);
    expect(p.marker(event)).toMatchObject({ status: 'retry' });
    p.gcs.clearFaults();
    expect(await p.deliver(event)).toMatchObject({ outcome: 'done', posted: 1 });
  });

  it('invalid baselines fail the batch retryably (nothing is judged against a broken file)', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    await writeFile(join(p.baselinesDir, 'gcs', 'broken.yaml'), 'version: 1\nkind: gcs\ntarget: x\nsources:\n  - match: nowhere\n');
    const event = p.putExport(anomalous());
    await expect(p.deliver(event)).rejects.toThrow(/broken\.yaml:5: sources\[0\]\.match/);
    expect(p.slack.requests).toHaveLength(0);
  });
});

describe('case 12 end to end: attacker-controlled text reaches Slack escaped', () => {
  it('object names, user agents and SQL with mentions and links arrive as text', async () => {
    const hostile = '<!channel> <@U0ADMIN> <#C0SEC> <https://evil.example/login|Reset your password>';
    const { readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { formatFixtures } = await import('../support/fixtures.js');
    const mysql = JSON.parse((await readFile(join(formatFixtures, 'cloudsql-mysql-audit.jsonl'), 'utf8')).trim());
    Object.assign(mysql.protoPayload.request, { cmd: 'query', status: 'successful', errCode: '0', query: `SELECT '${hostile}'`, user: 'eve' });
    const gcs = JSON.parse(denied);
    gcs.protoPayload.resourceName = `projects/_/buckets/example-bucket/objects/${hostile}`;
    gcs.protoPayload.requestMetadata.callerSuppliedUserAgent = hostile;
    gcs.protoPayload.authenticationInfo.principalEmail = `eve${hostile}@example.com`;
    await p.deliver(p.putExport([JSON.stringify(gcs), JSON.stringify(mysql)]));
    const [digest] = p.slack.requests.map((r) => r.body);
    expect(digest).toBeDefined();
    expect(digest).not.toMatch(/<!|<@|<#/);
    expect(digest!.match(/<http/g)).toHaveLength(2); // our two Logs Explorer links, nothing else
    expect(digest).toContain('&lt;!channel&gt;');
    expect(digest).toContain('&lt;https://evil.example/login|Reset your password&gt;');
  });

  it('a lone surrogate and invisible characters in principals: one digest with every anomaly, shown visibly, done at once', async () => {
    const surrogate = JSON.stringify(JSON.parse(denied)).replace('intruder@example.com', 'eve\\ud800@example.com');
    const lookalike = JSON.parse(denied);
    lookalike.insertId = 'lookalike';
    lookalike.protoPayload.authenticationInfo.principalEmail = 'sa@example-project.iam.gserviceaccount.com\u200b';
    const event = p.putExport([allowed, surrogate, JSON.stringify(lookalike)]);
    expect(await p.deliver(event)).toMatchObject({ outcome: 'done', findings: 2, posted: 2 });
    const [digest] = p.slack.requests.map((r) => r.body);
    expect(digest).toContain('eve\ufffd@example.com');
    expect(digest).toContain('sa@example-project.iam.gserviceaccount.com\\\\u200b');
    expect(digest!.match(/Open in Logs Explorer/g)).toHaveLength(2);
    expect(JSON.parse(digest!).blocks.length).toBeGreaterThan(2);
  });
});
