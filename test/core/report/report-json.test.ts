import { describe, expect, it } from 'vitest';
import type { AuditReport } from '../../../functions/src/core/report/audit-report.js';
import { reportJsonPieces } from '../../../functions/src/core/report/report-json.js';

/** A finding-shaped object whose strings carry what JSON must escape or keep as it is. */
function finding(i: number, text: string): Record<string, unknown> {
  return {
    id: i.toString(16).padStart(12, '0'),
    kind: 'vpc-flow',
    type: 'new-source',
    title: `line\nbreak "quoted" \\ ${text}`,
    source: `ip:198.0.${i >> 8}.${i & 255}`,
    credential: null,
    count: i,
    actions: ['tcp/6379'],
    resources: [],
    rule: { baseline: null, section: 'sources', nearest: [], nested: { empty: {}, list: [[], [1, [2, {}]]] } },
    optional: undefined,
    refs: [`/tmp/x.json:${i}`],
  };
}

const HOSTILE = ['', 'plain', '\u2028\u2029', '\u001b[31m', 'é中😀', '\ud800 lone', '\udfff', '\t\r\f\b', '</script>'];

function report(findings: unknown[], extra: Record<string, unknown> = {}): AuditReport {
  return {
    batch: 'gs://bucket/flows.json#1',
    digestId: 'e97d590c3875b568',
    generatedAt: undefined,
    findings,
    summary: { lines: 3, bad: 0, byType: { 'new-source': findings.length }, problems: [], empty: {} },
    ...extra,
  } as unknown as AuditReport;
}

const stringified = (r: AuditReport) => `${JSON.stringify(r, null, 2)}\n`;

describe('reportJsonPieces', () => {
  it('writes exactly what JSON.stringify(report, null, 2) writes, and a newline', () => {
    const cases: AuditReport[] = [
      report([]),
      report([finding(0, 'only')]),
      report(HOSTILE.map((text, i) => finding(i, text))),
      report([finding(1, 'a'), undefined, finding(2, 'b')]),
      // findings not last, and members JSON leaves out (undefined, a function)
      { findings: [finding(3, 'c')], batch: 'b', summary: { n: 1 }, skipped: undefined, method: () => 1 } as unknown as AuditReport,
      { findings: [] } as unknown as AuditReport,
      {} as AuditReport,
    ];
    for (const r of cases) expect([...reportJsonPieces(r)].join('')).toBe(stringified(r));
  });

  it('yields many bounded pieces for many findings, never the whole text at once', () => {
    const r = report(Array.from({ length: 2_000 }, (_, i) => finding(i, HOSTILE[i % HOSTILE.length]!)));
    const pieces = [...reportJsonPieces(r, 16 * 1024)];
    expect(pieces.join('')).toBe(stringified(r));
    const longestFinding = Math.max(...r.findings.map((f) => JSON.stringify(f, null, 2).length + 64));
    expect(pieces.length).toBeGreaterThan(20);
    for (const piece of pieces) expect(piece.length).toBeLessThan(16 * 1024 + longestFinding);
  });

  it('never splits a surrogate pair between two pieces', () => {
    const r = report(Array.from({ length: 500 }, (_, i) => finding(i, '😀'.repeat(i % 7))));
    for (const piece of reportJsonPieces(r, 1024)) {
      expect(/^[\udc00-\udfff]/.test(piece)).toBe(false);
      expect(/[\ud800-\udbff]$/.test(piece)).toBe(false);
    }
  });
});
