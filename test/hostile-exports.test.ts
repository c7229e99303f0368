/**
 * A held-out set of hostile exports, built here from the classes of the security review (not from
 * the inputs of the unit tests): attacker-chosen user names that end fish's quoting, look-alike
 * principals, bidi and ANSI sequences, emoji, a lone surrogate, a megabyte user agent, a name with
 * spaces in postgres.log, a timestamp Date.parse accepts but Cloud Logging never writes. Audited by
 * the CLI (text, json, slack) and by the function, the planted anomalies must all be reported, with
 * exit 0, no stack trace, nothing hidden passed through, a well-formed Slack payload within limits,
 * and suggested commands that run only log-audit in bash, zsh and fish.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_LIMITS } from '../functions/src/core/notify/slack-digest.js';
import { runCli } from './support/cli.js';
import { formatFixtures, withTempDir } from './support/fixtures.js';
import { Pipeline } from './support/pipeline.js';

const HIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
const STACK = /\n\s+at .+:\d+:\d+/;

const lines = async (file: string) => (await readFile(join(formatFixtures, file), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);

/** What is planted, by the credential each anomaly carries (as the report's JSON holds it). */
interface Planted {
  history: string[];
  today: string[];
  credentials: string[];
}

async function plant(): Promise<Planted> {
  const [allowed, denied] = await lines('gcs-data-access.jsonl');
  const [mysql] = await lines('cloudsql-mysql-audit.jsonl');
  const pg = await lines('cloudsql-postgres-log.jsonl');
  let n = 0;
  const gcs = (principal: string, change: (e: Record<string, any>) => void = () => undefined, base = denied!) => {
    const e = structuredClone(base);
    e.insertId = `hostile-${n++}`;
    e.protoPayload.authenticationInfo.principalEmail = principal;
    change(e);
    return JSON.stringify(e);
  };
  const known = allowed!.protoPayload.authenticationInfo.principalEmail as string;
  const mysqlSuccess = structuredClone(mysql!);
  Object.assign(mysqlSuccess.protoPayload.request, { user: 'app', status: 'successful', errCode: '0' });
  const history = [JSON.stringify(allowed), JSON.stringify(mysqlSuccess), ...pg.slice(0, 2).map((e) => JSON.stringify(e))];
  const fishBreaker = "x\\';touch /tmp/pwned;#";
  const mysqlFailure = (i: number) => {
    const e = structuredClone(mysql!);
    e.insertId = `mysql-${i}`;
    e.protoPayload.request.user = fishBreaker;
    e.protoPayload.request.ip = '198.51.100.66';
    return JSON.stringify(e);
  };
  const pgName = structuredClone(pg);
  pgName[1]!.textPayload = pgName[1]!.textPayload.replace(/user=app_user/g, 'user=app admin').replace(/\[(\d+)\]/, '[777]');
  pgName[0]!.textPayload = pgName[0]!.textPayload.replace(/\[(\d+)\]/, '[777]').replace('host=203.0.113.7', 'host=198.51.100.99');
  pgName.forEach((e, i) => (e.insertId = `pg-${i}`));
  const today = [
    JSON.stringify(allowed),
    gcs(`${known}\u200b`),
    gcs('eve\u202egnp.exe@example.com', (e) => (e.protoPayload.resourceName = `projects/_/buckets/example-bucket/objects/${'😀'.repeat(60)}\u001b[2J`)),
    gcs('PLACEHOLDER-SURROGATE', (e) => (e.protoPayload.requestMetadata.callerSuppliedUserAgent = `x${'A'.repeat(1024 * 1024)}`)).replace('PLACEHOLDER-SURROGATE', 'mallory\\ud800@example.com'),
    gcs("o'brien\"$(id)`id`@example.com", (e) => (e.timestamp = 'Mon Mar 03 2025 02:10:00 GMT+0000 (\u001b]0;pwned\u0007)')),
    ...Array.from({ length: 6 }, (_, i) => mysqlFailure(i)),
    JSON.stringify(pgName[0]),
    JSON.stringify(pgName[1]),
  ];
  return {
    history,
    today,
    credentials: [`${known}\u200b`, 'eve\u202egnp.exe@example.com', 'mallory\ufffd@example.com', "o'brien\"$(id)`id`@example.com", 'db-user:app admin'],
  };
}

let planted: Planted;
beforeAll(async () => {
  planted = await plant();
});

/** Runs each suggested command in a shell, with a stand-in log-audit; returns whether anything else ran. */
function pasteInto(shell: string, flags: string[], commands: string[], dir: string): void {
  for (const command of commands) {
    execFileSync(shell, [...flags, command], { cwd: dir, env: { PATH: `${dir}:/usr/bin:/bin`, HOME: dir }, stdio: 'pipe' });
    expect(existsSync('/tmp/pwned')).toBe(false);
  }
}

describe('held-out hostile exports through the CLI', () => {
  it('text, json and slack: every planted anomaly, exit 0, nothing hidden, a payload within limits, commands that run only log-audit', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'history.json'), `${planted.history.join('\n')}\n`);
      await writeFile(join(dir, 'today.json'), `${planted.today.join('\n')}\n`);
      const baselines = join(dir, 'baselines');
      expect(runCli(['learn', '--quiet', '--out', baselines, join(dir, 'history.json')]).status).toBe(0);
      const report = join(dir, 'report.json');
      const outputs: Record<string, string> = {};
      for (const format of ['text', 'json', 'slack']) {
        const result = runCli(['audit', '--format', format, '--report', report, '--baselines', baselines, join(dir, 'today.json')]);
        expect(result.status, result.stderr).toBe(0);
        expect(result.stderr + result.stdout).not.toMatch(STACK);
        expect((result.stdout + result.stderr).replace(/\n/g, '')).not.toMatch(HIDDEN);
        outputs[format] = result.stdout;
      }
      const json = JSON.parse(outputs['json']!) as { findings: { credential: string | null; credentialsTried?: string[]; type: string }[] };
      const credentials = new Set(json.findings.flatMap((f) => [f.credential ?? '', ...(f.credentialsTried ?? [])]));
      for (const c of [...planted.credentials, "db-user:x\\';touch /tmp/pwned;#"]) expect(credentials, c).toContain(c);
      expect(json.findings.some((f) => f.type === 'failed-auth-burst')).toBe(true);
      const slack = JSON.parse(outputs['slack']!) as { blocks: { text?: { text: string } }[] };
      expect(slack.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
      for (const b of slack.blocks) expect((b.text?.text ?? '').length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      expect(JSON.stringify(slack).isWellFormed()).toBe(true);
      // The suggested commands, pasted into every shell we can find, run only log-audit.
      const commands = [...outputs['text']!.matchAll(/^ {3}accept: (log-audit accept .*)$/gm)].map((m) => m[1]!);
      expect(commands.length).toBeGreaterThanOrEqual(4);
      const bin = join(dir, 'bin');
      await mkdir(bin);
      await writeFile(join(bin, 'log-audit'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      for (const [shell, flags] of [['/bin/bash', ['-c']], ['/usr/bin/zsh', ['-o', 'extendedglob', '-c']], ['/usr/bin/fish', ['-c']]] as const) {
        if (existsSync(shell)) pasteInto(shell, [...flags], commands, bin);
      }
      // And the real command accepts the finding it names.
      const first = commands[0]!.split(' ').slice(1);
      expect(runCli(first).status).toBe(0);
    });
  });
});

describe('held-out hostile exports through the function', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await new Pipeline().start();
  });
  afterAll(async () => {
    await p.stop();
  });

  it('one well-formed digest within limits, every planted anomaly in it, nothing hidden, done', async () => {
    const outcome = await p.deliver(p.putExport(planted.today));
    expect(outcome).toMatchObject({ outcome: 'done' });
    const bodies = p.slack.requests.map((r) => r.body);
    expect(bodies).toHaveLength(1);
    const digest = JSON.parse(bodies[0]!) as { text: string; blocks: { text?: { text: string } }[] };
    expect(digest.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    const texts = digest.blocks.map((b) => b.text?.text ?? '');
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(texts.join('').replace(/\n/g, '')).not.toMatch(HIDDEN);
    expect(bodies[0]!.isWellFormed()).toBe(true);
    const all = texts.join('\n');
    for (const shown of ['sa@example-project.iam.gserviceaccount.com\\u200b', 'eve\\u202egnp.exe@example.com', 'mallory\ufffd@example.com', 'db-user:app admin', "db-user:x\\';touch /tmp/pwned;#"]) expect(all).toContain(shown);
    expect(all).not.toMatch(/<!|<@|<#/);
  });
});
