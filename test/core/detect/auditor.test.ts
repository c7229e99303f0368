import { describe, expect, it } from 'vitest';
import { parseBaseline, type LoadedBaseline } from '../../../functions/src/core/baseline/store.js';
import { ENTRY_ID_LIMIT, groupCount, groupKey } from '../../../functions/src/core/detect/access-group.js';
import { BatchAuditor } from '../../../functions/src/core/detect/auditor.js';
import { ONE_LINE, RepeatedAccess, type KnownAccess } from '../../../functions/src/core/repeated-access.js';
import type { Finding } from '../../../functions/src/core/detect/finding.js';
import type { AccessEvent } from '../../../functions/src/core/access-event.js';
import { event, gkePod, vm, type EventSpec } from '../../support/events.js';

function baseline(yaml: string): LoadedBaseline {
  const result = parseBaseline('baselines/test.yaml', yaml);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.loaded;
}

const bucket = baseline(`
version: 1
kind: gcs
target: bucket-a
sources:
  - match: ip:203.0.113.7
  - match: cidr:198.51.100.0/24
  - match: token:private
  - match: cidr:2001:db8:5:6::/64
  - match: ip:192.0.2.200
    expires: 2026-01-01
credentials:
  - match: app@p.iam.gserviceaccount.com
  - match: etl@p.iam.gserviceaccount.com
  - match: "*@ci-project.iam.gserviceaccount.com"
pairs:
  - { credential: app@p.iam.gserviceaccount.com, source: ip:203.0.113.7 }
  - { credential: app@p.iam.gserviceaccount.com, source: cidr:198.51.100.0/24 }
  - { credential: etl@p.iam.gserviceaccount.com, source: token:private }
  - { credential: app@p.iam.gserviceaccount.com, source: cidr:2001:db8:5:6::/64 }
  - { credential: "*@ci-project.iam.gserviceaccount.com", source: token:private }
`);

const redis = baseline(`
version: 1
kind: vpc-flow
target: 10.0.0.4:6379
sources:
  - match: gke:prod/checkout
  - match: vm:p/batch-1
  - match: gke-pool:p/gke-prod-default-pool
`);

const db = baseline(`
version: 1
kind: cloudsql
target: example-p:db
sources:
  - match: cidr:10.44.1.0/24
credentials:
  - match: db-user:app
pairs:
  - { credential: db-user:app, source: cidr:10.44.1.0/24 }
`);

function audit(specs: EventSpec[], baselines = [bucket, redis, db]): Finding[] {
  const auditor = new BatchAuditor(baselines, { now: Date.parse('2026-11-24T00:00:00Z') });
  for (const spec of specs) auditor.add(event(spec));
  return auditor.findings();
}

const redisEvent = (source: EventSpec['source']): EventSpec => ({ kind: 'vpc-flow', target: '10.0.0.4:6379', source });

describe('precision: normal churn stays silent', () => {
  it.each<[string, EventSpec[]]>([
    ['the exact known source and credential', [{}]],
    ['a new address inside a known range', [{ source: { ip: '198.51.100.77' } }]],
    ['a new IPv6 privacy address inside a known /64', [{ source: { ip: '2001:db8:5:6:1234:5678:9abc:def0' } }]],
    ['a `private` caller with its known credential', [{ source: { ip: 'private' }, credential: 'etl@p.iam.gserviceaccount.com' }]],
    ['a credential matched by a glob', [{ source: { ip: 'private' }, credential: 'deployer@ci-project.iam.gserviceaccount.com' }]],
    ['new pod IPs in a known namespace', ['10.4.9.1', '10.4.200.7', '10.5.0.3'].map((ip) => redisEvent(gkePod('checkout', ip)))],
    ['a known VM with a changed IP', [redisEvent(vm('batch-1', '10.9.9.9'))]],
    ['a replaced GKE node of a known pool', [redisEvent(vm('gke-prod-default-pool-c0ffee42-ab12', '10.8.0.9'))]],
    ['a few failures from a known source', Array.from({ length: 8 }, () => ({ outcome: 'failure' as const }))],
    ['a known db user from a new address of its range', [{ kind: 'cloudsql', target: 'example-p:db', credential: 'db-user:app', source: { ip: '10.44.1.250' } }]],
    ['pgAudit rows of a known user (no address)', [{ kind: 'cloudsql', target: 'example-p:db', credential: 'db-user:app', source: 'unrecorded' }]],
  ])('%s', (_name, specs) => {
    expect(audit(specs)).toEqual([]);
  });
});

describe('recall: each anomaly type fires', () => {
  it('new credential', () => {
    const [f] = audit([{ credential: 'intruder@evil.example', source: { ip: '203.0.113.7' } }]);
    expect(f).toMatchObject({ type: 'new-credential', kind: 'gcs', target: 'bucket-a', credential: 'intruder@evil.example', source: 'ip:203.0.113.7', severity: 'high' });
    expect(f!.rule).toMatchObject({ baseline: 'baselines/test.yaml', section: 'credentials' });
    expect(f!.rule.nearest.length).toBeGreaterThan(0);
  });

  it('new source for a known credential', () => {
    const [f] = audit([{ source: { ip: '192.0.2.44' } }]);
    expect(f).toMatchObject({ type: 'new-source', source: 'ip:192.0.2.44', credential: 'app@p.iam.gserviceaccount.com', severity: 'high' });
  });

  it('new source on a network target (no credential)', () => {
    const [f] = audit([redisEvent(gkePod('sandbox', '10.4.9.1'))]);
    expect(f).toMatchObject({ type: 'new-source', source: 'gke:prod/sandbox', credential: null, kind: 'vpc-flow' });
  });

  it('known credential from a source it never used', () => {
    const [f] = audit([{ credential: 'etl@p.iam.gserviceaccount.com', source: { ip: '203.0.113.7' } }]);
    expect(f).toMatchObject({ type: 'credential-from-new-source', rule: { section: 'pairs', nearest: ['token:private'] } });
  });

  it('failed-auth burst from an unknown source, across the credentials it tried', () => {
    const specs: EventSpec[] = Array.from({ length: 6 }, (_, i) => ({ outcome: 'failure', credential: `guess${i % 2}@x.example`, source: { ip: '192.0.2.99' } }));
    const findings = audit(specs);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ type: 'failed-auth-burst', source: 'ip:192.0.2.99', credential: null, count: 6, failures: 6, credentialsTried: ['guess0@x.example', 'guess1@x.example'] });
  });

  it('failed database logins below the burst threshold still show as a new credential', () => {
    const [f] = audit([{ kind: 'cloudsql', target: 'example-p:db', outcome: 'failure', credential: 'db-user:root', source: { ip: '192.0.2.5' } }]);
    expect(f).toMatchObject({ type: 'new-credential', severity: 'medium' });
  });

  it('an expired baseline entry no longer counts', () => {
    expect(audit([{ source: { ip: '192.0.2.200' } }])[0]).toMatchObject({ type: 'new-source' });
  });

  it('a burst of failed logins against a target with no baseline is reported at full severity, beside the not-baselined note', () => {
    const specs: EventSpec[] = Array.from({ length: 6 }, () => ({ kind: 'cloudsql', target: 'p:new-db', outcome: 'failure', credential: 'db-user:root', source: { ip: '198.51.100.66' } }));
    const findings = audit([...specs, { kind: 'cloudsql', target: 'p:new-db', credential: 'db-user:app', source: { ip: '10.0.0.5' } }]);
    expect(findings.map((f) => [f.type, f.severity])).toEqual([
      ['failed-auth-burst', 'high'],
      ['not-baselined', 'low'],
    ]);
    expect(findings[0]).toMatchObject({ source: 'ip:198.51.100.66', credential: 'db-user:root', failures: 6, rule: { baseline: null, detail: expect.stringMatching(/on a target with no baseline, on the internet/) } });
    // Below the threshold, the target's note alone.
    expect(audit(specs.slice(0, 4)).map((f) => f.type)).toEqual(['not-baselined']);
  });

  it('a target with no baseline is reported once, not once per access', () => {
    const findings = audit(Array.from({ length: 30 }, (_, i) => ({ target: 'bucket-new', source: { ip: `192.0.2.${i}` } })));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ type: 'not-baselined', target: 'bucket-new', source: '*', count: 30, severity: 'low' });
  });
});

describe('grouping and order', () => {
  it('groups one finding per type × target × source × credential with count and window', () => {
    const findings = audit([
      { source: { ip: '192.0.2.44' }, time: '2026-11-20T10:00:00Z', action: 'storage.objects.get' },
      { source: { ip: '192.0.2.44' }, time: '2026-11-20T09:00:00Z', action: 'storage.objects.list' },
      { source: { ip: '192.0.2.44' }, time: '2026-11-20T11:00:00Z', action: 'storage.objects.get' },
    ]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ count: 3, firstSeen: '2026-11-20T09:00:00Z', lastSeen: '2026-11-20T11:00:00Z', actions: ['storage.objects.get', 'storage.objects.list'] });
  });

  it('orders findings deterministically whatever the input order', () => {
    const specs: EventSpec[] = [
      { target: 'bucket-new' },
      { source: { ip: '192.0.2.44' } },
      { credential: 'x@y.example' },
      redisEvent(gkePod('sandbox', '10.4.9.1')),
      { credential: 'etl@p.iam.gserviceaccount.com', source: { ip: '203.0.113.7' } },
    ];
    const forward = audit(specs).map((f) => f.id);
    const backward = audit([...specs].reverse()).map((f) => f.id);
    expect(forward).toEqual(backward);
    expect(audit(specs).map((f) => f.severity)).toEqual(['high', 'high', 'high', 'medium', 'low']);
  });

  it('caps tracking and reports the overflow once per target', () => {
    const auditor = new BatchAuditor([bucket], { maxGroups: 10, now: Date.parse('2026-11-24T00:00:00Z') });
    for (let i = 0; i < 1000; i++) auditor.add(event({ source: { ip: `192.0.${Math.floor(i / 250)}.${i % 250}` } }));
    const findings = auditor.findings();
    const overflow = findings.filter((f) => f.type === 'tracking-overflow');
    expect(overflow).toHaveLength(1);
    expect(overflow[0]).toMatchObject({ count: 990, severity: 'high' });
    expect(findings.filter((f) => f.type === 'new-source')).toHaveLength(10);
  });

  it('caps tracking per target: a flood of sources to one target leaves the others judged one by one', () => {
    const now = Date.parse('2026-11-24T00:00:00Z');
    const flood = (i: number) => event({ source: { ip: `192.0.${Math.floor(i / 250)}.${i % 250}` } });
    const other = (i: number) => event({ target: 'other-bucket', source: { ip: `198.51.100.${i}` } });
    const events = [...Array.from({ length: 1000 }, (_, i) => flood(i)), ...Array.from({ length: 20 }, (_, i) => other(i))];
    const direct = new BatchAuditor([bucket], { maxGroupsPerTarget: 10, now });
    for (const e of events) direct.add(e);
    // The same events as a scan worker would hand them over: one group each, merged.
    const merged = new BatchAuditor([bucket], { maxGroupsPerTarget: 10, now });
    for (const e of events) {
      const range = new BatchAuditor([], { maxGroups: Number.POSITIVE_INFINITY, maxGroupsPerTarget: Number.POSITIVE_INFINITY, now });
      range.add(e);
      merged.mergeGroup(range.groupsInOrder()[0]!);
    }
    for (const auditor of [direct, merged]) {
      const findings = auditor.findings();
      const overflow = findings.filter((f) => f.type === 'tracking-overflow');
      expect(overflow).toHaveLength(2);
      expect(overflow.find((f) => f.target === bucket.baseline.target)).toMatchObject({ count: 990, severity: 'high' });
      expect(overflow.find((f) => f.target === 'other-bucket')).toMatchObject({ count: 10 });
      expect(overflow[0]!.rule.detail).toMatch(/more than 10 distinct source × credential groups for this target/);
      expect(findings.filter((f) => f.type === 'new-source')).toHaveLength(10);
      expect(auditor.groupsInOrder()).toHaveLength(20);
    }
  });

  it('tells whether it has a range\'s group already, as merging it would find, and changes nothing', () => {
    const now = Date.parse('2026-11-24T00:00:00Z');
    // A private destination's baseline named within its network: a record without VPC metadata
    // (`ip:port`) is judged as that target, here and when merged.
    const pg = baseline(`
version: 1
kind: vpc-flow
target: acme-prod/prod-vpc/10.0.0.9:5432
sources:
  - match: vm:p/batch-1
`);
    const known = event({ source: { ip: '203.0.113.7' } });
    const flow = event({ kind: 'vpc-flow', target: '10.0.0.9:5432', source: vm('batch-1', '10.0.1.2') });
    const batch = new BatchAuditor([bucket, pg], { now });
    batch.add(known);
    batch.add(flow);
    const range = new BatchAuditor([], { maxGroups: Number.POSITIVE_INFINITY, maxGroupsPerTarget: Number.POSITIVE_INFINITY, now });
    for (const e of [known, event({ source: { ip: '198.51.100.1' } }), flow, { ...flow, target: '10.0.0.9:6379' }]) range.add(e);
    const groups = range.groupsInOrder();
    expect(groups.map((g) => batch.hasGroup(g))).toEqual([true, false, true, false]);
    expect(batch.groupsInOrder()).toHaveLength(2);
    expect(groups.map((g) => batch.mergeGroup(g))).toEqual([true, false, true, false]);
    expect(batch.groupsInOrder()).toHaveLength(4);
  });

  it('closes a capped target, and scan ranges told of it count its overflow as the auditor would', () => {
    const now = Date.parse('2026-11-24T00:00:00Z');
    // A flood to bucket-a (times out of order, equal instants written two ways, so a tie must keep
    // the earlier string), with repeats of the first sources (tracked groups keep growing after the
    // close) and a few accesses to another bucket.
    const time = (i: number) => `2026-11-20T10:${String((i * 37) % 60).padStart(2, '0')}:00${i % 2 ? '.000' : ''}Z`;
    const events = Array.from({ length: 1200 }, (_, i) => {
      if (i % 7 === 0) return event({ source: { ip: `192.0.0.${i % 5}` }, time: time(i) });
      if (i % 50 === 0) return event({ target: 'other-bucket', source: { ip: `198.51.100.${i % 97}` }, time: time(i) });
      return event({ source: { ip: `192.0.${1 + Math.floor(i / 250)}.${(i * 13) % 250}` }, time: time(i) });
    });
    const caps = { maxGroupsPerTarget: 10, maxGroups: 20, now };
    const direct = new BatchAuditor([bucket], caps);
    for (const e of events) direct.add(e);
    // The same events in ranges of 100, each grouped as a scan range is, with what was closed when
    // it started, then merged in order.
    const merged = new BatchAuditor([bucket], caps);
    let rangeGroups = 0;
    for (let at = 0; at < events.length; at += 100) {
      const range = new BatchAuditor([], { maxGroups: Number.POSITIVE_INFINITY, maxGroupsPerTarget: Number.POSITIVE_INFINITY, now, closed: merged.closed });
      for (const e of events.slice(at, at + 100)) range.add(e);
      rangeGroups += range.groupsInOrder().length;
      for (const group of range.groupsInOrder()) merged.mergeGroup(group);
      for (const overflow of range.overflowInOrder()) merged.mergeOverflow(overflow);
    }
    expect(merged.findings()).toEqual(direct.findings());
    expect(merged.groupsInOrder()).toEqual(direct.groupsInOrder());
    const overflow = direct.findings().find((f) => f.type === 'tracking-overflow' && f.target === 'bucket-a');
    expect(overflow?.count).toBeGreaterThan(900);
    // bucket-a closed with its ten tracked keys; then the batch cap closed every target.
    expect(direct.closed.updates[0]).toMatchObject({ all: false, targets: ['gcs|bucket-a'] });
    expect(direct.closed.updates[0]!.keys).toHaveLength(10);
    expect(direct.closed.updates[1]).toMatchObject({ all: true, targets: [] });
    expect(direct.closed.updates[1]!.keys).toHaveLength(20);
    expect(merged.closed.updates).toEqual(direct.closed.updates);
    // Once closed, a range returns groups only for tracked keys, not one per one-off source.
    expect(rangeGroups).toBeLessThan(200);
  });

  it('keep a copy of the first event\'s source that shares no object with it', () => {
    const first = event({ source: { ip: '10.4.9.1', gke: { cluster: 'prod', namespace: 'web', pod: 'web-1' }, vm: { project: 'p', name: 'gke-prod-pool-1a2b3c4d-x9z8' }, vpc: { network: 'prod-vpc', subnetwork: 'gke' }, location: { asn: 15169, country: 'usa' } } });
    const auditor = new BatchAuditor([], { now: Date.parse('2026-11-24T00:00:00Z') });
    auditor.add(first);
    const kept = auditor.groupsInOrder()[0]!.source;
    expect(kept).toEqual(first.source);
    expect(kept).not.toBe(first.source);
    expect(kept.identities).not.toBe(first.source.identities);
    for (const part of ['gke', 'vm', 'vpc', 'location'] as const) expect(kept.details[part]).not.toBe(first.source.details[part]);
  });

  it('close every target when the batch cap is reached', () => {
    const auditor = new BatchAuditor([bucket], { maxGroups: 3, now: Date.parse('2026-11-24T00:00:00Z') });
    for (let i = 0; i < 5; i++) auditor.add(event({ target: `bucket-${i}` }));
    expect(auditor.closed.updates).toEqual([{ all: true, targets: [], keys: auditor.groupsInOrder().map((g) => groupKey(g)) }]);
    expect(auditor.closed.overflows('gcs', 'bucket-9', 'any')).toBe(true);
    expect(auditor.closed.overflows('gcs', 'bucket-0', groupKey(auditor.groupsInOrder()[0]!))).toBe(false);
  });
});

/** The Redis of `redis`, named within its network: records without VPC metadata (`10.0.0.4:6379`) are judged as it (an alias). */
const redisInNetwork = baseline(`
version: 1
kind: vpc-flow
target: acme-prod/prod-vpc/10.0.0.4:6379
sources:
  - match: gke:prod/checkout
`);

describe('repeats of a known access', () => {
  it.each([
    ['named as the records name it', redis, '10.0.0.4:6379'],
    ['named within its network, which the records do not say (an alias)', redisInNetwork, 'acme-prod/prod-vpc/10.0.0.4:6379'],
  ] as const)('group exactly as the events they stand for, past the entry-id limit, over the group cap and out of time order: a target %s', (_, judgedBy, judgedAs) => {
    const known = (namespace: string): KnownAccess => {
      const e = event(redisEvent(gkePod(namespace, '10.4.9.1')));
      return { kind: e.kind, target: e.target, sourceKey: e.source.key, source: e.source, credential: e.credential, action: e.action, groupKey: groupKey(e), auditor: 0, groupSlot: 0 };
    };
    const accesses = [known('sandbox'), known('batch'), known('ops')];
    // One line per repeat: a time (minutes and seconds shuffled), then an insertId (every 7th has none).
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) lines.push(`2026-11-20T10:${String((i * 37) % 60).padStart(2, '0')}:${String((i * 11) % 60).padStart(2, '0')}.${i}Z ${i % 7 === 0 ? '' : `id-${i}`}`);
    const buf = Buffer.from(lines.join('\n'));
    const run = (direct: boolean) => {
      const auditor = new BatchAuditor([judgedBy], { maxGroups: 2, now: Date.parse('2026-11-24T00:00:00Z') });
      const repeat = new RepeatedAccess();
      let at = 0;
      lines.forEach((line, i) => {
        const space = at + line.indexOf(' ');
        const end = at + line.length;
        repeat.set(accesses[i % 3]!, Date.parse(line.slice(0, line.indexOf(' '))), buf, at, space, space + 1, end, 'r.json', i + 1);
        if (direct) auditor.addRepeated(repeat);
        else auditor.add(repeat.toEvent());
        at = end + 1;
      });
      return auditor;
    };
    const direct = run(true);
    const viaEvents = run(false);
    // The same known accesses, repeated into two auditors by turns: each finds its own groups.
    const [first, second] = [run(true), run(true)];
    expect(first.groupsInOrder()).toEqual(direct.groupsInOrder());
    expect(second.groupsInOrder()).toEqual(direct.groupsInOrder());
    const one = new BatchAuditor([judgedBy], { now: Date.parse('2026-11-24T00:00:00Z') });
    const other = new BatchAuditor([judgedBy], { now: Date.parse('2026-11-24T00:00:00Z') });
    const repeat = new RepeatedAccess();
    for (let i = 0; i < 30; i++) {
      repeat.set(accesses[i % 3]!, Date.parse('2026-11-20T10:00:00Z') + i, buf, 0, 24, -1, -1, 'r.json', i + 1);
      (i % 2 === 0 ? one : other).addRepeated(repeat);
    }
    expect(one.groupsInOrder().map((g) => g.successes)).toEqual([5, 5, 5]);
    expect(other.groupsInOrder().map((g) => g.successes)).toEqual([5, 5, 5]);
    // Seven accesses of one group with seven actions, by turns: the group samples the first five
    // actions in the order the events would give them.
    const base = known('sandbox');
    const sameGroup = Array.from({ length: 7 }, (_, n): KnownAccess => ({ ...base, action: `tcp/${6000 + n}`, auditor: 0, groupSlot: 0 }));
    const byRepeats = new BatchAuditor([judgedBy], { now: Date.parse('2026-11-24T00:00:00Z') });
    const byEvents = new BatchAuditor([judgedBy], { now: Date.parse('2026-11-24T00:00:00Z') });
    for (let i = 0; i < 70; i++) {
      repeat.set(sameGroup[(i * 3) % 7]!, Date.parse('2026-11-20T10:00:00Z') + i, buf, 0, 24, -1, -1, 'r.json', i + 1);
      byRepeats.addRepeated(repeat);
      byEvents.add(repeat.toEvent());
    }
    expect(byRepeats.groupsInOrder()).toEqual(byEvents.groupsInOrder());
    expect([...byRepeats.groupsInOrder()[0]!.actions]).toEqual(['tcp/6000', 'tcp/6003', 'tcp/6006', 'tcp/6002', 'tcp/6005']);
    expect(direct.groupsInOrder()).toEqual(viaEvents.groupsInOrder());
    expect(direct.groupsInOrder().map((g) => g.target)).toEqual([judgedAs, judgedAs]);
    expect(direct.groupsInOrder()[0]!.entryIds).toHaveLength(ENTRY_ID_LIMIT);
    expect(direct.findings()).toEqual(viaEvents.findings());
    expect(direct.findings().map((f) => [f.type, f.count])).toEqual([
      ['tracking-overflow', 133],
      ['new-source', 133],
      ['new-source', 134],
    ]);
  });
});

describe('an access decided for one line only (ONE_LINE)', () => {
  // A namespace the baseline does not know: its group keeps entry ids, read from the bytes.
  const e = event(redisEvent(gkePod('sandbox', '10.4.9.1')));
  const buf = Buffer.from('2026-11-20T10:00:00.5Z id-1');
  const now = Date.parse('2026-11-24T00:00:00Z');
  /** A one-line access as the fast path makes it: its source built from its line only when read, counted. */
  const oneLine = (access: AccessEvent, onRead: () => void = () => {}): KnownAccess => ({
    kind: access.kind,
    target: access.target,
    sourceKey: access.source.key,
    get source() {
      onRead();
      return access.source;
    },
    credential: access.credential,
    action: access.action,
    groupKey: groupKey(access),
    auditor: ONE_LINE,
    groupSlot: 0,
  });

  it('groups as its event and takes no slot of the auditor', () => {
    const byRepeats = new BatchAuditor([redis], { now });
    const byEvents = new BatchAuditor([redis], { now });
    const repeat = new RepeatedAccess();
    for (let i = 0; i < 3; i++) {
      const known = oneLine(e);
      repeat.set(known, Date.parse('2026-11-20T10:00:00.5Z'), buf, 0, 22, 23, 27, 'r.json', i + 1);
      byRepeats.addRepeated(repeat);
      byEvents.add(repeat.toEvent());
      expect(known.auditor).toBe(ONE_LINE);
    }
    expect(byRepeats.groupsInOrder()).toEqual(byEvents.groupsInOrder());
    expect(byRepeats.groupsInOrder()[0]!.entryIds).toEqual(['2026-11-20T10:00:00.5Z|id-1', '2026-11-20T10:00:00.5Z|id-1', '2026-11-20T10:00:00.5Z|id-1']);
  });

  it('joins a group that exists, or the overflow of a target its cap has closed, without reading its source', () => {
    const auditor = new BatchAuditor([redis], { now, maxGroupsPerTarget: 1 });
    auditor.add(e);
    let reads = 0;
    const repeat = new RepeatedAccess();
    const readsOf = (namespace: string, line: number) => {
      reads = 0;
      repeat.set(oneLine(event(redisEvent(gkePod(namespace, '10.4.9.2'))), () => reads++), Date.parse('2026-11-20T10:00:01Z'), buf, 0, 22, 23, 27, 'r.json', line);
      auditor.addRepeated(repeat);
      return reads;
    };
    expect(readsOf('sandbox', 2)).toBe(0);
    // The line that finds the target full goes through its event, as any line that starts a group.
    expect(readsOf('batch', 3)).toBeGreaterThan(0);
    expect(readsOf('ops', 4)).toBe(0);
    expect(auditor.groupsInOrder().map((g) => [g.source.key, groupCount(g)])).toEqual([['gke:prod/sandbox', 2]]);
    expect(auditor.overflowInOrder().map((o) => [o.events, o.sampleSources])).toEqual([[2, ['gke:prod/batch', 'gke:prod/ops']]]);
  });
});

describe('entry ids, kept only where a finding can show them', () => {
  const withIds = (spec: EventSpec, baselines = [bucket, redis, db], lister?: LoadedBaseline) => {
    const auditor = new BatchAuditor(lister ? [lister] : baselines, { now: Date.parse('2026-11-20T12:00:00Z') });
    for (let i = 0; i < 3; i++) auditor.add({ ...event(spec), ref: { file: 'test.json', line: i + 1, insertId: `id-${i}` } });
    return auditor.groupsInOrder()[0]!.entryIds.length;
  };

  it('a group whose source, credential and pairing the baseline knows collects none; any unknown part, and it does', () => {
    expect(withIds({})).toBe(0);
    expect(withIds({ source: { ip: '192.0.2.99' } })).toBe(3);
    expect(withIds({ credential: 'someone@evil.example' })).toBe(3);
    expect(withIds({ credential: 'etl@p.iam.gserviceaccount.com' })).toBe(3); // known, never from this source
    expect(withIds({ target: 'bucket-without-baseline' })).toBe(3);
    expect(withIds({ source: { ip: '192.0.2.200' } })).toBe(3); // an expired entry is not knowledge
  });

  it('flows of a known source collect none; statements could be new, so a database group always collects', () => {
    expect(withIds({ kind: 'vpc-flow', target: '10.0.0.4:6379', source: { ip: '10.44.1.7', gke: { cluster: 'prod', namespace: 'checkout' } } })).toBe(0);
    expect(withIds({ kind: 'vpc-flow', target: '10.0.0.4:6379', source: { ip: '10.44.1.7', gke: { cluster: 'prod', namespace: 'unknown' } } })).toBe(3);
    expect(withIds({ kind: 'cloudsql', target: 'example-p:db', credential: 'db-user:app', source: { ip: '10.44.1.7' } })).toBe(3);
  });

  it('a known credential that does not normally list the bucket collects them: a listing would be reported', () => {
    const listers = baseline(`
version: 1
kind: gcs
target: bucket-a
sources:
  - match: ip:203.0.113.7
credentials:
  - match: app@p.iam.gserviceaccount.com
pairs:
  - { credential: app@p.iam.gserviceaccount.com, source: ip:203.0.113.7 }
listers: []
`);
    expect(withIds({}, [], listers)).toBe(3);
  });
});
