/**
 * Flow logs configured through the Network Management API, end to end in the audit handler: their
 * export objects (networkmanagement.googleapis.com/vpc_flows/…) are accepted by the default
 * LOG_PREFIXES, read, and audited like subnet flow logs (loopback GCS, real storage client).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatFixtures } from '../support/fixtures.js';
import { Pipeline, STATE_BUCKET } from '../support/pipeline.js';

let p: Pipeline;
beforeEach(async () => {
  p = await new Pipeline().start();
});
afterEach(async () => {
  await p.stop();
});

describe('the Network Management API flow route', () => {
  it('its export objects are audited: every line parsed, findings for its targets', async () => {
    const lines = (await readFile(join(formatFixtures, 'vpc-flows-network-management.jsonl'), 'utf8')).split('\n').filter(Boolean);
    const event = p.putExport(lines, 'networkmanagement.googleapis.com/vpc_flows/2025/03/03/04:00:00_04:59:59_S0.json');
    const outcome = await p.deliver(event, p.deps({}, { SOURCE_KEY: 'vpc-flows' }));
    expect(outcome).toMatchObject({ outcome: 'done', findings: 2 });
    const report = JSON.parse(p.gcs.list(STATE_BUCKET, 'reports/').at(-1)!.data.toString('utf8')) as { summary: Record<string, number>; findings: { kind: string; target: string }[] };
    expect(report.summary).toMatchObject({ lines: 2, parsed: 2, unknown: 0, bad: 0 });
    expect(report.findings.map((f) => `${f.kind} ${f.target}`).sort()).toEqual(['vpc-flow 10.120.0.4:6379', 'vpc-flow example-project/prod/10.120.0.4:6379']);
  });
});
