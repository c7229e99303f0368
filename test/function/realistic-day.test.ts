/**
 * A realistic day of exports (the example scenario's last day: GCS, Cloud SQL and VPC flow objects
 * as the sinks name them) delivered as CloudEvents: exactly one digest per anomalous batch, none
 * for normal ones, each digest about that batch's planted anomaly.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScenario, DEFAULT_OPTIONS } from '../../examples/scenario.js';
import { runMain } from '../support/cli.js';
import { Pipeline } from '../support/pipeline.js';

let p: Pipeline;
let dir: string;
const scenario = buildScenario({ ...DEFAULT_OPTIONS, seed: 99, historyDays: 3 });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'log-audit-day-'));
  for (const file of scenario.files.filter((f) => f.path.startsWith('history/'))) {
    await mkdir(dirname(join(dir, file.path)), { recursive: true });
    await writeFile(join(dir, file.path), file.content);
  }
  p = await new Pipeline().start();
  const learned = await runMain(['learn', '--quiet', '--out', p.baselinesDir, join(dir, 'history')]);
  expect(learned.status, learned.stderr).toBe(0);
});
afterAll(async () => {
  await p.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('a realistic day through the function', () => {
  it('posts exactly one digest per anomalous batch and none for normal ones', async () => {
    const today = scenario.files.filter((f) => f.path.startsWith('today/'));
    const posted: string[] = [];
    for (const file of today) {
      // today/<bucket>/<object name>
      const [, bucket, ...rest] = file.path.split('/');
      const name = rest.join('/');
      const generation = p.gcs.put(bucket!, name, file.content);
      const before = p.slack.delivered().length;
      const outcome = await p.deliver({ ...p.event(name, generation, file.content.length), data: { ...p.event(name, generation).data, bucket } });
      expect(outcome.outcome, `${file.path}: ${JSON.stringify(outcome)}`).toBe('done');
      if (p.slack.delivered().length > before) posted.push(name);
      p.clock.advance(60_000);
    }
    expect(today.length).toBeGreaterThan(100);
    // Ten planted anomalies, each in its own batch.
    expect(posted).toHaveLength(scenario.planted.length);
    const digests = JSON.stringify(p.slack.delivered());
    for (const planted of scenario.planted) expect(digests).toContain(planted.target.split(':').pop()!.replace('*', ''));
    for (const digest of p.slack.delivered()) {
      expect(digest.blocks.length).toBeLessThanOrEqual(50);
      expect(digest.blocks[0]).toMatchObject({ text: { text: expect.stringMatching(/^log-audit · [a-z0-9-]+: 1 new anomaly — worst: (HIGH|MEDIUM|LOW)$/) } });
    }
  });
});
