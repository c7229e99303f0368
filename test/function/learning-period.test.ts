/**
 * The learning period on real parts (handler, loopback GCS, loopback Slack, fake clock): a target
 * without a baseline is observed, not reported, for LEARNING_DAYS from the first batch naming it —
 * except a burst of failures, which is always reported — and reported again once the period is over.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { learningRecordName } from '../../functions/src/function/learning-period.js';
import { gcsLineWriter } from '../support/gcs-lines.js';
import { Pipeline, STATE_BUCKET } from '../support/pipeline.js';

let p: Pipeline;
let line: Awaited<ReturnType<typeof gcsLineWriter>>;
const DAY = 86_400_000;

beforeEach(async () => {
  p = await new Pipeline().start();
  line = await gcsLineWriter();
});
afterEach(async () => {
  await p.stop();
});

const at = (ms: number) => new Date(ms).toISOString();
const env = { LEARNING_DAYS: '3' };

describe('a target without a baseline', () => {
  it('is observed silently for LEARNING_DAYS from its first batch, then reported', async () => {
    const deliver = async () => {
      const t = p.clock.now() - 3_600_000;
      const event = p.putExport([line({ bucket: 'new-bucket', ip: '203.0.113.7', principal: 'app@example.com', time: at(t) })]);
      return p.deliver(event, p.deps({}, env));
    };
    const first = p.clock.now();
    expect((await deliver()).outcome).toBe('done');
    expect(p.slack.requests).toHaveLength(0);
    const record = JSON.parse(p.gcs.get(STATE_BUCKET, learningRecordName('gcs', 'new-bucket'))!.data.toString('utf8'));
    expect(record).toMatchObject({ kind: 'gcs', target: 'new-bucket', firstSeen: at(first) });
    // Days later, still within the period: still silent, and the first sighting does not move.
    p.clock.advance(2 * DAY + 23 * 3_600_000);
    await deliver();
    expect(p.slack.requests).toHaveLength(0);
    expect(JSON.parse(p.gcs.get(STATE_BUCKET, learningRecordName('gcs', 'new-bucket'))!.data.toString('utf8')).firstSeen).toBe(at(first));
    // The reports still say what was held back.
    const reports = p.gcs.list(STATE_BUCKET, 'reports/').map((o) => JSON.parse(o.data.toString('utf8')));
    expect(reports.every((r) => r.learning.some((l: { target: string }) => l.target === 'new-bucket'))).toBe(true);
    // Past the period with still no baseline: reported.
    p.clock.advance(2 * 3_600_000);
    await deliver();
    expect(p.slack.requests).toHaveLength(1);
    expect(p.slack.requests[0]!.body).toContain('no baseline');
  });

  it('reports a burst of failures at full severity during its learning period', async () => {
    const t = p.clock.now() - 3_600_000;
    const lines = Array.from({ length: 6 }, (_, i) => line({ bucket: 'new-bucket', ip: '198.51.100.23', principal: 'intruder@example.com', time: at(t + i * 1000), denied: true }));
    await p.deliver(p.putExport(lines), p.deps({}, env));
    expect(p.slack.requests).toHaveLength(1);
    const body = p.slack.requests[0]!.body;
    expect(body).toMatch(/burst/i);
    expect(body).toMatch(/HIGH/);
    expect(body).not.toMatch(/has no baseline/);
  });

  it('is reported at once when LEARNING_DAYS is 0', async () => {
    const t = p.clock.now() - 3_600_000;
    await p.deliver(p.putExport([line({ bucket: 'new-bucket', ip: '203.0.113.7', principal: 'app@example.com', time: at(t) })]), p.deps({}, { LEARNING_DAYS: '0' }));
    expect(p.slack.requests).toHaveLength(1);
    expect(p.gcs.list(STATE_BUCKET, 'learning/')).toHaveLength(0);
  });
});
