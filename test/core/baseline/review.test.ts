/** The baseline review, a pure function of baselines, evidence and the clock. */
import { describe, expect, it } from 'vitest';
import { EvidenceIndex, reviewBaselines, reviewHasItems } from '../../../functions/src/core/baseline/review.js';
import { baselineSchema } from '../../../functions/src/core/baseline/schema.js';
import type { EvidenceSummary, EvidenceTarget } from '../../../functions/src/core/evidence/summary.js';

const NOW = Date.parse('2026-06-30T12:00:00Z');
const DAY = 86_400_000;
const iso = (daysAgo: number) => new Date(NOW - daysAgo * DAY).toISOString();

const baseline = (raw: Record<string, unknown>) => ({ file: `baselines/${raw['kind']}/${raw['target']}.yaml`, baseline: baselineSchema.parse({ version: 1, ...raw }) });

function target(kind: EvidenceTarget['kind'], name: string, seen: { sources?: string[]; credentials?: string[]; pairs?: [string, string][] }, daysAgo: number): EvidenceTarget {
  const span = { count: 1, firstSeen: iso(daysAgo), lastSeen: iso(daysAgo) };
  return {
    kind,
    target: name,
    accesses: 1,
    successes: 1,
    failures: 0,
    untracked: 0,
    sources: (seen.sources ?? []).map((match) => ({ match, ...span })),
    credentials: (seen.credentials ?? []).map((match) => ({ match, ...span })),
    pairs: (seen.pairs ?? []).map(([credential, source]) => ({ credential, source, ...span })),
  };
}

function summary(daysAgo: number, targets: EvidenceTarget[]): EvidenceSummary {
  return { logAuditEvidence: 1, batch: `logs/b${daysAgo}#1`, source: 'gcs', at: iso(daysAgo), outcome: 'audited', lines: 1, parsed: 1, bad: 0, unknown: 0, skipped: 0, bytes: 1, findings: 0, targets };
}

const REPORTS = baseline({
  kind: 'gcs',
  target: 'acme-reports',
  sources: [
    { match: 'ip:203.0.113.7' },
    { match: 'cidr:10.8.0.0/24' },
    { match: 'gke:prod' },
    { match: 'asn:15169' },
    { match: 'ip:198.51.100.9', expires: iso(-5), owner: 'team-data', reason: 'vendor audit' },
    { match: 'ip:192.0.2.1', expires: iso(2) },
  ],
  credentials: [{ match: 'etl@acme.iam.gserviceaccount.com' }, { match: '*@partner.iam.gserviceaccount.com' }, { match: 'old@acme.iam.gserviceaccount.com', lastSeen: iso(10) }],
  pairs: [{ credential: 'etl@acme.iam.gserviceaccount.com', source: 'cidr:10.8.0.0/24' }, { credential: 'etl@acme.iam.gserviceaccount.com', source: 'ip:203.0.113.7' }],
});

describe('reviewBaselines', () => {
  it('lists expired and soon-expiring entries without evidence, and does not judge what it cannot see', () => {
    const review = reviewBaselines({ baselines: [REPORTS], now: NOW });
    expect(review.expired.map((e) => [e.section, e.index, e.entry])).toEqual([['sources', 5, 'ip:192.0.2.1']]);
    expect(review.expiring).toEqual([expect.objectContaining({ section: 'sources', index: 4, entry: 'ip:198.51.100.9', owner: 'team-data', reason: 'vendor audit' })]);
    expect(review.unseen).toBeUndefined();
    expect(review.learning).toEqual([]);
    expect(reviewHasItems(review)).toBe(true);
  });

  it('judges entries against evidence: exact, cidr ranges, cluster-wide gke and globs; learned lastSeen counts too', () => {
    const index = new EvidenceIndex();
    index.add(
      summary(3, [
        target('gcs', 'acme-reports', {
          sources: ['ip:10.8.0.77', 'gke:prod/etl'],
          credentials: ['etl@acme.iam.gserviceaccount.com', 'bot@partner.iam.gserviceaccount.com'],
          pairs: [['etl@acme.iam.gserviceaccount.com', 'ip:10.8.0.77']],
        }, 3),
      ]),
    );
    // The evidence spans the window (an older batch of another target).
    index.add(summary(31, [target('gcs', 'other', { sources: ['ip:192.0.2.99'] }, 31)]));
    const review = reviewBaselines({ baselines: [REPORTS], now: NOW, evidence: index, unseenDays: 30 });
    // Seen: cidr (via 10.8.0.77), gke:prod (via its namespace), etl, the partner glob, old@ (learned 10 days ago), the cidr pair.
    // Unseen: the exact address, the soon-expiring one (expiring and unused: both are worth saying), the exact pair.
    expect(review.unseen!.map((e) => `${e.section}:${e.entry}`)).toEqual(['sources:ip:203.0.113.7', 'sources:ip:198.51.100.9', 'pairs:etl@acme.iam.gserviceaccount.com from ip:203.0.113.7']);
    expect(review.unseen!.every((e) => e.lastSeen === undefined)).toBe(true);
    // asn: cannot be judged from evidence; the expired entry is listed as expired only.
    expect(review.notJudged).toBe(1);
    expect(review.evidence).toEqual({ summaries: 2, from: iso(31), to: iso(3) });
  });

  it('does not call entries unseen before the evidence spans the window (a new stack)', () => {
    const index = new EvidenceIndex();
    index.add(summary(3, [target('gcs', 'acme-reports', { sources: ['ip:10.8.0.77'] }, 3)]));
    const review = reviewBaselines({ baselines: [REPORTS], now: NOW, evidence: index, unseenDays: 30 });
    expect(review.unseen).toBeUndefined();
    expect(review.unseenNote).toBe('the evidence spans 3 of the 30 days needed to call an entry unseen');
    expect(reviewBaselines({ baselines: [REPORTS], now: NOW, evidence: new EvidenceIndex() }).unseenNote).toMatch(/spans 0 of the 30 days/);
  });

  it('an entry seen only before the window is unseen, with its last sighting', () => {
    const index = new EvidenceIndex();
    index.add(summary(45, [target('gcs', 'acme-reports', { sources: ['ip:203.0.113.7'] }, 45)]));
    const review = reviewBaselines({ baselines: [REPORTS], now: NOW, evidence: index, unseenDays: 30 });
    expect(review.unseen!.find((e) => e.entry === 'ip:203.0.113.7')).toMatchObject({ lastSeen: iso(45) });
  });

  it('targets without a baseline: learning within the period (from the learning record when known), unbaselined after', () => {
    const index = new EvidenceIndex();
    index.add(summary(20, [target('cloudsql', 'acme:orders', { credentials: ['db-user:app'] }, 20)]));
    index.add(summary(2, [target('cloudsql', 'acme:orders', { credentials: ['db-user:app'] }, 2), target('gcs', 'new-bucket', { credentials: ['a@b.c'] }, 2)]));
    const review = reviewBaselines({ baselines: [], now: NOW, evidence: index, learningDays: 14 });
    expect(review.learning).toEqual([{ kind: 'gcs', target: 'new-bucket', firstSeen: iso(2), endsAt: iso(2 - 14), successes: 1 }]);
    expect(review.unbaselined).toEqual([{ kind: 'cloudsql', target: 'acme:orders', firstSeen: iso(20), lastSeen: iso(2), successes: 2 }]);
    const recorded = reviewBaselines({ baselines: [], now: NOW, evidence: index, learningDays: 14, firstSeen: new Map([['cloudsql|acme:orders', iso(5)]]) });
    expect(recorded.learning.map((t) => t.target)).toEqual(['acme:orders', 'new-bucket']);
  });

  it('nothing to do is nothing to do', () => {
    const index = new EvidenceIndex();
    index.add(summary(1, [target('gcs', 'quiet', { sources: ['ip:203.0.113.7'], credentials: ['a@b.c'] }, 1)]));
    const review = reviewBaselines({ baselines: [baseline({ kind: 'gcs', target: 'quiet', sources: [{ match: 'ip:203.0.113.7' }], credentials: [{ match: 'a@b.c' }] })], now: NOW, evidence: index });
    expect(reviewHasItems(review)).toBe(false);
  });

  it('ignores dead-letter summaries', () => {
    const index = new EvidenceIndex();
    index.add({ ...summary(1, [target('gcs', 'x', { sources: ['ip:1.2.3.4'] }, 1)]), outcome: 'dead-letter' });
    expect(index.summaries).toBe(0);
    expect(index.targets.size).toBe(0);
  });
});
