import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { workerFailureLine } from '../functions/src/cli/commands/audit.js';
import { runCli, runCliAsync } from './support/cli.js';
import { SlackReceiver } from './support/slack-receiver.js';
import { repoRoot, formatFixtures, withTempDir } from './support/fixtures.js';

const STACK = /\n\s+at .+:\d+:\d+/;

describe('log-audit --help', () => {
  it.each([[[]], [['learn']], [['audit']], [['validate']], [['accept']], [['review']]])('%j --help prints usage and exits 0', (args) => {
    const result = runCli([...args, '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: log-audit/);
  });
});

describe('usage errors: one line, non-zero, no stack trace', () => {
  it.each([
    [['frobnicate'], 2, /^log-audit: frobnicate: unknown command; commands: learn, audit/],
    [['adit'], 2, /^log-audit: adit: unknown command; did you mean audit\? \(see `log-audit --help`\)$/m],
    [['audit', '--colour', 'x'], 2, /^log-audit: audit: --colour: unknown option \(see `log-audit audit --help`\)$/m],
    [['audit', '--baseline', 'b', 'x'], 2, /^log-audit: audit: --baseline: unknown option; did you mean --baselines\? \(see `log-audit audit --help`\)$/m],
    [['accept', '--expire', '2030-01-01'], 2, /^log-audit: accept: --expire: unknown option; did you mean --expires\?/m],
    [['audit', '--baselines'], 2, /^log-audit: audit: --baselines: needs a value \(see/m],
    [['audit', '--quiet=yes', 'x'], 2, /^log-audit: audit: --quiet: takes no value/m],
    [['audit', '--slack-webhook', 'env:LOG_AUDIT_NO_SUCH_VARIABLE', 'examples/today'], 2, /--slack-webhook: the environment variable LOG_AUDIT_NO_SUCH_VARIABLE is not set/],
    [['accept', '--kind', 'cloudsql', '--target', 'orders-pg', '--source', 'ip:1.2.3.4'], 2, /accept: --target: "orders-pg" must be PROJECT:INSTANCE/],
    [['accept', '--kind', 'gcs', '--target', 'bucket-a', '--source', 'ip:1.2.3.4', '--expires', '2027-02-30'], 2, /accept: --expires: "2027-02-30" is not a date on the calendar/],
    [['accept', '--kind', 'gcs', '--target', 'bucket-a', '--source', 'ip:1.2.3.4', '--expires', 'December 5'], 2, /accept: --expires: must be YYYY-MM-DD or an RFC 3339 timestamp/],
    [['accept', '--kind', 'gcs', '--target', 'bucket-a', '--source', 'ip:1.2.3.4', '--expires', '2026-11-01', '--now', '2026-11-24T00:00:00Z'], 2, /accept: --expires: 2026-11-01 is not in the future/],
    [['audit', '--format', 'xml', 'x'], 2, /--format: /],
    [['audit'], 2, /name at least one PATH/],
    [['learn', '--widen-prefix', '40', 'x'], 2, /--widen-prefix: must be 8..32/],
    [['audit', '/no/such/dir'], 2, /no such file or directory: \/no\/such\/dir/],
    [['audit', '--report', '/no/such/dir/r.json', 'examples/today'], 2, /^log-audit: audit: --report \/no\/such\/dir\/r\.json: cannot write it \(ENOENT\)$/m],
    [['audit', '--slack-webhook', 'ftp://hooks.slack.com/services/T/B/X', 'examples/today'], 2, /--slack-webhook: must be an http\(s\) URL or env:NAME/],
    [['accept', '--kind', 'gcs', '--target', 'b'], 2, /give --source, --credential, or both/],
    [['accept', '--kind', 's3', '--target', 'b', '--source', 'ip:1.2.3.4'], 2, /--kind: must be one of/],
    [['accept', '--kind', 'gcs', '--target', 'b', '--source', 'somewhere'], 2, /--source: must be <form>:<value>/],
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

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const result = runCli(['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`log-audit ${pkg.version}\n`);
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
      await writeFile(join(dir, 'gcs/bbb.yaml'), 'version: 1\nkind: gcs\ntarget: bbb\nsources:\n  - match: somewhere\n');
      for (const args of [['validate', dir], ['audit', '--baselines', dir, 'examples/today']]) {
        const result = runCli(args);
        expect(result.status).toBe(3);
        expect(result.stderr).toMatch(/gcs\/bbb\.yaml:5: sources\[0\]\.match: must be <form>:<value>/);
        expect(result.stderr).not.toMatch(STACK);
      }
    });
  });
});

describe('a large gzip file (gunzipped on a thread started before the baselines load)', () => {
  /** A gzip file over the 4 MiB at which the CLI gunzips on a thread: entries padded with bytes that do not compress. */
  async function bigGzip(dir: string): Promise<string> {
    const gcs = (await readFile(join(formatFixtures, 'gcs-data-access.jsonl'), 'utf8')).split('\n').filter(Boolean);
    const pad = (i: number) => Array.from({ length: 48 }, (_, k) => createHash('sha256').update(`${i}.${k}`).digest('base64')).join('');
    const lines = Array.from({ length: 3000 }, (_, i) => gcs[i % gcs.length]!.replace(/^\{/, `{"pad":"${pad(i)}",`));
    const file = join(dir, 'big.json.gz');
    const gz = gzipSync(lines.join('\n'));
    expect(gz.length).toBeGreaterThan(4 * 1024 * 1024);
    await writeFile(file, gz);
    return file;
  }

  it('audits it as the one-thread gunzip does', async () => {
    await withTempDir(async (dir) => {
      const file = await bigGzip(dir);
      await mkdir(join(dir, 'baselines'));
      const audit = (extra: string[]) => runCli(['audit', '--baselines', join(dir, 'baselines'), '--format', 'json', '--now', '2026-11-24T00:00:00Z', ...extra, file]);
      const threaded = audit([]);
      const inThread = audit(['--workers', '0']);
      expect(threaded.status).toBe(0);
      expect(threaded.stderr).toBe(inThread.stderr);
      const report = JSON.parse(threaded.stdout);
      expect(report.summary).toMatchObject({ files: 1, lines: 3000, parsed: 3000, fileErrors: 0 });
      expect(report).toEqual(JSON.parse(inThread.stdout));
    });
  });

  it('stops the thread and exits when the baselines do not load', async () => {
    await withTempDir(async (dir) => {
      const file = await bigGzip(dir);
      await mkdir(join(dir, 'baselines/gcs'), { recursive: true });
      await writeFile(join(dir, 'baselines/gcs/bbb.yaml'), 'version: 1\nkind: gcs\ntarget: bbb\nsources:\n  - match: somewhere\n');
      // A thread left running would keep the process alive: the test would time out.
      const result = await runCliAsync(['audit', '--baselines', join(dir, 'baselines'), file]);
      expect(result.status).toBe(3);
      expect(result.stderr).toMatch(/bbb\.yaml:5/);
    });
  }, 20_000);
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
      const gcs = join(formatFixtures, 'gcs-data-access.jsonl');
      expect(runCli(['learn', '--out', dir, gcs]).status).toBe(0);
      expect(runCli(['audit', '--baselines', dir, '--fail-on-findings', gcs]).status).toBe(1);
      const first = (await readFile(gcs, 'utf8')).split('\n')[0]!;
      await writeFile(join(dir, 'normal.json'), `${first}\n`);
      const quiet = runCli(['audit', '--baselines', dir, '--fail-on-findings', join(dir, 'normal.json')]);
      expect(quiet.status).toBe(0);
      expect(quiet.stdout).toMatch(/^No anomalies\./);
    });
  });

  it('--max-groups-per-target bounds what one target can fan out into, with one overflow finding', async () => {
    await withTempDir(async (dir) => {
      const line = (await readFile(join(formatFixtures, 'gcs-data-access.jsonl'), 'utf8')).split('\n')[0]!;
      const entry = JSON.parse(line);
      const lines = Array.from({ length: 30 }, (_, i) => {
        entry.protoPayload.requestMetadata.callerIp = `198.51.100.${i + 1}`;
        return JSON.stringify(entry);
      });
      await writeFile(join(dir, 'flood.json'), `${lines.join('\n')}\n`);
      expect(runCli(['learn', '--out', join(dir, 'baselines'), join(formatFixtures, 'gcs-data-access.jsonl')]).status).toBe(0);
      const audited = runCli(['audit', '--baselines', join(dir, 'baselines'), '--format', 'json', '--report', join(dir, 'report.json'), '--max-groups-per-target', '5', join(dir, 'flood.json')]);
      expect(audited.status, audited.stderr).toBe(0);
      // The report file and the JSON output are the same text (both written in pieces).
      expect(await readFile(join(dir, 'report.json'), 'utf8')).toBe(audited.stdout);
      const findings = (JSON.parse(audited.stdout) as { findings: { type: string; count: number }[] }).findings;
      expect(findings.filter((f) => f.type === 'tracking-overflow').map((f) => f.count)).toEqual([25]);
      expect(findings.filter((f) => f.type !== 'tracking-overflow').length).toBeLessThanOrEqual(5);
      expect(runCli(['audit', '--max-groups-per-target', '0', join(dir, 'flood.json')]).status).toBe(2);
    });
  });

  it('audits a directory of hostile files without a crash, naming each problem', async () => {
    await withTempDir(async (dir) => {
      const gcs = (await readFile(join(formatFixtures, 'gcs-data-access.jsonl'), 'utf8')).split('\n').filter(Boolean);
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
      const line = (await readFile(join(formatFixtures, 'gcs-data-access.jsonl'), 'utf8')).split('\n')[1]!.replace('python-requests/2.31.0', 'evil\\u001b[2J\\u001b]0;pwned\\u0007');
      await writeFile(join(dir, 'x.json'), line);
      await mkdir(join(dir, 'b'));
      const result = runCli(['audit', '--baselines', join(dir, 'b'), join(dir, 'x.json')]);
      expect(result.stdout).not.toContain('\u001b');
      expect(result.stdout).toContain('\\u001b[2J');
    });
  });

  it('no hidden character reaches the terminal from audit (text, json, slack) or learn, in values or problem lines', async () => {
    await withTempDir(async (dir) => {
      const lines = (await readFile(join(formatFixtures, 'gcs-data-access.jsonl'), 'utf8')).split('\n').filter(Boolean);
      const hostile = 'eve\\u202e\\u200b\\u001b[31m\\u0085\\u2066@example.com';
      const principal = lines[1]!.replace('intruder@example.com', hostile);
      // A line whose problem message quotes attacker text: a timestamp that is no timestamp.
      const bad = lines[0]!.replace(/"timestamp":"[^"]+"/, '"timestamp":"\\u001b[2J\\u202eevil"');
      await writeFile(join(dir, 'x.json'), `${principal}\n${bad}\n`);
      await mkdir(join(dir, 'b'));
      const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;
      for (const format of ['text', 'json', 'slack']) {
        const result = runCli(['audit', '--format', format, '--baselines', join(dir, 'b'), join(dir, 'x.json')]);
        expect(result.status).toBe(0);
        expect(result.stdout + result.stderr).not.toMatch(raw);
        expect(result.stdout).toMatch(/eve\\+u202e\\+u200b\\+u001b\[31m\\+u0085\\+u2066@example\.com/);
        if (format !== 'text') expect(() => JSON.parse(result.stdout)).not.toThrow();
      }
      const learned = runCli(['learn', '--out', join(dir, 'learned'), join(dir, 'x.json')]);
      expect(learned.stderr).toMatch(/x\.json:2: bad line: timestamp/);
      expect(learned.stdout + learned.stderr).not.toMatch(raw);
    });
  });
});

describe('a scan worker that failed', () => {
  it('is one safe line on stderr, saying nothing was skipped', () => {
    const line = workerFailureLine('logs/\u001b[2Jevil\u202e.json', 'a scan worker exited (code 134)');
    expect(line).toBe('log-audit: logs/\\u001b[2Jevil\\u202e.json: a scan worker exited (code 134); its ranges were scanned again on the main thread (nothing was skipped)');
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e\n]/);
  });
});

describe('audit --slack-webhook: the same digest and notifier as the function', () => {
  let slack: SlackReceiver;
  let baselines: string;
  let dir: string;
  const cleanup = async () => slack.stop();

  beforeAll(async () => {
    slack = new SlackReceiver();
    await slack.start();
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    dir = await mkdtemp(join(tmpdir(), 'log-audit-cli-slack-'));
    baselines = join(dir, 'baselines');
    expect(runCli(['learn', '--quiet', '--out', baselines, join(formatFixtures, 'gcs-data-access.jsonl')]).status).toBe(0);
    return cleanup;
  });

  it('posts one digest for findings, and it is what --format slack prints', async () => {
    const input = join(formatFixtures, 'gcs-data-access.jsonl');
    const posted = await runCliAsync(['audit', '--baselines', baselines, '--format', 'slack', '--slack-webhook', slack.url, input]);
    expect(posted.status, posted.stderr).toBe(0);
    expect(posted.stderr).toMatch(/posted the digest to Slack \(1 findings, 1 attempt\)/);
    expect(slack.delivered()).toHaveLength(1);
    expect(slack.delivered()[0]).toEqual(JSON.parse(posted.stdout));
  });

  it('posts nothing when there are no findings', async () => {
    slack.reset();
    const first = (await readFile(join(formatFixtures, 'gcs-data-access.jsonl'), 'utf8')).split('\n')[0]!;
    await writeFile(join(dir, 'normal.json'), `${first}\n`);
    const result = await runCliAsync(['audit', '--baselines', baselines, '--slack-webhook', slack.url, join(dir, 'normal.json')]);
    expect(result.status).toBe(0);
    expect(slack.requests).toHaveLength(0);
  });

  it('posts only when asked: a webhook in the environment is used with --slack-webhook env:NAME, never on its own', async () => {
    slack.reset();
    const input = join(formatFixtures, 'gcs-data-access.jsonl');
    const unasked = await runCliAsync(['audit', '--quiet', '--baselines', baselines, input], { SLACK_WEBHOOK_URL: slack.url });
    expect(unasked.status).toBe(0);
    expect(slack.requests).toHaveLength(0);
    const asked = await runCliAsync(['audit', '--quiet', '--baselines', baselines, '--slack-webhook', 'env:SLACK_WEBHOOK_URL', input], { SLACK_WEBHOOK_URL: slack.url });
    expect(asked.status, asked.stderr).toBe(0);
    expect(slack.delivered()).toHaveLength(1);
    expect(asked.stderr + asked.stdout).not.toContain(slack.url);
  });

  it('a refused digest exits 4 with one line that does not contain the URL', async () => {
    slack.reset();
    slack.respond({ status: 404, body: 'no_service' });
    const result = await runCliAsync(['audit', '--baselines', baselines, '--slack-webhook', slack.url, join(formatFixtures, 'gcs-data-access.jsonl')]);
    expect(result.status).toBe(4);
    expect(result.stderr.trim().split('\n')).toEqual(['log-audit: Slack refused the message permanently: HTTP 404 no_service']);
    expect(result.stderr + result.stdout).not.toContain(slack.url);
  });
});

describe('accept: a finding becomes normal', () => {
  it('the printed accept command names only the report and the finding, and silences exactly that finding', async () => {
    await withTempDir(async (dir) => {
      const input = join(formatFixtures, 'gcs-data-access.jsonl');
      const baselines = join(dir, 'baselines');
      const report = join(dir, 'report.json');
      expect(runCli(['learn', '--quiet', '--out', baselines, input]).status).toBe(0);
      const before = runCli(['audit', '--baselines', baselines, '--report', report, input]);
      const command = /accept: (log-audit accept .*)$/m.exec(before.stdout)![1]!;
      expect(command).toMatch(new RegExp(`^log-audit accept --report ${report.replace(/[.]/g, '\\.')} --finding [0-9a-f]{12} --baselines ${baselines.replace(/[.]/g, '\\.')}$`));
      // Run it through a shell as a user would (log-audit is the real binary on PATH).
      const { execSync } = await import('node:child_process');
      const bin = join(dir, 'bin');
      await mkdir(bin);
      await writeFile(join(bin, 'log-audit'), `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, 'functions/bin/log-audit.js')}" "$@"\n`, { mode: 0o755 });
      const out = execSync(`${command} --owner secops`, { encoding: 'utf8', shell: '/bin/bash', env: { ...process.env, PATH: `${bin}:${process.env['PATH']}` } });
      expect(out).toMatch(/updated .*example-bucket\.yaml:\n  \+ sources: ip:198\.51\.100\.23\n  \+ credentials: intruder@example\.com\n  \+ pairs: intruder@example\.com from ip:198\.51\.100\.23/);
      expect(runCli(['validate', baselines]).status).toBe(0);
      const after = runCli(['audit', '--baselines', baselines, input]);
      expect(after.stdout).toMatch(/^No anomalies\./);
      const file = await readFile(join(baselines, 'gcs/example-bucket.yaml'), 'utf8');
      expect(file).toMatch(/- match: intruder@example\.com\n    owner: secops\n    reason: accepted finding [0-9a-f]{12}/);
      expect(file).toMatch(/^# yaml-language-server/);
    });
  });

  it("without a saved report, the text report gives each finding's id and how to accept it", async () => {
    await withTempDir(async (dir) => {
      const input = join(formatFixtures, 'gcs-data-access.jsonl');
      const baselines = join(dir, 'baselines');
      expect(runCli(['learn', '--quiet', '--out', baselines, input]).status).toBe(0);
      const { stdout } = runCli(['audit', '--baselines', baselines, input]);
      expect(stdout).toMatch(/^ {3}accept: finding ([0-9a-f]{12}); write this audit's report with --report FILE, then run: log-audit accept --report FILE --finding \1$/m);
    });
  });

  it.each([
    [['--report', 'missing.json', '--finding', '0123456789ab'], /--report missing\.json: no such report/],
    [['--report', 'gs://only-a-bucket', '--finding', '0123456789ab'], /--report gs:\/\/only-a-bucket: not a gs:\/\/BUCKET\/OBJECT location/],
    [['--report', 'r.json', '--finding', 'xyz'], /--finding: must be a 12-digit hex finding id/],
    [['--report', 'r.json', '--finding', '0123456789ab', '--kind', 'gcs'], /take the values from the report; drop --kind/],
  ])('accept %j exits 2 with one line', async (args, message) => {
    await withTempDir(async (dir) => {
      const result = runCli(['accept', ...args], { cwd: dir });
      expect(result.status).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    });
  });

  it('refuses a finding that is not in the report, or that no baseline entry makes normal', async () => {
    await withTempDir(async (dir) => {
      const report = join(dir, 'r.json');
      const finding = { id: 'aaaaaaaaaaaa', kind: 'gcs', type: 'failed-auth-burst', target: 'b', source: 'ip:198.51.100.1', credential: null };
      await writeFile(report, JSON.stringify({ findings: [finding] }));
      const absent = runCli(['accept', '--report', report, '--finding', 'bbbbbbbbbbbb'], { cwd: dir });
      expect([absent.status, absent.stderr.trim()]).toEqual([2, 'log-audit: accept: finding bbbbbbbbbbbb is not in that report (it holds 1 finding)']);
      const burst = runCli(['accept', '--report', report, '--finding', 'aaaaaaaaaaaa'], { cwd: dir });
      expect([burst.status, burst.stderr.trim()]).toEqual([2, 'log-audit: accept: finding aaaaaaaaaaaa is a failed-auth-burst, which no baseline entry makes normal']);
      await writeFile(report, '{"findings": [{"id": "aaaaaaaaaaaa"}]}');
      const invalid = runCli(['accept', '--report', report, '--finding', 'aaaaaaaaaaaa'], { cwd: dir });
      expect(invalid.status).toBe(2);
      expect(invalid.stderr).toMatch(/not an audit report: findings\.0\.kind/);
    });
  });
});

describe('output into a pipe whose reader stops (`| head -1`)', () => {
  it('ends quietly, without a stack trace', async () => {
    const { spawn } = await import('node:child_process');
    await withTempDir(async (dir) => {
      const child = spawn(process.execPath, [join(repoRoot, 'functions/bin/log-audit.js'), 'learn', '--quiet', '--out', dir, join(repoRoot, 'examples', 'history')], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      // The reader goes away before the command writes: every write hits a closed pipe.
      child.stdout.destroy();
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
      expect(code).toBe(0);
    });
  });
});
