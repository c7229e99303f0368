/**
 * Tamper evidence through the audit handler on real parts (loopback GCS, the real notifier to the
 * loopback Slack receiver): the tamper export's function (PIPELINE_CHANGES) posts a stranger's sink
 * exclusion as a HIGH finding — during a learning period and with no baseline at all.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMain } from '../support/cli.js';
import { formatFixtures, withTempDir } from '../support/fixtures.js';
import { Pipeline } from '../support/pipeline.js';

let p: Pipeline;
beforeEach(async () => {
  p = await new Pipeline().start();
});
afterEach(async () => {
  await p.stop();
});

const tamper = { SOURCE_KEY: 'tamper', PIPELINE_CHANGES: 'true', LEARNING_DAYS: '14' };
const lines = async () => (await readFile(join(formatFixtures, 'pipeline-changes.jsonl'), 'utf8')).split('\n').filter(Boolean);

describe('the tamper export', () => {
  it('a sink exclusion added by a stranger is posted as a HIGH finding: who, what changed, from where', async () => {
    const [exclusion] = await lines();
    const event = p.putExport([exclusion!], 'cloudaudit.googleapis.com/activity/2025/03/03/05:00:00_05:59:59_S0.json');
    expect((await p.deliver(event, p.deps({}, tamper))).outcome).toBe('done');
    expect(p.slack.requests).toHaveLength(1);
    const body = p.slack.requests[0]!.body;
    expect(body).toContain('HIGH · The audit pipeline itself was changed');
    expect(body).toContain('mallory@example.com');
    expect(body).toContain('198.51.100.77');
    expect(body).toContain('google.logging.v2.ConfigServiceV2.UpdateSink');
    expect(body).toContain('1 exclusion: resource.labels.bucket_name=');
    // Never something to accept into a baseline.
    expect(body).not.toContain('log-audit accept');
  });

  it('every change in a batch is reported, refused attempts included; the same lines read by another function are not changes', async () => {
    const all = await lines();
    const event = p.putExport(all, 'cloudaudit.googleapis.com/activity/2025/03/03/06:00:00_06:59:59_S0.json');
    expect((await p.deliver(event, p.deps({}, tamper))).outcome).toBe('done');
    const body = p.slack.requests.at(-1)!.body;
    expect(body).toMatch(/5 new anomalies — worst: HIGH/);
    expect(body).toContain('An attempt to change the pipeline (refused)');
    const reportText = p.gcs.list('example-log-audit-state', 'reports/').at(-1)!.data.toString('utf8');
    const report = JSON.parse(reportText) as { findings: { type: string; id: string }[] };
    expect(report.findings.map((f) => f.type)).toEqual(Array(5).fill('pipeline-change'));
    // Asked to accept one anyway, the CLI refuses: no baseline entry makes a change to the pipeline normal.
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'baselines'));
      await writeFile(join(dir, 'report.json'), reportText);
      const result = await runMain(['accept', '--report', join(dir, 'report.json'), '--finding', report.findings[0]!.id, '--baselines', join(dir, 'baselines')]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/is a pipeline-change, which no baseline entry makes normal/);
    });
  });
});
