import type { CompiledBaseline } from '../../baseline/matcher.js';
import type { AccessGroup } from '../access-group.js';
import { buildFinding, isInternetSource } from '../build-finding.js';
import type { DetectorInfo, Finding } from '../finding.js';

export const failedAuthBurst: DetectorInfo = {
  type: 'failed-auth-burst',
  title: 'Burst of failed authentication from an unusual source',
  whyItMatters: 'Many denied requests or failed logins from a source this target has never served look like password guessing or a stolen credential probing for access.',
  whatToDo: 'Check whether the source is yours; if not, block it (firewall, authorized networks, VPC-SC) and rotate any credential it tried.',
  ifNotExpected: 'block the source (firewall, authorized networks, VPC Service Controls), rotate every credential it tried, and check whether any attempt succeeded.',
};

/** Failures from one source are a burst when at least this many arrive in one batch. */
export const DEFAULT_BURST_THRESHOLD = 5;

/**
 * Per source not in the baseline: if its failures in this batch reach the threshold, one finding
 * (across all credentials it tried) takes those failures; the groups whose failures it took are returned.
 * A target with no baseline knows no source: a burst against it is reported at full severity too
 * (a password-guessing run must not wait for someone to write the target's first baseline).
 */
export function detectFailedAuthBursts(
  groups: readonly AccessGroup[],
  baseline: CompiledBaseline | undefined,
  threshold: number,
): { findings: Finding[]; consumed: Set<AccessGroup> } {
  const bySource = new Map<string, AccessGroup[]>();
  for (const g of groups) if (g.failures > 0) bySource.set(g.source.key, [...(bySource.get(g.source.key) ?? []), g]);
  const findings: Finding[] = [];
  const consumed = new Set<AccessGroup>();
  for (const [, sourceGroups] of bySource) {
    const failures = sourceGroups.reduce((n, g) => n + g.failures, 0);
    const first = sourceGroups[0]!;
    if (failures < threshold || baseline?.sources.match(first.source)) continue;
    const credentials = new Set(sourceGroups.map((g) => g.credential?.key ?? null));
    const [only] = credentials;
    findings.push(
      buildFinding(failedAuthBurst, sourceGroups, {
        severity: 'high',
        credential: credentials.size === 1 ? (only ?? null) : null,
        only: 'failures',
        rule: {
          baseline: baseline?.file ?? null,
          section: baseline ? 'sources' : null,
          detail: `${failures} failed attempts in one batch (a burst is ${threshold}) from ${baseline ? 'a source this target has never seen' : 'a source, on a target with no baseline'}${isInternetSource(first.source) ? ', on the internet' : ''}`,
          nearest: baseline?.nearestSources(first.source.key) ?? [],
        },
      }),
    );
    for (const g of sourceGroups) consumed.add(g);
  }
  return { findings, consumed };
}
