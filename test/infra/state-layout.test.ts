/** Every state object lives under a folder the lifecycle rule either expires or keeps, on purpose. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { evidenceObjectName } from '../../functions/src/core/evidence/summary.js';
import { deadLetterRecordName } from '../../functions/src/function/dead-letters.js';
import { HEALTH_STATE } from '../../functions/src/function/health/check.js';
import { learningRecordName } from '../../functions/src/function/learning-period.js';
import { GcsStateStore } from '../../functions/src/function/state.js';
import { AUDIT_FUNCTION_STATE_PREFIXES, EXPIRING_STATE_PREFIXES, HEALTH_CHECK_STATE_PREFIXES, KEPT_STATE_PREFIXES } from '../../functions/src/function/state-layout.js';

const ALL = [...EXPIRING_STATE_PREFIXES, ...KEPT_STATE_PREFIXES];
const folderOf = (name: string) => ALL.filter((p) => name.startsWith(p));

describe('state bucket layout', () => {
  it('every name the pipeline writes falls in exactly one folder', () => {
    const at = Date.UTC(2026, 5, 1);
    const names = {
      marker: GcsStateStore.markerName('logs/x.json#1'),
      report: GcsStateStore.reportName('logs/x.json#1'),
      evidence: evidenceObjectName('gcs', 'logs/x.json#1', at),
      deadLetter: deadLetterRecordName('gcs', 'logs/x.json#1', at),
      learning: learningRecordName('gcs', 'acme-reports'),
      health: HEALTH_STATE,
    };
    for (const [what, name] of Object.entries(names)) expect(folderOf(name), what).toHaveLength(1);
    expect(folderOf(names.learning)).toEqual(['learning/']);
    expect(folderOf(names.health)).toEqual(['health/']);
    expect(folderOf(names.evidence)).toEqual(['evidence/']);
    // Each function's IAM condition covers what it writes, and only that.
    const { health, ...audit } = names;
    for (const [what, name] of Object.entries(audit)) expect(AUDIT_FUNCTION_STATE_PREFIXES.some((p) => name.startsWith(p)), what).toBe(true);
    expect(AUDIT_FUNCTION_STATE_PREFIXES.some((p) => health.startsWith(p))).toBe(false);
    expect(HEALTH_CHECK_STATE_PREFIXES.some((p) => health.startsWith(p))).toBe(true);
    expect([...AUDIT_FUNCTION_STATE_PREFIXES, ...HEALTH_CHECK_STATE_PREFIXES].sort()).toEqual([...ALL].sort());
  });

  it('the folders documented in state.ts are exactly the folders the lifecycle knows', async () => {
    const source = await readFile(new URL('../../functions/src/function/state.ts', import.meta.url), 'utf8');
    const header = source.slice(0, source.indexOf('*/'));
    const documented = [...header.matchAll(/^ \*\s{3}([a-z-]+\/)/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...ALL].sort());
  });
});
