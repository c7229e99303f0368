/**
 * Tamper evidence: the tamper export's audit entries (test/fixtures/formats/pipeline-changes.jsonl,
 * Admin Activity and Data Access shapes as Cloud Logging writes them) become changes to the pipeline —
 * HIGH findings whatever the baselines say, never learned, never summarized as evidence.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Learner } from '../../../functions/src/core/baseline/learn.js';
import { BatchAuditor } from '../../../functions/src/core/detect/auditor.js';
import { evidenceOf } from '../../../functions/src/core/evidence/summary.js';
import { findingQuery } from '../../../functions/src/core/notify/links.js';
import { formatFixtures, linesAddUp, scanBytes } from '../../support/fixtures.js';

const read = async () => readFile(join(formatFixtures, 'pipeline-changes.jsonl'));

describe('changes to the pipeline', () => {
  it('every entry of the tamper export is a change: who, from where, what', async () => {
    const { events, stats } = await scanBytes(await read(), { pipelineChanges: true });
    expect(stats).toMatchObject({ lines: 5, parsed: 5, bad: 0, unknown: 0, skipped: 0 });
    expect(linesAddUp(stats)).toBe(true);
    expect(events.map((e) => [e.kind, e.target, e.source.key, e.credential?.key, e.action, e.outcome, e.resource])).toEqual([
      ['pipeline', 'projects/example-project/sinks/log-audit-gcs-sink', 'ip:198.51.100.77', 'mallory@example.com', 'google.logging.v2.ConfigServiceV2.UpdateSink', 'success', 'fields: exclusions; 1 exclusion: resource.labels.bucket_name="example-finance"'],
      ['pipeline', 'projects/example-project', 'ip:198.51.100.77', 'mallory@example.com', 'SetIamPolicy', 'success', 'audit config REMOVE storage.googleapis.com DATA_READ'],
      ['pipeline', 'projects/_/buckets/example-project-log-audit-gcs-logs', 'ip:198.51.100.77', 'mallory@example.com', 'storage.setIamPermissions', 'success', 'ADD roles/storage.objectAdmin user:mallory@example.com'],
      ['pipeline', 'projects/_/buckets/example-project-log-audit-state', 'ip:198.51.100.77', 'mallory@example.com', 'storage.objects.create', 'success', 'suppression/0123456789ab.json'],
      ['pipeline', 'projects/example-project/locations/us-central1/functions/log-audit-gcs', 'ip:198.51.100.77', 'mallory@example.com', 'google.cloud.functions.v2.FunctionService.DeleteFunction', 'failure', undefined],
    ]);
  });

  it('outside the tamper export the same lines are never changes (the mode is the stack’s, not the line’s)', async () => {
    const { events } = await scanBytes(await read());
    expect(events.every((e) => e.kind !== 'pipeline')).toBe(true);
  });

  it('each is a HIGH finding with no baseline, and is neither learned nor kept as evidence', async () => {
    const { events } = await scanBytes(await read(), { pipelineChanges: true });
    const auditor = new BatchAuditor([], { now: Date.parse('2025-03-04T00:00:00Z') });
    for (const e of events) auditor.add(e);
    const findings = auditor.findings();
    expect(findings).toHaveLength(5);
    for (const f of findings) {
      expect(f).toMatchObject({ type: 'pipeline-change', severity: 'high', kind: 'pipeline', credential: 'mallory@example.com', source: 'ip:198.51.100.77', title: 'The audit pipeline itself was changed' });
    }
    expect(findings.find((f) => f.actions.includes('google.cloud.functions.v2.FunctionService.DeleteFunction'))!.rule.detail).toBe('an attempt to change the pipeline (refused)');
    const learner = new Learner();
    for (const e of events) learner.add(e);
    expect(learner.result()).toEqual([]);
    expect(evidenceOf(auditor.groupsInOrder(), auditor.overflowInOrder())).toEqual([]);
    // The Logs Explorer link finds the change itself.
    const sink = findings.find((f) => f.target.endsWith('/sinks/log-audit-gcs-sink'))!;
    expect(findingQuery(sink)).toContain('protoPayload.resourceName="projects/example-project/sinks/log-audit-gcs-sink"');
    const state = findings.find((f) => f.target.endsWith('log-audit-state'))!;
    expect(findingQuery(state)).toContain('resource.labels.bucket_name="example-project-log-audit-state"');
  });
});
