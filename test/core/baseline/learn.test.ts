import { describe, expect, it } from 'vitest';
import { Learner } from '../../../functions/src/core/baseline/learn.js';
import type { LearnedTarget } from '../../../functions/src/core/baseline/store.js';
import { event, gkePod, vm } from '../../support/events.js';

function learnOne(events: ReturnType<typeof event>[], widening = { ipv4MinAddresses: 3, ipv4Prefix: 24 }): LearnedTarget {
  const learner = new Learner([], widening);
  for (const e of events) learner.add(e);
  const [target] = learner.result();
  return target!;
}

describe('learning', () => {
  it('records sources, credentials and pairs with evidence', () => {
    const t = learnOne([event({ time: '2026-11-20T10:00:00Z' }), event({ time: '2026-11-19T10:00:00Z' })]);
    expect([...t.sources.keys()]).toEqual(['ip:203.0.113.7']);
    expect(t.sources.get('ip:203.0.113.7')).toMatchObject({ count: 2, firstSeen: '2026-11-19T10:00:00Z', lastSeen: '2026-11-20T10:00:00Z' });
    expect([...t.credentials.keys()]).toEqual(['app@p.iam.gserviceaccount.com']);
    expect(t.pairs.size).toBe(1);
  });

  it('never learns failures as normal', () => {
    const learner = new Learner();
    learner.add(event({ outcome: 'failure', credential: 'db-user:root' }));
    learner.add(event({ outcome: 'unknown' }));
    expect(learner.result()).toEqual([]);
  });

  it('learns GKE pods by cluster/namespace, whatever their IPs', () => {
    const t = learnOne(['10.4.1.2', '10.4.2.3', '10.4.3.4', '10.4.7.9'].map((ip) => event({ kind: 'vpc-flow', target: '10.0.0.4:6379', source: gkePod('checkout', ip) })));
    expect([...t.sources.keys()]).toEqual(['gke:prod/checkout']);
  });

  it('learns a single VM by name, never as a range', () => {
    const t = learnOne([event({ kind: 'vpc-flow', target: '10.0.0.4:6379', source: vm('batch-1', '10.1.0.5') })]);
    expect([...t.sources.keys()]).toEqual(['vm:p/batch-1']);
  });

  it('keeps redacted callers as tokens', () => {
    const t = learnOne([event({ source: { ip: 'private' } }), event({ source: { ip: 'gce-internal-ip' } })]);
    expect([...t.sources.keys()].sort()).toEqual(['token:gce-internal-ip', 'token:private']);
  });

  it('learns IPv6 clients by their /64', () => {
    const t = learnOne([event({ source: { ip: '2001:db8:5:6::1' } }), event({ source: { ip: '2001:db8:5:6:aaaa::2' } })]);
    expect([...t.sources.keys()]).toEqual(['cidr:2001:db8:5:6::/64']);
  });

  it('keeps one or two addresses of a /24 exact', () => {
    const t = learnOne([event({ source: { ip: '198.51.100.10' } }), event({ source: { ip: '198.51.100.11' } })]);
    expect([...t.sources.keys()].sort()).toEqual(['ip:198.51.100.10', 'ip:198.51.100.11']);
  });

  it('widens to the /24 once three distinct addresses support it, pairs included', () => {
    const t = learnOne(['198.51.100.10', '198.51.100.11', '198.51.100.12', '192.0.2.1'].map((ip) => event({ source: { ip } })));
    expect([...t.sources.keys()].sort()).toEqual(['cidr:198.51.100.0/24', 'ip:192.0.2.1']);
    expect(t.sources.get('cidr:198.51.100.0/24')).toMatchObject({ count: 3, distinctAddresses: 3 });
    expect([...t.pairs.keys()].map((k) => k.split('\u0000')[1]).sort()).toEqual(['cidr:198.51.100.0/24', 'ip:192.0.2.1']);
  });

  it('is configurable: off, or a different threshold and prefix', () => {
    const ips = ['198.51.100.10', '198.51.100.11', '198.51.100.12'];
    expect([...learnOne(ips.map((ip) => event({ source: { ip } })), { ipv4MinAddresses: 0, ipv4Prefix: 24 }).sources.keys()]).toHaveLength(3);
    expect([...learnOne(ips.map((ip) => event({ source: { ip } })), { ipv4MinAddresses: 2, ipv4Prefix: 28 }).sources.keys()]).toEqual(['cidr:198.51.100.0/28']);
  });

  it('keeps targets apart and in a deterministic order', () => {
    const learner = new Learner();
    learner.add(event({ target: 'z-bucket' }));
    learner.add(event({ kind: 'cloudsql', target: 'p:db', credential: 'db-user:app' }));
    learner.add(event({ target: 'a-bucket' }));
    expect(learner.result().map((t) => `${t.kind}|${t.target}`)).toEqual(['cloudsql|p:db', 'gcs|a-bucket', 'gcs|z-bucket']);
  });

  it('learns no source for pgAudit (unrecorded) and no credential for flows', () => {
    const t = learnOne([event({ kind: 'cloudsql', target: 'p:db', source: 'unrecorded', credential: 'db-user:app' })]);
    expect(t.sources.size).toBe(0);
    expect([...t.credentials.keys()]).toEqual(['db-user:app']);
    expect(t.pairs.size).toBe(0);
  });
});
