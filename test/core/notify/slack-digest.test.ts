import { describe, expect, it } from 'vitest';
import { parseBaseline } from '../../../functions/src/core/baseline/store.js';
import { BatchAuditor } from '../../../functions/src/core/detect/auditor.js';
import type { Finding } from '../../../functions/src/core/detect/finding.js';
import { buildDigest, planDigest, SLACK_LIMITS, type SlackMessage } from '../../../functions/src/core/notify/slack-digest.js';
import { code, escapeMrkdwn, truncate } from '../../../functions/src/core/notify/slack-text.js';
import { event, type EventSpec } from '../../support/events.js';

const baseline = (() => {
  const r = parseBaseline(
    'baselines/gcs/reports.yaml',
    `version: 1
kind: gcs
target: reports
sources: [{ match: "ip:203.0.113.7" }, { match: "token:private" }]
credentials: [{ match: app@p.iam.gserviceaccount.com }, { match: etl@p.iam.gserviceaccount.com }]
pairs: [{ credential: app@p.iam.gserviceaccount.com, source: "ip:203.0.113.7" }, { credential: etl@p.iam.gserviceaccount.com, source: "token:private" }]
`,
  );
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.loaded;
})();

function findingsOf(specs: EventSpec[]): Finding[] {
  const auditor = new BatchAuditor([baseline], { now: Date.parse('2026-11-24T00:00:00Z') });
  for (const spec of specs) auditor.add({ ...event({ target: 'reports', ...spec }), resource: 'q4/board-pack.xlsx', userAgent: 'curl/8.5.0' });
  return auditor.findings();
}

const sample = findingsOf([
  { credential: 'intruder@evil.example', source: { ip: '198.51.100.23', location: { asn: 64500, country: 'nld' } }, time: '2026-11-24T01:10:00Z' },
  { credential: 'intruder@evil.example', source: { ip: '198.51.100.23' }, time: '2026-11-24T01:50:00Z' },
  { source: { ip: '192.0.2.44' }, time: '2026-11-24T02:00:00Z' },
  { credential: 'etl@p.iam.gserviceaccount.com', source: { ip: '203.0.113.7' }, time: '2026-11-24T02:30:00Z' },
  { target: 'new-bucket', time: '2026-11-24T02:40:00Z' },
]);

function sectionTexts(message: SlackMessage): string[] {
  return message.blocks.flatMap((b) => {
    const text = (b as { text?: { text?: string } }).text?.text;
    const elements = ((b as { elements?: { text: string }[] }).elements ?? []).map((e) => e.text);
    return [...(text ? [text] : []), ...elements];
  });
}

describe('Slack digest', () => {
  const input = { digestId: '3f9a0c1d2e4b5a69', batch: 'gs://logs/cloudaudit.googleapis.com/data_access/2026/11/24/01:00:00_01:59:59_S0.json#1741', findings: sample, reportUri: 'gs://state/reports/x.json', project: 'example-project' };

  it('matches the reviewed snapshot', async () => {
    await expect(`${JSON.stringify(buildDigest(input), null, 2)}\n`).toMatchFileSnapshot('__snapshots__/digest.json');
  });

  it('is pure: the same input gives the same payload', () => {
    expect(JSON.stringify(buildDigest(input))).toBe(JSON.stringify(buildDigest(input)));
  });

  it('leads with what was touched, how many anomalies and the worst severity', () => {
    const message = buildDigest(input);
    expect(message.blocks[0]).toMatchObject({ type: 'header', text: { text: 'log-audit · example-project: 4 new anomalies — worst: HIGH' } });
    expect(sectionTexts(message)[1]).toMatch(/\*Touched:\* `reports` \(gcs\), `new-bucket` \(gcs\)/);
    expect(message.text).toMatch(/^log-audit · example-project: 4 new anomalies — worst: HIGH on reports \(gcs\)/);
  });

  it('names the project and the environment in the header, when known', () => {
    expect(buildDigest({ ...input, environment: 'production' }).blocks[0]).toMatchObject({ text: { text: 'log-audit · example-project (production): 4 new anomalies — worst: HIGH' } });
    const { project: _project, ...withoutProject } = input;
    expect(buildDigest(withoutProject).blocks[0]).toMatchObject({ text: { text: 'log-audit: 4 new anomalies — worst: HIGH' } });
  });

  it('says why in plain words with the nearest known values, and what to do either way, for every finding', () => {
    const texts = sectionTexts(buildDigest(input)).filter((t) => t.includes('*Who:*'));
    expect(texts).toHaveLength(4);
    for (const text of texts) {
      expect(text).not.toMatch(/not in (sources|credentials|pairs)/);
      expect(text).toMatch(/^\*If not expected:\* \S/m);
      expect(text).toMatch(/^\*(If expected|To do):\* \S/m);
    }
    expect(texts.find((t) => t.includes('192.0.2.44'))).toMatch(/\*Why:\* Nothing has reached this target from this source before\. Known sources: `ip:203\.0\.113\.7`, `token:private`\./);
    expect(texts.find((t) => t.includes('Known credential used from'))).toMatch(/\*Why:\* This credential and this source are each known here, but never together\. This credential is known from: `token:private`\./);
  });

  it('shows one time when the first and last access are the same minute', () => {
    const text = sectionTexts(buildDigest(input)).find((t) => t.includes('192.0.2.44'))!;
    expect(text).toMatch(/\*When:\* 1×, 2026-11-24 02:00 UTC$/m);
  });

  it('counts match the lists: "N credentials tried" names three and says how many more', () => {
    const auditor = new BatchAuditor([baseline], { now: Date.parse('2026-11-24T00:00:00Z') });
    for (let i = 0; i < 12; i++) auditor.add(event({ target: 'reports', credential: `guess${String(i).padStart(2, '0')}@evil.example`, source: { ip: '198.51.100.99' }, outcome: 'failure', time: '2026-11-24T03:00:00Z' }));
    const burst = auditor.findings().find((f) => f.type === 'failed-auth-burst')!;
    expect(burst.credentialsTried).toHaveLength(10);
    const text = sectionTexts(buildDigest({ ...input, findings: [burst] })).find((t) => t.includes('*Who:*'))!;
    expect(text).toMatch(/\*Who:\* 12 credentials tried: `guess00@evil\.example`, `guess01@evil\.example`, `guess02@evil\.example` and 9 more$/m);
  });

  it('reports an access an expired entry would have covered as expired, with who, why and where the entry is', () => {
    const expired = parseBaseline(
      'baselines/gcs/reports.yaml',
      `version: 1
kind: gcs
target: reports
sources: [{ match: "ip:203.0.113.7" }]
credentials:
  - match: app@p.iam.gserviceaccount.com
  - match: contractor@partner.example
    owner: team-data
    reason: Q3 migration
    expires: 2026-11-01
pairs: [{ credential: app@p.iam.gserviceaccount.com, source: "ip:203.0.113.7" }]
`,
    );
    if (!expired.ok) throw new Error(expired.problems.join('\n'));
    const auditor = new BatchAuditor([expired.loaded], { now: Date.parse('2026-11-24T00:00:00Z') });
    auditor.add(event({ target: 'reports', credential: 'contractor@partner.example', source: { ip: '203.0.113.7' }, time: '2026-11-24T01:00:00Z' }));
    const finding = auditor.findings().find((f) => f.type === 'new-credential')!;
    expect(finding.rule).toMatchObject({ section: 'credentials', entry: 'baselines/gcs/reports.yaml:7', detail: 'expired on 2026-11-01 (team-data, Q3 migration): the credential entry contractor@partner.example no longer counts as normal' });
    const text = sectionTexts(buildDigest({ ...input, findings: [finding] })).find((t) => t.includes('*Who:*'))!;
    expect(text).toMatch(/\*Why:\* Expired on 2026-11-01 \(team-data, Q3 migration\): .* Entry: `baselines\/gcs\/reports\.yaml:7`\./);
  });

  it('tells who, from where, what, when, why, a Logs Explorer link and the accept command', () => {
    const text = sectionTexts(buildDigest(input)).find((t) => t.includes('intruder@evil.example'))!;
    expect(text).toMatch(/\*Who:\* `intruder@evil\.example`/);
    expect(text).toMatch(/\*From:\* 198\.51\.100\.23 \(AS64500 nld\)/);
    expect(text).toMatch(/\*What:\* storage\.objects\.get on `q4\/board-pack\.xlsx`/);
    expect(text).toMatch(/\*When:\* 2×, 2026-11-24 01:10 UTC → 2026-11-24 01:50 UTC/);
    expect(text).toMatch(/\*Why:\* This credential has never been used on this target, and nothing has reached it from this source before\. Known credentials: /);
    expect(text).toMatch(/<https:\/\/console\.cloud\.google\.com\/logs\/query;query=[^|>\s]+;startTime=2026-11-24T01:05:00\.000Z;endTime=2026-11-24T01:55:00\.000Z\?project=example-project\|Open in Logs Explorer>/);
    expect(text).toMatch(/\*If expected:\* `log-audit accept --report gs:\/\/state\/reports\/x\.json --finding [0-9a-f]{12}`$/m);
  });

  it('scopes the Logs Explorer query to the finding', () => {
    const text = sectionTexts(buildDigest(input)).find((t) => t.includes('intruder@evil.example'))!;
    const query = decodeURIComponent(/query;query=([^;]+);/.exec(text)![1]!);
    expect(query).toBe(
      ['protoPayload.serviceName="storage.googleapis.com"', 'resource.labels.bucket_name="reports"', 'protoPayload.requestMetadata.callerIp="198.51.100.23"', 'protoPayload.authenticationInfo.principalEmail="intruder@evil.example"'].join('\n'),
    );
  });

  it('case 11: 200 anomalies stay within Block Kit limits, the digest says 200, and every one has a line', () => {
    const many = findingsOf(Array.from({ length: 200 }, (_, i) => ({ credential: `user${i}@x.example`, source: { ip: '203.0.113.7' } })));
    expect(many).toHaveLength(200);
    const { message, listed } = planDigest({ ...input, findings: many });
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    for (const text of sectionTexts(message)) expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(JSON.stringify(message).length).toBeLessThan(40_000);
    expect(message.blocks[0]).toMatchObject({ text: { text: expect.stringContaining('200 new anomalies') } });
    const all = sectionTexts(message).join('\n');
    expect(all).toMatch(/\*190 more anomalies:\*/);
    expect(all).toContain('full report `gs://state/reports/x.json`');
    // No finding buried: each is detailed or has its own line, with its id.
    expect(listed.size).toBe(200);
    for (const f of many) expect(all).toContain(f.id);
  });

  it('many targets: one line per target when a line per finding does not fit; targets with no room stay unlisted', () => {
    const many = findingsOf(Array.from({ length: 3000 }, (_, i) => ({ target: `bucket-${String(i).padStart(4, '0')}-${'n'.repeat(40)}`, credential: `u${i}@x.example` })));
    const { message, listed } = planDigest({ ...input, findings: many });
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    for (const text of sectionTexts(message)) expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(JSON.stringify(message).length).toBeLessThan(40_000);
    const all = sectionTexts(message).join('\n');
    expect(all).toMatch(/\*2990 more anomalies, by target:\*/);
    expect(listed.size).toBeGreaterThan(100);
    expect(listed.size).toBeLessThan(3000);
    expect(all).toContain(`:warning: ${3000 - listed.size} more anomalies did not fit in this message; they stay pending`);
    // Every listed finding's target is named in the message.
    for (const f of many.filter((x) => listed.has(x.id))) expect(all).toContain(f.target);
  });

  it('case 12: injection in object names, user agents, SQL and principals arrives escaped', () => {
    const hostile = '<!channel> <@U123> <#C999> <https://evil.example|click me> & `rm -rf` *bold*';
    const [f] = findingsOf([{ credential: `x${hostile}@e.example`, source: { ip: '192.0.2.1' } }]);
    const evil: Finding = { ...f!, resources: [hostile], userAgents: [hostile], actions: [`mysql query ${hostile}`] };
    const payload = JSON.stringify(buildDigest({ ...input, findings: [evil], batch: `gs://b/${hostile}` }));
    expect(payload).not.toMatch(/<!|<@|<#/);
    expect(payload.match(/<http/g)).toHaveLength(1); // only our own Logs Explorer link
    expect(payload).toContain('&lt;!channel&gt;');
    expect(payload).toContain('&amp;');
  });

  it('case 13: quotes, U+2028 and a 1 MB value give valid JSON, truncated with a marker', () => {
    const [f] = findingsOf([{ credential: 'y@e.example', source: { ip: '192.0.2.1' } }]);
    const huge = `"quoted" \u2028 line ${'x'.repeat(1024 * 1024)}`;
    const message = buildDigest({ ...input, findings: [{ ...f!, resources: [huge], userAgents: [huge] }] });
    const payload = JSON.stringify(message);
    expect(JSON.parse(payload)).toEqual(message);
    expect(payload.length).toBeLessThan(20_000);
    expect(payload).toMatch(/…\[\+\d+ chars\]/);
  });

  it('shows suppressed findings as still happening', () => {
    const [first, ...rest] = sample;
    const message = buildDigest({ ...input, findings: rest, stillHappening: [{ finding: first!, countSince: 37, since: '2026-11-23T22:00:00Z' }] });
    expect(sectionTexts(message).join('\n')).toMatch(/\*Still happening\*.*\n• Credential never seen on this target on `reports` from 198\.51\.100\.23 .* as `intruder@evil\.example`: \*37 more\* since 2026-11-23 22:00 UTC/);
  });
});

describe('escaping helpers', () => {
  it.each([
    ['<!here>', '&lt;!here&gt;'],
    ['a & b', 'a &amp; b'],
    ['&lt;', '&amp;lt;'],
  ])('escapes %s', (input, output) => expect(escapeMrkdwn(input)).toBe(output));

  it('keeps a backtick from ending a code span', () => expect(code('a`b')).toBe('`aˋb`'));
  it('marks truncation with the number of characters cut, within the limit', () => {
    const out = truncate('x'.repeat(100), 20);
    expect(out).toBe('xxxxxxxx…[+92 chars]');
    expect(out.length).toBeLessThanOrEqual(20);
  });
});
