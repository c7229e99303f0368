/**
 * Day 0 to day 20 on real parts with a fake clock (issue 16's "done when"): a stack deployed with an
 * empty baselines/ folder; the audit function (loopback GCS, real storage client, real notifier to the
 * loopback Slack receiver) audits a batch every six hours for three buckets; the health check runs
 * every two hours. During the learning period nothing is posted per batch except a burst of failures;
 * each target gets one reminder a day. On day 13 the analyst learns from the evidence in the state
 * bucket (the real binary, gs://), which writes the same files as learning the exports themselves —
 * from gs:// and from the same objects as local files — and deploys them. On day 16 the source stops
 * for 18 hours: reported within its gap, recovery once. On day 20 a planted anomaly is posted.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHealthCheck } from '../../functions/src/function/health/check.js';
import { runCliAsync } from '../support/cli.js';
import { folderContents, withTempDir } from '../support/fixtures.js';
import { gcsLineWriter } from '../support/gcs-lines.js';
import { LOG_BUCKET, Pipeline, STATE_BUCKET } from '../support/pipeline.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BUCKETS = ['acme-reports', 'acme-exports', 'acme-archive'] as const;
/** Who normally reads each bucket, and from where. */
const NORMAL: Record<(typeof BUCKETS)[number], { principal: string; ips: string[] }[]> = {
  'acme-reports': [
    { principal: 'etl@acme-prod.iam.gserviceaccount.com', ips: ['10.8.0.11', '10.8.0.12'] },
    { principal: 'analyst@acme.example', ips: ['203.0.113.40'] },
  ],
  'acme-exports': [{ principal: 'exporter@acme-prod.iam.gserviceaccount.com', ips: ['10.8.1.5'] }],
  'acme-archive': [{ principal: 'backup@acme-prod.iam.gserviceaccount.com', ips: ['10.8.2.9'] }],
};
const HEALTH_HEADERS = /^log-audit( health)?: (learning |weekly baseline review|all quiet|no gcs batch|gcs recovered|\d+ gcs batch)/;

interface Post {
  day: number;
  header: string;
  body: string;
}

let p: Pipeline;
let root: string;
let line: Awaited<ReturnType<typeof gcsLineWriter>>;
const posts: Post[] = [];
let deployed = '';
let learned: { fromEvidence: Record<string, string>; fromExportsGs: Record<string, string>; fromExportsLocal: Record<string, string>; stdout: string } | undefined;
const start = Date.parse('2026-03-02T00:00:00Z');
const dayOf = (ms: number) => Math.floor((ms - start) / DAY);
const iso = (ms: number) => new Date(ms).toISOString();
const env = () => ({ SOURCE_KEY: 'gcs', SOURCES: 'gcs', LEARNING_DAYS: '14', EXPECTED_GAP_HOURS: '{"gcs": 8}', BASELINES_DIR: deployed });

function collect(): void {
  for (const r of p.slack.requests.splice(0)) {
    const json = r.json as { blocks: { text: { text: string } }[] };
    posts.push({ day: dayOf(p.clock.now()), header: json.blocks[0]!.text.text, body: r.body });
  }
}

function exportName(ms: number): string {
  const d = new Date(ms);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  return `cloudaudit.googleapis.com/data_access/${d.toISOString().slice(0, 10).replaceAll('-', '/')}/${hh}:00:00_${hh}:59:59_S0.json`;
}

async function batch(extra: string[] = []): Promise<void> {
  const t = iso(p.clock.now() - 30 * 60_000);
  const lines = BUCKETS.flatMap((bucket) => NORMAL[bucket].flatMap(({ principal, ips }) => ips.map((ip) => line({ bucket, ip, principal, time: t }))));
  const event = p.putExport([...lines, ...extra], exportName(p.clock.now() - HOUR));
  const outcome = await p.deliver(event, p.deps({}, env()));
  expect(outcome.outcome).toBe('done');
  collect();
}

async function health(): Promise<void> {
  const run = await runHealthCheck(p.healthDeps(env()));
  expect(run.failed).toEqual([]);
  collect();
}

/** The analyst on day 13: learn from the evidence, compare with learning the exports, deploy. */
async function learnAndDeploy(): Promise<void> {
  const emulator = { STORAGE_EMULATOR_HOST: process.env['STORAGE_EMULATOR_HOST']!, GOOGLE_CLOUD_PROJECT: 'example-project' };
  const next = join(root, 'deployed-1');
  const fromEvidence = await runCliAsync(['learn', '--quiet', '--out', next, `gs://${STATE_BUCKET}/evidence/`], emulator);
  expect(fromEvidence.stderr).toBe('');
  expect(fromEvidence.status).toBe(0);
  const fromExportsGs = await runCliAsync(['learn', '--quiet', '--out', join(root, 'exports-gs'), `gs://${LOG_BUCKET}/`], emulator);
  expect(fromExportsGs.status, fromExportsGs.stderr).toBe(0);
  // The same objects as local files.
  const local = join(root, 'exports-local');
  for (const object of p.gcs.list(LOG_BUCKET, '')) {
    await mkdir(dirname(join(local, object.name)), { recursive: true });
    await writeFile(join(local, object.name), object.data);
  }
  const fromExportsLocal = await runCliAsync(['learn', '--quiet', '--out', join(root, 'exports-local-out'), local]);
  expect(fromExportsLocal.status, fromExportsLocal.stderr).toBe(0);
  learned = {
    fromEvidence: await folderContents(next),
    fromExportsGs: await folderContents(join(root, 'exports-gs')),
    fromExportsLocal: await folderContents(join(root, 'exports-local-out')),
    stdout: fromEvidence.stdout,
  };
  // "Review the diff, commit, pulumi up": the function now ships with the new files.
  deployed = next;
}

beforeAll(async () => {
  p = await new Pipeline().start();
  p.clock.ms = start;
  line = await gcsLineWriter();
  await withTempDir(async (dir) => {
    root = dir;
    deployed = join(root, 'deployed-0');
    await mkdir(deployed, { recursive: true });
    for (let h = 0; h < 21 * 24; h += 2) {
      p.clock.ms = start + h * HOUR + 5 * 60_000;
      const day = Math.floor(h / 24);
      const hourOfDay = h % 24;
      if (day === 13 && hourOfDay === 12) await learnAndDeploy();
      const silent = day === 16 && hourOfDay < 18;
      if (hourOfDay % 6 === 0 && !silent) {
        if (day === 3 && hourOfDay === 6) {
          // A burst of failed reads from the internet against a target still learning.
          const t = iso(p.clock.now() - 20 * 60_000);
          await batch(Array.from({ length: 6 }, () => line({ bucket: 'acme-exports', ip: '198.51.100.23', principal: 'scanner@evil.example', time: t, denied: true })));
        } else if (day === 20 && hourOfDay === 6) {
          // The planted anomaly: a credential never seen, from a source never seen.
          await batch([line({ bucket: 'acme-reports', ip: '192.0.2.66', principal: 'intruder@other-project.iam.gserviceaccount.com', time: iso(p.clock.now() - 10 * 60_000) })]);
        } else await batch();
      }
      p.clock.advance(10 * 60_000);
      await health();
    }
  });
}, 600_000);

afterAll(async () => {
  await p.stop();
});

const digests = () => posts.filter((x) => !HEALTH_HEADERS.test(x.header));

describe('a simulated first month', () => {
  it('posts no finding during the learning period except the burst, at full severity', () => {
    const early = digests().filter((x) => x.day < 14);
    expect(early).toHaveLength(1);
    expect(early[0]!.day).toBe(3);
    expect(early[0]!.body).toContain('HIGH · Burst of failed authentication from an unusual source');
    expect(early[0]!.body).toContain('198.51.100.23');
    expect(early[0]!.body).not.toContain('not-baselined');
  });

  it('reminds once a day per learning target, with the command that learns it, until it is learned', () => {
    for (const bucket of BUCKETS) {
      const reminders = posts.filter((x) => x.header === `log-audit: learning gcs ${bucket}`);
      expect(reminders.map((r) => r.day)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
      expect(reminders[0]!.body).toContain(`log-audit learn --out baselines --target gcs:${bucket} gs://${STATE_BUCKET}/evidence/`);
    }
    // Once the baselines are deployed (day 13, noon), no more reminders.
    expect(posts.filter((x) => x.header.startsWith('log-audit: learning ') && x.day > 13)).toEqual([]);
  });

  it('learning from the evidence writes the same baselines as learning the exports (gs:// and local)', () => {
    expect(Object.keys(learned!.fromEvidence).sort()).toEqual(['baseline.schema.json', ...BUCKETS.map((b) => `gcs/${b}.yaml`)].sort());
    expect(learned!.fromEvidence).toEqual(learned!.fromExportsGs);
    expect(learned!.fromExportsGs).toEqual(learned!.fromExportsLocal);
    expect(learned!.stdout).toMatch(/^learned from \d+ evidence summaries/);
    // Failures are never learned: the burst's source is in no baseline.
    expect(JSON.stringify(learned!.fromEvidence)).not.toContain('198.51.100.23');
  });

  it('stays silent on normal traffic once baselined', () => {
    expect(digests().filter((x) => x.day >= 14 && x.day < 20)).toEqual([]);
  });

  it('reports the source that stopped within its gap, and its recovery once', () => {
    const silent = posts.filter((x) => x.header.startsWith('log-audit health: no gcs batch'));
    expect(silent).toHaveLength(1);
    expect(silent[0]!.day).toBe(16);
    // Last batch at 00:05; gap 8 h; the check every 2 h reports it at 08:15 (8.2 h of silence).
    expect(silent[0]!.header).toBe('log-audit health: no gcs batch for 8.2 h');
    const recovered = posts.filter((x) => x.header === 'log-audit health: gcs recovered');
    expect(recovered.map((r) => r.day)).toEqual([16]);
    expect(posts.findIndex((x) => x === recovered[0])).toBeGreaterThan(posts.findIndex((x) => x === silent[0]));
  });

  it('posts the anomaly planted on day 20', () => {
    const late = digests().filter((x) => x.day >= 14);
    expect(late).toHaveLength(1);
    expect(late[0]!.day).toBe(20);
    expect(late[0]!.body).toContain('intruder@other-project.iam.gserviceaccount.com');
    expect(late[0]!.body).toContain('192.0.2.66');
    expect(late[0]!.body).toContain('acme-reports');
  });

  it('posted nothing else but the weekly reviews', () => {
    const known = (x: Post) => !HEALTH_HEADERS.test(x.header) || /learning |no gcs batch|gcs recovered|weekly baseline review/.test(x.header);
    expect(posts.filter((x) => !known(x))).toEqual([]);
    expect(posts.filter((x) => x.header.includes('weekly baseline review')).map((x) => x.day)).toEqual([0, 7]);
  });
});
