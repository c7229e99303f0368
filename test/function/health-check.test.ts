/**
 * The scheduled health check on real parts: the audit handler writes evidence and dead-letter
 * records to the loopback GCS server, the health check reads only the state bucket and posts through
 * the real notifier to the loopback Slack receiver, on a fake clock. One test goes through the real
 * Functions Framework over HTTP.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runHealthCheck, HEALTH_STATE } from '../../functions/src/function/health/check.js';
import { gcsLineWriter } from '../support/gcs-lines.js';
import { Pipeline, STATE_BUCKET } from '../support/pipeline.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let p: Pipeline;
let line: Awaited<ReturnType<typeof gcsLineWriter>>;

beforeEach(async () => {
  p = await new Pipeline().start();
  line = await gcsLineWriter();
});
afterEach(async () => {
  await p.stop();
});

// The weekly baseline review has its own tests (below); off here.
const env = { SOURCE_KEY: 'gcs', SOURCES: 'gcs', LEARNING_DAYS: '14', REVIEW_EVERY_DAYS: '0' };
const at = (ms: number) => new Date(ms).toISOString();

/** One hourly batch of the example bucket (baselined), audited by the function. */
async function batch(lines?: string[]) {
  const t = p.clock.now() - 30 * 60_000;
  const event = p.putExport(lines ?? [line({ bucket: 'example-bucket', ip: '203.0.113.7', principal: 'sa@example-project.iam.gserviceaccount.com', time: at(t) })]);
  return p.deliver(event, p.deps({}, env));
}

/** Runs the check; returns the headers of what it posted. */
async function check(extra: Record<string, string> = {}): Promise<string[]> {
  const before = p.slack.requests.length;
  const run = await runHealthCheck(p.healthDeps({ ...env, ...extra }));
  expect(run.failed).toEqual([]);
  return p.slack.requests.slice(before).map((r) => ((r.json as { blocks: { text: { text: string } }[] }).blocks[0]!.text.text));
}

describe('a source that stops delivering', () => {
  it('is posted once its gap passes, again only daily while it lasts, and its recovery once', async () => {
    for (let h = 0; h < 4; h++) {
      expect((await batch()).outcome).toBe('done');
      p.clock.advance(HOUR);
      expect(await check()).toEqual([]);
    }
    // The last batch was audited an hour ago; at 3 h 30 min of silence (gap 3 h) it is posted.
    p.clock.advance(2 * HOUR + 30 * 60_000);
    expect(await check()).toEqual(['log-audit health: no gcs batch for 3.5 h']);
    const posted = p.slack.requests.at(-1)!.body;
    expect(posted).toContain('expected at least every 3 h');
    // Every half hour for a day: not again …
    for (let i = 0; i < 47; i++) {
      p.clock.advance(30 * 60_000);
      expect(await check()).toEqual([]);
    }
    // … until a day after the first post.
    p.clock.advance(30 * 60_000);
    expect(await check()).toEqual(['log-audit health: no gcs batch for 28 h']);
    expect(p.slack.requests.at(-1)!.body).toContain('Still happening');
    // Batches again: the recovery is posted once.
    await batch();
    p.clock.advance(10 * 60_000);
    expect(await check()).toEqual(['log-audit health: gcs recovered']);
    p.clock.advance(30 * 60_000);
    expect(await check()).toEqual([]);
  });

  it('follows a per-source gap', async () => {
    await batch();
    p.clock.advance(5 * HOUR);
    expect(await check({ EXPECTED_GAP_HOURS: '{"gcs": 6}' })).toEqual([]);
    p.clock.advance(2 * HOUR);
    expect(await check({ EXPECTED_GAP_HOURS: '{"gcs": 6}' })).toEqual(['log-audit health: no gcs batch for 7 h']);
  });

  it('expects no steady delivery from a source the stack does not list (the tamper export), but still reports its dead letters', async () => {
    const tamperBatch = p.putExport([line({ bucket: 'example-bucket', ip: '203.0.113.7', principal: 'sa@example-project.iam.gserviceaccount.com', time: at(p.clock.now() - 60_000) })]);
    expect((await p.deliver(tamperBatch, p.deps({}, { ...env, SOURCE_KEY: 'tamper' }))).outcome).toBe('done');
    p.clock.advance(2 * DAY);
    expect(await check()).toEqual([]);
    const gone = p.event('cloudaudit.googleapis.com/activity/2026/11/26/09:00:00_09:59:59_S9.json', 78);
    expect((await p.deliver(gone, p.deps({}, { ...env, SOURCE_KEY: 'tamper' }))).outcome).toBe('dead-letter');
    p.clock.advance(10 * 60_000);
    expect(await check()).toEqual(['log-audit health: 1 tamper batch dead-lettered']);
  });

  it('says nothing of a source that never delivered', async () => {
    p.clock.advance(DAY);
    expect(await check({ SOURCES: 'gcs,cloudsql' })).toEqual([]);
  });
});

describe('dead-lettered batches', () => {
  it('are posted with their reason, and the recovery once a later batch is audited', async () => {
    await batch();
    p.clock.advance(60_000);
    // An event for an object that is gone: dead-lettered at once.
    const gone = p.event('cloudaudit.googleapis.com/data_access/2026/11/24/09:00:00_09:59:59_S9.json', 77);
    expect((await p.deliver(gone, p.deps({}, env))).outcome).toBe('dead-letter');
    expect(p.gcs.list(STATE_BUCKET, 'dead-letters/')).toHaveLength(1);
    p.clock.advance(20 * 60_000);
    expect(await check()).toEqual(['log-audit health: 1 gcs batch dead-lettered']);
    expect(p.slack.requests.at(-1)!.body).toContain('no longer exists');
    p.clock.advance(30 * 60_000);
    expect(await check()).toEqual([]);
    await batch();
    p.clock.advance(10 * 60_000);
    expect(await check()).toEqual(['log-audit health: gcs recovered']);
  });
});

describe('batches with nothing in scope', () => {
  it('are posted when the recent batches of a source read no auditable line', async () => {
    await batch();
    p.clock.advance(HOUR);
    expect(await check()).toEqual([]);
    for (let i = 0; i < 3; i++) {
      await batch(['{"insertId":"x","logName":"projects/p/logs/other","textPayload":"hello","timestamp":"2026-11-24T02:00:00Z"}']);
      p.clock.advance(HOUR);
      const posted = await check();
      // Posted once the last three batches (the remembered window) all read nothing.
      expect(posted).toEqual(i < 2 ? [] : ['log-audit health: gcs batches read nothing to audit']);
    }
    await batch();
    p.clock.advance(10 * 60_000);
    expect(await check()).toEqual(['log-audit health: gcs recovered']);
  });
});

describe('learning reminders', () => {
  it('post one message a day per learning target, with the command that learns it', async () => {
    const t = () => at(p.clock.now() - HOUR);
    await batch([line({ bucket: 'new-bucket', ip: '203.0.113.7', principal: 'app@example.com', time: t() }), line({ bucket: 'new-bucket', ip: '203.0.113.8', principal: 'app@example.com', time: t() })]);
    expect(p.slack.requests).toHaveLength(0);
    p.clock.advance(10 * 60_000);
    expect(await check()).toEqual(['log-audit: learning gcs new-bucket']);
    const body = p.slack.requests.at(-1)!.body;
    expect(body).toContain(`log-audit learn --out baselines --target gcs:new-bucket gs://${STATE_BUCKET}/evidence/`);
    expect(body).toContain('day 1 of 14');
    expect(body).toMatch(/1 batches, 2 accesses \(2 successful\) from 2 sources by 1 credentials/);
    p.clock.advance(HOUR);
    await batch([line({ bucket: 'new-bucket', ip: '203.0.113.9', principal: 'app@example.com', time: t() })]);
    expect(await check()).toEqual([]);
    // A day later (no batch meanwhile: a long gap for this test's source).
    p.clock.advance(DAY);
    expect(await check({ EXPECTED_GAP_HOURS: '{"gcs": 48}' })).toEqual(['log-audit: learning gcs new-bucket']);
    expect(p.slack.requests.at(-1)!.body).toMatch(/day 2 of 14.*2 batches, 3 accesses \(3 successful\) from 3 sources/s);
  });

  it('never put a hostile target name into the command', async () => {
    await batch([line({ bucket: 'evil;rm -rf ~', ip: '203.0.113.7', principal: 'app@example.com', time: at(p.clock.now() - HOUR) })]);
    p.clock.advance(10 * 60_000);
    await check();
    const text = JSON.stringify(p.slack.requests.at(-1)!.json);
    expect(text).toContain(`log-audit learn --out baselines gs://${STATE_BUCKET}/evidence/`);
    expect(text).not.toContain('--target');
  });
});

describe('the daily summary', () => {
  it('when on, says once a day what was checked', async () => {
    const on = { DAILY_SUMMARY: 'true' };
    expect(await check(on)).toEqual([]);
    for (let h = 0; h < 23; h++) {
      await batch();
      p.clock.advance(HOUR);
      expect(await check(on)).toEqual([]);
    }
    await batch();
    p.clock.advance(HOUR);
    expect(await check(on)).toEqual(['log-audit: all quiet']);
    expect(p.slack.requests.at(-1)!.body).toMatch(/24 batches audited, 24 lines read \(24 accesses\), 1 targets covered, 0 learning, 0 dead-lettered/);
    p.clock.advance(HOUR);
    expect(await check(on)).toEqual([]);
  });

  it('is off by default', async () => {
    expect(await check()).toEqual([]);
    await batch();
    p.clock.advance(25 * HOUR);
    expect(await check({ EXPECTED_GAP_HOURS: '{"gcs": 48}' })).toEqual([]);
  });
});

describe('the weekly baseline review', () => {
  it('is posted when something needs attention, then again only a week later', async () => {
    // An entry that expires in 3 days, in a second baseline file.
    const expires = at(p.clock.now() + 3 * DAY).slice(0, 10);
    await writeFile(join(p.baselinesDir, 'gcs', 'reports.yaml'), `version: 1\nkind: gcs\ntarget: reports\nsources:\n  - match: ip:198.51.100.9\n    owner: team-data\n    expires: ${expires}\n`);
    const weekly = { REVIEW_EVERY_DAYS: '7', EXPECTED_GAP_HOURS: '{"gcs": 1000}' };
    await batch();
    p.clock.advance(10 * 60_000);
    expect(await check(weekly)).toEqual(['log-audit: weekly baseline review — 1 item']);
    const body = p.slack.requests.at(-1)!.body;
    expect(body).toContain('Expiring within 14 days (1)');
    expect(body).toContain(`on ${expires}`);
    expect(body).toContain(`log-audit review baselines --evidence gs://${STATE_BUCKET}/evidence/`);
    // On a new stack the evidence does not yet span the unseen window: nothing is called unseen.
    expect(body).not.toContain('Not seen');
    p.clock.advance(6 * DAY);
    expect(await check(weekly)).toEqual([]);
    p.clock.advance(DAY);
    // A week on: the entry has expired, and the example bucket's entries now have evidence.
    expect(await check(weekly)).toEqual(['log-audit: weekly baseline review — 1 item']);
    expect(p.slack.requests.at(-1)!.body).toContain('Expired — no longer count as normal (1)');
  });

  it('says nothing when nothing needs attention', async () => {
    await batch();
    p.clock.advance(10 * 60_000);
    expect(await check({ REVIEW_EVERY_DAYS: '7' })).toEqual([]);
    const state = JSON.parse(p.gcs.get(STATE_BUCKET, HEALTH_STATE)!.data.toString('utf8'));
    expect(state.lastReview).toBe(at(p.clock.now()));
  });
});

describe('resilience', () => {
  it('posts again next run what Slack refused, and reads nothing twice', async () => {
    await batch();
    p.clock.advance(4 * HOUR);
    p.slack.respond({ status: 500, body: 'internal' }, { status: 500, body: 'internal' }, { status: 500, body: 'internal' }, { status: 500, body: 'internal' }, { status: 500, body: 'internal' }, { status: 500, body: 'internal' });
    const failed = await runHealthCheck(p.healthDeps({ ...env, SLACK_TIMEOUT_MS: '500', TIME_BUDGET_SECONDS: '3' }));
    expect(failed.failed).toEqual(['problem:silent:gcs']);
    p.slack.reset();
    p.clock.advance(30 * 60_000);
    expect(await check()).toEqual(['log-audit health: no gcs batch for 4.5 h']);
    const state = JSON.parse(p.gcs.get(STATE_BUCKET, HEALTH_STATE)!.data.toString('utf8'));
    expect(state.seen.filter((n: string) => n.startsWith('evidence/'))).toHaveLength(1);
  });

  it('starts over from an unreadable state object, saying so', async () => {
    p.gcs.put(STATE_BUCKET, HEALTH_STATE, 'not json');
    await batch();
    p.clock.advance(10 * 60_000);
    expect(await check()).toEqual([]);
    expect(p.logLines.join('')).toContain('was unreadable');
  });
});

describe('through the Functions Framework', () => {
  it('answers the scheduler’s POST with what it did', async () => {
    await batch();
    p.clock.advance(4 * HOUR);
    const functions = await import('@google-cloud/functions-framework');
    const { healthCheckFunction } = await import('../../functions/src/function/health/entry.js');
    functions.http('healthCheckOnTestClock', healthCheckFunction(() => p.healthDeps(env)));
    const { getTestServer } = await import('@google-cloud/functions-framework/testing');
    const server = getTestServer('healthCheckOnTestClock') as Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ posted: ['problem:silent:gcs'], failed: [], open: ['silent:gcs'], read: { evidence: 1, deadLetters: 0 } });
    } finally {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
