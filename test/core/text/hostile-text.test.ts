/**
 * Text that cannot break or deceive: log values are shown with their hidden characters escaped,
 * cut by code points to a budget counted as sent, strings are well-formed from parse on, a link or
 * a command is whole or absent, and a digest that cannot be built still goes out, minimal.
 */
import { describe, expect, it } from 'vitest';
import { BatchAuditor } from '../../../functions/src/core/detect/auditor.js';
import type { Finding } from '../../../functions/src/core/detect/finding.js';
import { findingSection, minimalDigest, planDigest, planDigestSafely } from '../../../functions/src/core/notify/slack-digest.js';
import { code, value } from '../../../functions/src/core/notify/slack-text.js';
import { formatTextReport } from '../../../functions/src/core/report/text-report.js';
import { summarize } from '../../../functions/src/core/report/summary.js';
import { emptyStats, ProblemLog } from '../../../functions/src/core/read/scan.js';
import { fit, terminalGuard, visible } from '../../../functions/src/core/text/visible.js';
import { event } from '../../support/events.js';
import { parseEvent, sampleEntries, variant } from '../../support/fixtures.js';

/** Every character the issue names as invisible or controlling, and a few more of their kind. */
const HIDDEN = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u0085', '\u0000', '\u001b', '\u007f', '\u009b', '\u2028', '\u00ad', '\u{e0041}'];
const RAW_HIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

function findings(credential: string, extra: Partial<Finding> = {}): Finding[] {
  const auditor = new BatchAuditor([], { now: Date.parse('2026-11-24T00:00:00Z') });
  auditor.add({ ...event({ target: 'reports', credential, source: { ip: '198.51.100.7' } }), resource: 'obj', userAgent: 'ua' });
  return auditor.findings().map((f) => ({ ...f, ...extra }));
}

describe('hidden characters are shown, never passed through', () => {
  it.each(HIDDEN.map((ch) => [ch.codePointAt(0)!.toString(16)]))('U+%s is escaped in Slack values, code spans and terminal text', (hex) => {
    const ch = String.fromCodePoint(parseInt(hex, 16));
    const text = `db-user:app${ch}`;
    for (const out of [value(text), code(text), fit(text, 300), terminalGuard(text)]) {
      expect(out).not.toMatch(RAW_HIDDEN);
      expect(out).toMatch(/\\u/);
    }
  });

  it('a look-alike credential never looks like the known one', () => {
    expect(value('db-user:app\u200b')).toBe('db-user:app\\u200b');
    expect(visible('admin\u202etxt.exe')).toBe('admin\\u202etxt.exe');
    expect(visible('a\nb\tc\u001b[2J')).toBe('a\\nb\\tc\\u001b[2J');
  });

  it('the terminal guard keeps JSON valid and equal once parsed', () => {
    const json = JSON.stringify({ user: 'x\u202e\u200by\u{e0041}', n: 1 }, null, 2);
    const guarded = terminalGuard(json);
    expect(guarded.replace(/\n/g, '')).not.toMatch(RAW_HIDDEN);
    expect(JSON.parse(guarded)).toEqual(JSON.parse(json));
  });
});

describe('cutting by code points, after escaping', () => {
  it('60 emoji cut to a budget leave no unpaired surrogate', () => {
    const name = '😀'.repeat(60);
    for (let max = 15; max < 130; max++) {
      const out = value(name, max);
      expect(out.isWellFormed()).toBe(true);
      expect(out.length).toBeLessThanOrEqual(max);
    }
  });

  it('the budget counts entities and escapes as sent, and never splits one', () => {
    const out = value('&<>'.repeat(50), 40);
    expect(out.length).toBeLessThanOrEqual(40);
    expect(out).toMatch(/^(&amp;|&lt;|&gt;)+…\[\+\d+ chars\]$/);
    const escaped = fit('\u200b'.repeat(50), 30);
    expect(escaped).toMatch(/^(\\u200b)+…\[\+\d+ chars\]$/);
  });
});

describe('strings are well-formed from parse on', () => {
  it('a lone surrogate escape in a user name becomes U+FFFD, and the digest has its link', async () => {
    const [allowed] = await sampleEntries('gcs-data-access.jsonl');
    const line = JSON.stringify(variant(allowed!, (e) => (e.protoPayload.authenticationInfo.principalEmail = 'PLACEHOLDER'))).replace('PLACEHOLDER', 'eve\\ud800@example.com');
    const parsed = parseEvent(line);
    expect(parsed.credential!.key).toBe('eve\ufffd@example.com');
    const auditor = new BatchAuditor([], { now: Date.parse('2026-11-24T00:00:00Z') });
    auditor.add(parsed);
    const { message } = planDigest({ digestId: 'd', batch: 'b', findings: auditor.findings() });
    expect(JSON.stringify(message)).toMatch(/<https:\/\/console\.cloud\.google\.com\/logs\/query;query=[^|]+\|Open in Logs Explorer>/);
  });

  it('a timestamp Date.parse accepts but Cloud Logging never writes is kept as ISO, not as text', async () => {
    const [allowed] = await sampleEntries('gcs-data-access.jsonl');
    const hostile = 'Tue Mar 03 2025 01:44:06 GMT+0000 (\u001b[2J\u001b]0;pwned\u0007)';
    const parsed = parseEvent(variant(allowed!, (e) => (e.timestamp = hostile)));
    expect(parsed.time).toBe('2025-03-03T01:44:06.000Z');
    const rfc = parseEvent(allowed!);
    expect(rfc.time).toBe(allowed!['timestamp']);
  });
});

describe('a link or a command is whole or absent', () => {
  it('a credential too long for its link drops the link whole, keeps the command, and the section fits', () => {
    const long = `${'a'.repeat(4000)}@example.com`;
    const [f] = findings(long, { type: 'new-credential', severity: 'high', credential: long });
    const block = findingSection(f!, { reportUri: 'gs://state/reports/r.json' }) as unknown as { text: { text: string } };
    expect(block.text.text.length).toBeLessThanOrEqual(3000);
    expect(block.text.text).not.toContain('<https://');
    expect(block.text.text).toContain('Logs Explorer link left out (too long)');
    expect(block.text.text).toMatch(/`log-audit accept --report gs:\/\/state\/reports\/r\.json --finding [0-9a-f]{12}`$/m);
  });
});

describe('a digest that cannot be built still goes out', () => {
  it('a deterministic failure gives the minimal digest (counts, targets, worst severity, report) and reports the error', () => {
    const [f] = findings('eve@example.com', { type: 'new-credential', severity: 'high' });
    const broken = { ...f!, rule: undefined } as unknown as Finding;
    const errors: unknown[] = [];
    const plan = planDigestSafely({ digestId: 'd1', batch: 'gs://logs/x.json#1', findings: [broken], reportUri: 'gs://state/reports/x.json', counts: { lines: 9, bad: 1, unknown: 0 } }, (e) => errors.push(e));
    expect(errors).toHaveLength(1);
    const text = JSON.stringify(plan.message);
    expect(text).toContain('log-audit: 1 new anomaly — worst: HIGH');
    expect(text).toContain('`reports` (gcs)');
    expect(text).toContain('gs://state/reports/x.json');
    expect(text).toContain('9 lines, 1 bad, 0 unknown');
    expect(plan.listed.has(f!.id)).toBe(true);
    expect(plan.message).toEqual(minimalDigest({ digestId: 'd1', batch: 'gs://logs/x.json#1', findings: [broken], reportUri: 'gs://state/reports/x.json', counts: { lines: 9, bad: 1, unknown: 0 } }));
  });
});

describe('the text report', () => {
  it('shows hidden characters in every log value as escapes', () => {
    const list = findings('eve\u202e\u200b\u001b[31m@example.com', { userAgents: ['ua\r\u001b[2K'], resources: ['obj\u2028x'] });
    const out = formatTextReport(list, summarize(emptyStats(), 0, new ProblemLog(), list, { total: 1, baselined: 0 }));
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b\u202e\u2028]/);
    expect(out).toContain('eve\\u202e\\u200b\\u001b[31m@example.com');
  });
});
