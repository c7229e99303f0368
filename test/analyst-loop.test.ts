/**
 * The analyst's loop through the real CLI, and the mistakes that used to switch detection off with
 * exit 0: a typo in a target, a date Date.parse invents, an accept written where nobody deploys it,
 * an expiry read as a stranger, a run that read nothing reported as "no anomalies".
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runMain } from './support/cli.js';
import { formatFixtures, withTempDir } from './support/fixtures.js';

const GCS = join(formatFixtures, 'gcs-data-access.jsonl');
const NOW = ['--now', '2025-03-04T00:00:00Z'];
const STACK = /\n\s+at .+:\d+:\d+/;

/** A baselines directory learned from the GCS fixture (target example-bucket). */
async function learned(dir: string): Promise<string> {
  const baselines = join(dir, 'baselines');
  const result = await runMain(['learn', '--quiet', '--out', baselines, GCS]);
  expect(result.status, result.stderr).toBe(0);
  return baselines;
}

describe('baselines that cannot silently stop working', () => {
  it('a typo in target is refused by validate and audit alike, naming the file and line', async () => {
    await withTempDir(async (dir) => {
      const baselines = await learned(dir);
      const file = join(baselines, 'gcs/example-bucket.yaml');
      await writeFile(file, (await readFile(file, 'utf8')).replace('target: example-bucket', 'target: example-buckt'));
      for (const args of [['validate', baselines], ['audit', '--baselines', baselines, GCS]]) {
        const result = await runMain(args);
        expect(result.status).toBe(3);
        expect(result.stderr).toMatch(/gcs\/example-bucket\.yaml:8: target: "example-buckt" is not the gcs target this file is named for/);
      }
    });
  });

  it.each([['2027-02-30'], ['2026-11-31'], ['Dec 5 2026'], ['December 5'], ['12'], ['01/31/2027']])('validate refuses expires: %s with file:line: field', async (date) => {
    await withTempDir(async (dir) => {
      const baselines = await learned(dir);
      const file = join(baselines, 'gcs/example-bucket.yaml');
      await writeFile(file, (await readFile(file, 'utf8')).replace('  - match: ip:203.0.113.7\n', `  - match: ip:203.0.113.7\n    expires: ${date}\n`));
      const result = await runMain(['validate', baselines]);
      expect(result.status).toBe(3);
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/gcs\/example-bucket\.yaml:11: sources\[0\]\.expires: /)]);
    });
  });

  it('accept refuses a missing baselines folder, saying how to start one, and writes nothing', async () => {
    await withTempDir(async (dir) => {
      const missing = join(dir, 'baselines');
      const result = await runMain(['accept', '--baselines', missing, '--kind', 'gcs', '--target', 'example-bucket', '--source', 'ip:198.51.100.1']);
      expect(result.status).toBe(3);
      expect(result.stderr).toMatch(/no baselines directory here\. .*--baselines DIR .*log-audit learn --out DIR/);
      expect(runCli(['validate', missing]).status).toBe(3);
    });
  });

  it('accept writes the schema header in a new file, and the file validates', async () => {
    await withTempDir(async (dir) => {
      const baselines = join(dir, 'baselines');
      await mkdir(baselines);
      const result = await runMain(['accept', '--baselines', baselines, '--kind', 'cloudsql', '--target', 'acme-prod:orders-pg', '--credential', 'db-user:app', '--owner', 'team-db', '--expires', '2027-01-01', '--now', '2026-11-24T00:00:00Z']);
      expect(result.status, result.stderr).toBe(0);
      const text = await readFile(join(baselines, 'cloudsql/acme-prod_orders-pg.yaml'), 'utf8');
      expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../baseline.schema.json');
      expect(JSON.parse(await readFile(join(baselines, 'baseline.schema.json'), 'utf8'))).toHaveProperty('properties.target');
      expect((await runMain(['validate', baselines])).status).toBe(0);
    });
  });

  it('an access an expired entry would have covered is reported as expired, with the entry', async () => {
    await withTempDir(async (dir) => {
      const baselines = await learned(dir);
      const file = join(baselines, 'gcs/example-bucket.yaml');
      const text = await readFile(file, 'utf8');
      await writeFile(file, text.replace('  - match: sa@example-project.iam.gserviceaccount.com\n', '  - match: sa@example-project.iam.gserviceaccount.com\n    owner: team-data\n    reason: nightly export\n    expires: 2025-03-03T12:00:00Z\n'));
      const result = await runMain(['audit', '--quiet', ...NOW, '--baselines', baselines, GCS]);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/why: {3}expired on 2025-03-03 12:00 UTC \(team-data, nightly export\): the credential entry sa@example-project\.iam\.gserviceaccount\.com no longer counts as normal/);
      expect(result.stdout).toMatch(/rule: {2}.*gcs\/example-bucket\.yaml:15 › credentials/);
      const validate = await runMain(['validate', ...NOW, baselines]);
      expect(validate.stderr).toMatch(/gcs\/example-bucket\.yaml:15: credentials\[0\]\.expires: expired on 2025-03-03 12:00 UTC/);
    });
  });
});

describe('nothing read is not "no anomalies"', () => {
  it('an empty directory exits 5 and says nothing was audited', async () => {
    await withTempDir(async (dir) => {
      const baselines = await learned(dir);
      await mkdir(join(dir, 'empty'));
      const result = await runMain(['audit', '--baselines', baselines, join(dir, 'empty')]);
      expect(result.status).toBe(5);
      expect(result.stdout).not.toMatch(/No anomalies/);
      expect(result.stdout).toMatch(/^Nothing read: 0 files, 0 lines/);
      expect(result.stderr).toMatch(/nothing read: no export file was found, so nothing was audited \(exit status 5/);
    });
  });

  it('a directory of files none of which is an export lists what was skipped and why', async () => {
    await withTempDir(async (dir) => {
      const baselines = await learned(dir);
      await mkdir(join(dir, 'logs'));
      await cp(GCS, join(dir, 'logs/export.log'));
      await writeFile(join(dir, 'logs/notes.txt'), 'hello\n');
      const result = await runMain(['audit', '--baselines', baselines, join(dir, 'logs')]);
      expect(result.status).toBe(5);
      expect(result.stderr).toMatch(/skipped .*export\.log: not an export file name .*name the file itself to read it/);
      expect(result.stderr).toMatch(/skipped .*notes\.txt: /);
    });
  });

  it('files named explicitly are read whatever their extension', async () => {
    await withTempDir(async (dir) => {
      const baselines = await learned(dir);
      await cp(GCS, join(dir, 'export.log'));
      await cp(GCS, join(dir, 'export.txt'));
      const result = await runMain(['audit', '--quiet', '--format', 'json', '--baselines', baselines, join(dir, 'export.log'), join(dir, 'export.txt')]);
      expect(result.status).toBe(0);
      const report = JSON.parse(result.stdout) as { summary: { files: number; lines: number } };
      expect(report.summary.files).toBe(2);
      expect(report.summary.lines).toBeGreaterThan(0);
    });
  });

  it('an empty file exits 5 too', async () => {
    await withTempDir(async (dir) => {
      const baselines = await learned(dir);
      await writeFile(join(dir, 'empty.json'), '');
      expect((await runMain(['audit', '--baselines', baselines, join(dir, 'empty.json')])).status).toBe(5);
    });
  });
});

describe('the digest in a terminal', () => {
  it('--format digest prints it as readable text, --format slack as Block Kit JSON, with --project in header and links', async () => {
    await withTempDir(async (dir) => {
      const baselines = join(dir, 'baselines');
      await mkdir(baselines);
      const text = await runMain(['audit', '--quiet', '--format', 'digest', '--project', 'acme-prod', '--environment', 'production', '--baselines', baselines, GCS]);
      expect(text.status).toBe(0);
      expect(text.stdout).toMatch(/^log-audit · acme-prod \(production\): 1 new anomaly — worst: LOW\n=+\n/);
      expect(text.stdout).toMatch(/^Why: No baseline file describes this target\.$/m);
      expect(text.stdout).toMatch(/^\[Open in Logs Explorer\]$/m);
      expect(text.stdout).not.toMatch(/\*Why:\*|:white_circle:|<https/);
      const json = await runMain(['audit', '--quiet', '--format', 'slack', '--project', 'acme-prod', '--baselines', baselines, GCS]);
      const message = JSON.parse(json.stdout) as { blocks: { text?: { text: string } }[] };
      expect(message.blocks[0]!.text!.text).toBe('log-audit · acme-prod: 1 new anomaly — worst: LOW');
      expect(JSON.stringify(message)).toMatch(/\?project=acme-prod\|Open in Logs Explorer>/);
    });
  });

  it('--format slack with no findings prints nothing on stdout (no non-JSON text) and says so on stderr', async () => {
    await withTempDir(async (dir) => {
      const baselines = await learned(dir);
      const first = (await readFile(GCS, 'utf8')).split('\n')[0]!;
      await writeFile(join(dir, 'normal.json'), `${first}\n`);
      const result = await runMain(['audit', '--quiet', '--format', 'slack', '--baselines', baselines, join(dir, 'normal.json')]);
      expect(result.status).toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/no findings: no digest would be posted/);
      expect(result.stderr).not.toMatch(STACK);
    });
  });
});
