import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { repoRoot, sharedFormats, withTempDir } from './support/fixtures.js';

const STACK = /\n\s+at .+:\d+:\d+/;

describe('log-audit --help', () => {
  it.each([[[]], [['learn']], [['audit']], [['validate']]])('%j --help prints usage and exits 0', (args) => {
    const result = runCli([...args, '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: log-audit/);
  });
});

describe('usage errors: one line, non-zero, no stack trace', () => {
  it.each([
    [['frobnicate'], 2, /unknown command "frobnicate"/],
    [['audit', '--colour', 'x'], 2, /Unknown option '--colour'/],
    [['audit', '--format', 'xml', 'x'], 2, /--format: /],
    [['audit'], 2, /name at least one PATH/],
    [['learn', '--widen-prefix', '40', 'x'], 2, /--widen-prefix: must be 8..32/],
    [['audit', '/no/such/dir'], 2, /no such file or directory: \/no\/such\/dir/],
    [['audit', '--slack-webhook', 'https://hooks.slack.com/services/T/B/X', 'examples/today'], 2, /--slack-webhook is not available yet/],
  ])('%j', (args, status, message) => {
    const result = runCli(args);
    expect(result.status).toBe(status);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(STACK);
    expect(result.stderr).not.toContain('hooks.slack.com');
  });

  it('no command at all prints the usage and exits 2', () => {
    expect(runCli([]).status).toBe(2);
  });
});

describe('baselines problems', () => {
  it('audit refuses a missing baselines directory (exit 3)', () => {
    const result = runCli(['audit', '--baselines', '/no/such/baselines', 'examples/today']);
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/baselines directory not found/);
  });

  it('validate and audit name the broken file and field (exit 3)', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'gcs'));
      await writeFile(join(dir, 'gcs/b.yaml'), 'version: 1\nkind: gcs\ntarget: b\nsources:\n  - match: somewhere\n');
      for (const args of [['validate', dir], ['audit', '--baselines', dir, 'examples/today']]) {
        const result = runCli(args);
        expect(result.status).toBe(3);
        expect(result.stderr).toMatch(/gcs\/b\.yaml:5: sources\[0\]\.match: must be <form>:<value>/);
        expect(result.stderr).not.toMatch(STACK);
      }
    });
  });
});

describe('learn + audit on the bundled examples', () => {
  let json: { findings: Record<string, unknown>[]; summary: Record<string, number> };

  beforeAll(async () => {
    await withTempDir(async (dir) => {
      const learned = runCli(['learn', '--out', join(dir, 'baselines'), 'examples/history']);
      expect(learned.status, learned.stderr).toBe(0);
      expect(runCli(['validate', join(dir, 'baselines')]).status).toBe(0);
      const audited = runCli(['audit', '--baselines', join(dir, 'baselines'), '--format', 'json', 'examples/today']);
      expect(audited.status, audited.stderr).toBe(0);
      json = JSON.parse(audited.stdout);
    });
  });

  it('reports exactly the planted anomalies', async () => {
    const expected = JSON.parse(await readFile(join(repoRoot, 'examples/expected-findings.json'), 'utf8')) as Record<string, unknown>[];
    const key = (f: Record<string, unknown>) => [f['kind'], f['type'], f['target'], f['source'], f['credential']].join(' | ');
    expect(json.findings.map(key).sort()).toEqual(expected.map(key).sort());
  });

  it('gives every finding the contract fields', () => {
    for (const f of json.findings) {
      expect(f).toEqual(
        expect.objectContaining({
          kind: expect.stringMatching(/^(gcs|cloudsql|vpc-flow)$/),
          type: expect.any(String),
          target: expect.any(String),
          source: expect.any(String),
          count: expect.any(Number),
          firstSeen: expect.any(String),
          lastSeen: expect.any(String),
        }),
      );
      expect(f).toHaveProperty('credential');
    }
  });

  it('summarizes the counts, and they add up', () => {
    const s = json.summary;
    expect(s['lines']).toBe(s['parsed']! + s['bad']! + s['skipped']! + s['unknown']!);
    expect(s['findings']).toBe(json.findings.length);
    expect(s['files']).toBeGreaterThan(100);
  });
});

describe('audit exit status and input problems', () => {
  it('--fail-on-findings exits 1 when there are findings, 0 otherwise', async () => {
    await withTempDir(async (dir) => {
      const gcs = join(sharedFormats, 'gcs-data-access.jsonl');
      expect(runCli(['learn', '--out', dir, gcs]).status).toBe(0);
      expect(runCli(['audit', '--baselines', dir, '--fail-on-findings', gcs]).status).toBe(1);
      const first = (await readFile(gcs, 'utf8')).split('\n')[0]!;
      await writeFile(join(dir, 'normal.json'), `${first}\n`);
      const quiet = runCli(['audit', '--baselines', dir, '--fail-on-findings', join(dir, 'normal.json')]);
      expect(quiet.status).toBe(0);
      expect(quiet.stdout).toMatch(/^No anomalies\./);
    });
  });

  it('audits a directory of hostile files without a crash, naming each problem', async () => {
    await withTempDir(async (dir) => {
      const gcs = (await readFile(join(sharedFormats, 'gcs-data-access.jsonl'), 'utf8')).split('\n').filter(Boolean);
      const input = join(dir, 'input');
      await mkdir(input);
      await writeFile(join(input, 'a-bad-line.json'), `${gcs[0]}\nnot json at all\n${gcs[1]}\n`);
      await writeFile(join(input, 'b-empty.json'), '');
      await writeFile(join(input, 'c-truncated.json.gz'), gzipSync(gcs.join('\n').repeat(50)).subarray(0, 200));
      await writeFile(join(input, 'd-unknown.json'), `${gcs[0]!.replace('audit.AuditLog', 'audit.Other')}\n`);
      await writeFile(join(input, 'e-bom-crlf.json'), `\ufeff${gcs.join('\r\n')}\r\n`);
      await mkdir(join(dir, 'baselines'));
      const audited = runCli(['audit', '--baselines', join(dir, 'baselines'), '--format', 'json', input]);
      expect(audited.status).toBe(0);
      expect(audited.stderr).not.toMatch(STACK);
      const { summary } = JSON.parse(audited.stdout);
      expect(summary).toMatchObject({ files: 5, bad: 1, unknown: 1, fileErrors: 1 });
      expect(summary.problems.join('\n')).toMatch(/a-bad-line\.json:2: bad line: invalid JSON/);
      expect(summary.problems.join('\n')).toMatch(/c-truncated\.json\.gz: compressed data is truncated/);
      expect(summary.problems.join('\n')).toMatch(/d-unknown\.json:1: unknown line/);
      expect(summary.parsed).toBe(2 + 2);
    });
  });
});

describe('terminal safety', () => {
  it('shows control characters in log values as escapes, never raw', async () => {
    await withTempDir(async (dir) => {
      const line = (await readFile(join(sharedFormats, 'gcs-data-access.jsonl'), 'utf8')).split('\n')[1]!.replace('python-requests/2.31.0', 'evil\\u001b[2J\\u001b]0;pwned\\u0007');
      await writeFile(join(dir, 'x.json'), line);
      await mkdir(join(dir, 'b'));
      const result = runCli(['audit', '--baselines', join(dir, 'b'), join(dir, 'x.json')]);
      expect(result.stdout).not.toContain('\u001b');
      expect(result.stdout).toContain('\\u001b[2J');
    });
  });
});
