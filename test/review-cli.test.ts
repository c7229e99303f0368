/**
 * `log-audit review`: the real binary on baseline files and evidence summaries, read from a local
 * folder and through @google-cloud/storage from the loopback GCS server.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliAsync } from './support/cli.js';
import { withTempDir } from './support/fixtures.js';
import { FakeGcsServer } from './support/gcs-server.js';

const NOW = '2026-06-30T12:00:00Z';
const DAY = 86_400_000;
const iso = (daysAgo: number) => new Date(Date.parse(NOW) - daysAgo * DAY).toISOString();

function evidence(daysAgo: number, targets: { kind: string; target: string; sources: string[]; credentials: string[] }[]) {
  const span = { count: 2, firstSeen: iso(daysAgo), lastSeen: iso(daysAgo) };
  return JSON.stringify({
    logAuditEvidence: 1,
    batch: `logs-bucket/h${daysAgo}.json#1`,
    source: 'gcs',
    at: iso(daysAgo),
    outcome: 'audited',
    lines: 2,
    parsed: 2,
    bad: 0,
    unknown: 0,
    skipped: 0,
    bytes: 100,
    findings: 0,
    targets: targets.map((t) => ({
      kind: t.kind,
      target: t.target,
      accesses: 2,
      successes: 2,
      failures: 0,
      untracked: 0,
      sources: t.sources.map((match) => ({ match, ...span })),
      credentials: t.credentials.map((match) => ({ match, ...span })),
      pairs: t.sources.flatMap((source) => t.credentials.map((credential) => ({ credential, source, ...span }))),
    })),
  });
}

const EVIDENCE: Record<string, string> = {
  'evidence/2026/05/30/gcs/a.evidence.json': evidence(31, [{ kind: 'gcs', target: 'reports', sources: ['ip:203.0.113.7'], credentials: ['etl@acme.iam.gserviceaccount.com'] }]),
  'evidence/2026/06/28/gcs/b.evidence.json': evidence(2, [
    { kind: 'gcs', target: 'reports', sources: ['ip:203.0.113.7'], credentials: ['etl@acme.iam.gserviceaccount.com'] },
    { kind: 'gcs', target: 'fresh-bucket', sources: ['ip:192.0.2.4'], credentials: ['app@acme.iam.gserviceaccount.com'] },
  ]),
  'evidence/2026/06/01/gcs/c.evidence.json': evidence(29, [
    { kind: 'gcs', target: 'forgotten', sources: ['ip:192.0.2.5'], credentials: ['old@acme.iam.gserviceaccount.com'] },
    { kind: 'gcs', target: 'evil\u001b[31m;rm -rf ~', sources: ['ip:192.0.2.6'], credentials: ['x@y.z'] },
  ]),
};

const REPORTS = `version: 1
kind: gcs
target: reports
sources:
  - match: ip:203.0.113.7
  - match: ip:198.51.100.9
    owner: team-data
    reason: vendor audit
    expires: 2026-06-20
credentials:
  - match: etl@acme.iam.gserviceaccount.com
  - match: retired@acme.iam.gserviceaccount.com
    lastSeen: 2026-04-01T00:00:00Z
pairs:
  - credential: etl@acme.iam.gserviceaccount.com
    source: ip:203.0.113.7
`;

async function setUp(dir: string) {
  await mkdir(join(dir, 'baselines', 'gcs'), { recursive: true });
  await writeFile(join(dir, 'baselines', 'gcs', 'reports.yaml'), REPORTS);
  for (const [name, text] of Object.entries(EVIDENCE)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
}

let server: FakeGcsServer;
let emulator: string;
beforeAll(async () => {
  server = new FakeGcsServer();
  emulator = await server.start();
  for (const [name, text] of Object.entries(EVIDENCE)) server.put('acme-state', name, text);
});
afterAll(async () => {
  await server.stop();
});

describe('log-audit review', () => {
  it('lists expired entries, unseen entries, learning and unbaselined targets, and exits 1', async () => {
    await withTempDir(async (dir) => {
      await setUp(dir);
      const result = runCli(['review', join(dir, 'baselines'), '--evidence', join(dir, 'evidence'), '--now', NOW]);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(1);
      const out = result.stdout;
      expect(out).toContain('evidence: 3 batch summaries, 2026-05-30 … 2026-06-28');
      expect(out).toMatch(/Expired \(1\).*\n.*reports\.yaml: sources\[1\] ip:198\.51\.100\.9 — expired on 2026-06-20 \(owner: team-data, reason: vendor audit\)/);
      expect(out).toMatch(/Not seen in the evidence for 30 days \(1\).*\n.*credentials\[1\] retired@acme\.iam\.gserviceaccount\.com — last seen 2026-04-01/);
      expect(out).toMatch(/Still learning \(1\).*\n {2}gcs:fresh-bucket — since 2026-06-28, ends 2026-07-12/);
      expect(out).toMatch(/Evidence but no baseline file \(2\)/);
      expect(out).toContain(`log-audit learn --out ${join(dir, 'baselines')} --target gcs:forgotten ${join(dir, 'evidence')}`);
      // A hostile target is shown escaped, and no command is built from it.
      expect(out).not.toContain('\u001b');
      expect(out).not.toMatch(/--target gcs:evil/);
    });
  });

  it('reads the same evidence from gs:// through the storage client', async () => {
    await withTempDir(async (dir) => {
      await setUp(dir);
      const local = runCli(['review', join(dir, 'baselines'), '--evidence', join(dir, 'evidence'), '--now', NOW, '--format', 'json']);
      const remote = await runCliAsync(['review', join(dir, 'baselines'), '--evidence', 'gs://acme-state/evidence/', '--now', NOW, '--format', 'json'], { STORAGE_EMULATOR_HOST: emulator, GOOGLE_CLOUD_PROJECT: 'test' });
      expect(remote.stderr).toBe('');
      expect(remote.status).toBe(1);
      expect(JSON.parse(remote.stdout)).toEqual(JSON.parse(local.stdout));
      expect(JSON.parse(remote.stdout).unbaselined.map((t: { target: string }) => t.target)).toEqual(['evil\u001b[31m;rm -rf ~', 'forgotten']);
    });
  });

  it('without evidence: expiry only, and says what it did not check; exit 0 when nothing needs attention', async () => {
    await withTempDir(async (dir) => {
      await setUp(dir);
      const result = runCli(['review', join(dir, 'baselines'), '--now', NOW]);
      expect(result.status).toBe(1);
      expect(result.stdout).toContain('no evidence named (--evidence), so unseen entries and learning targets are not checked');
      const before = runCli(['review', join(dir, 'baselines'), '--now', '2026-05-01T00:00:00Z']);
      expect(before.stdout).toContain('nothing needs attention');
      expect(before.status).toBe(0);
    });
  });

  it.each([
    [['review', '--unseen-days', 'many'], /review: --unseen-days: /],
    [['review', 'a', 'b'], /takes at most one baselines directory/],
    [['review', '--evidence', 'gs://'], /review: gs:\/\/ is not a gs:\/\/BUCKET\[\/PREFIX\] location/],
  ])('%j is a one-line usage error', (args, message) => {
    const result = runCli(args as string[], { cwd: join(__dirname, '..') });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });
});
