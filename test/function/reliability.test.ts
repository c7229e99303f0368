/**
 * Reliability cases 15–20 and 22 of docs/reliability.md through the function on real
 * parts (cases 1–14, 21, 23 and 24 are in handler.test.ts, framework.test.ts and the infra tests).
 * After each: the anomaly is posted, and Pipeline.invariantViolations finds nothing.
 */
import { gzipSync } from 'node:zlib';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gcsSamples, Pipeline, STATE_BUCKET, type StorageCloudEvent } from '../support/pipeline.js';

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
  expect(p.invariantViolations(true)).toEqual([]);
  await p.stop();
});

function report(event: StorageCloudEvent): { summary: Record<string, any>; findings: Record<string, any>[] } {
  const o = p.gcs.get(STATE_BUCKET, `reports/${event.data.bucket}/${event.data.name}#${event.data.generation}.json`);
  if (!o) throw new Error('no report');
  return JSON.parse(o.data.toString('utf8'));
}

/** The batch's report summary, after checking its anomaly reached Slack (the invariants run after each case). */
function invariants(event: StorageCloudEvent, expectPosted: boolean) {
  expect(p.marker(event)).toBeDefined();
  const { summary } = report(event);
  if (expectPosted) expect(p.slack.delivered().some((d) => JSON.stringify(d).includes('intruder@example.com'))).toBe(true);
  return summary;
}

describe('hostile input through the function', () => {
  it('case 15: a truncated gzip audits its readable prefix, reports the file, and is not retried', async () => {
    const body = gzipSync(`${[denied, ...Array.from({ length: 3000 }, () => allowed)].join('\n')}\n`);
    const event = p.putExport(body.subarray(0, Math.floor(body.length * 0.7)));
    expect(await p.deliver(event)).toMatchObject({ outcome: 'done' });
    const summary = invariants(event, true);
    expect(summary.fileErrors).toBe(1);
    expect(summary.problems.join('\n')).toMatch(/compressed data is truncated or corrupt after line \d+/);
  });

  it('case 16: invalid JSON lines among valid ones: the valid ones are audited, the bad ones counted with line numbers', async () => {
    const event = p.putExport([allowed, '{"not": json', denied, 'garbage', allowed]);
    await p.deliver(event);
    const summary = invariants(event, true);
    expect(summary).toMatchObject({ lines: 5, parsed: 3, bad: 2 });
    expect(summary.problems.join('\n')).toMatch(/:2: bad line: invalid JSON[\s\S]*:4: bad line: invalid JSON/);
  });

  it('case 17: a 20 MB line is skipped and counted; the lines after it are audited', async () => {
    const huge = `{"textPayload":"${'a'.repeat(20 * 1024 * 1024)}"}`;
    const event = p.putExport([allowed, huge, denied]);
    await p.deliver(event);
    const summary = invariants(event, true);
    expect(summary).toMatchObject({ lines: 3, bad: 1, parsed: 2 });
    expect(summary.problems.join('\n')).toMatch(/:2: bad line: line of 20\.0 MiB is over the 4\.0 MiB limit/);
  });

  it('case 18: BOM, CRLF and invalid UTF-8 are handled, never thrown', async () => {
    const broken = Buffer.from(denied.replace('python-requests', 'python-XXquests'));
    const at = broken.indexOf('XX');
    broken[at] = 0xc3;
    broken[at + 1] = 0x28;
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${allowed}\r\n`), broken, Buffer.from('\r\n')]);
    const event = p.putExport(body);
    expect(await p.deliver(event)).toMatchObject({ outcome: 'done' });
    const summary = invariants(event, true);
    expect(summary).toMatchObject({ lines: 2, parsed: 2, bad: 0, warnings: 1 });
  });

  it('case 19: unknown @type, null payloads, wrong types and far-future timestamps are counted, not thrown', async () => {
    const entry = JSON.parse(allowed);
    const lines = [
      JSON.stringify({ ...entry, protoPayload: { ...entry.protoPayload, '@type': 'type.googleapis.com/Mystery' } }),
      JSON.stringify({ ...entry, protoPayload: null }),
      JSON.stringify({ ...entry, protoPayload: { ...entry.protoPayload, methodName: 42 } }),
      JSON.stringify({ ...entry, timestamp: '2999-01-01T00:00:00Z' }),
      JSON.stringify({ ...entry, insertId: ['not', 'a', 'string'] }),
      'null',
      denied,
    ];
    const event = p.putExport(lines);
    expect(await p.deliver(event)).toMatchObject({ outcome: 'done' });
    const summary = invariants(event, true);
    expect(summary).toMatchObject({ lines: 7, parsed: 1, unknown: 2, bad: 4 });
  });

  it.each(['MAX_TRACKED_GROUPS', 'MAX_GROUPS_PER_TARGET'])('case 20: many distinct sources in one batch: tracking is capped (%s), one overflow finding, the batch completes', async (knob) => {
    const entry = JSON.parse(denied);
    const lines = Array.from({ length: 20_000 }, (_, i) => {
      entry.protoPayload.requestMetadata.callerIp = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      entry.protoPayload.authenticationInfo.principalEmail = 'intruder@example.com';
      return JSON.stringify(entry);
    });
    const event = p.putExport(lines);
    const outcome = await p.deliver(event, p.deps({}, { [knob]: '1000' }));
    expect(outcome).toMatchObject({ outcome: 'done' });
    const { findings } = report(event);
    const overflow = findings.filter((f) => f.type === 'tracking-overflow');
    expect(overflow).toHaveLength(1);
    expect(overflow[0]).toMatchObject({ count: 19_000 });
    expect(findings.length).toBeLessThanOrEqual(1001);
    const digest = JSON.stringify(p.slack.delivered()[0]);
    expect(digest).toMatch(/Too many distinct sources/);
    expect(p.slack.delivered()[0]!.blocks.length).toBeLessThanOrEqual(50);
    invariants(event, true);
  });

  it('case 22: shards S0 and S1 overlapping by insertId are each processed once; the shared anomaly is posted once', async () => {
    const s0 = p.putExport([allowed, denied], 'cloudaudit.googleapis.com/data_access/2026/11/24/02:00:00_02:59:59_S0.json');
    const s1 = p.putExport([denied, allowed, allowed], 'cloudaudit.googleapis.com/data_access/2026/11/24/02:00:00_02:59:59_S1.json');
    for (const event of [s0, s1, s0, s1]) await p.deliver(event);
    expect(p.markers().map((m) => m.value['status'])).toEqual(['done', 'done']);
    expect(p.slack.delivered()).toHaveLength(1);
    invariants(s0, true);
    invariants(s1, true);
    // The duplicate entry (same timestamp and insertId) is not counted again…
    const state = () => JSON.parse(p.gcs.list(STATE_BUCKET, 'suppression/')[0]!.data.toString('utf8'));
    expect(state().countSincePost).toBe(0);
    // …while a new access by the same intruder is.
    const later = JSON.parse(denied);
    later.insertId = 'a-new-entry';
    await p.deliver(p.putExport([JSON.stringify(later)]));
    expect(state().countSincePost).toBe(1);
  });
});
