import type { CompiledBaseline } from '../../baseline/matcher.js';
import { UNRECORDED_SOURCE } from '../../source-identity.js';
import type { AccessGroup } from '../access-group.js';
import { buildFinding, isInternetSource, lapsedRule, type FindingParts } from '../build-finding.js';
import type { DetectorInfo, Finding } from '../finding.js';

export const newSource: DetectorInfo = {
  type: 'new-source',
  title: 'Source never seen on this target',
  whyItMatters: 'Access from a network location, workload or VM that has never reached this data may be a stolen credential used from elsewhere, or a workload nobody reviewed.',
  whatToDo: 'Identify the source (ASN, VM, GKE namespace); if expected, accept it into the baseline with the command below; if not, block it and rotate the credential used.',
  ifNotExpected: 'block the source (firewall, authorized networks, VPC Service Controls) and rotate the credential it used.',
};

export function detectNewSource(group: AccessGroup, baseline: CompiledBaseline, only?: FindingParts['only']): Finding | undefined {
  if (group.source.key === UNRECORDED_SOURCE || baseline.sources.match(group.source)) return undefined;
  const succeeded = group.successes > 0 && only !== 'failures';
  const lapsed = baseline.lapsed.source(group.source);
  return buildFinding(newSource, [group], {
    severity: succeeded && (isInternetSource(group.source) || group.kind !== 'vpc-flow') ? 'high' : 'medium',
    ...(only ? { only } : {}),
    rule: lapsed
      ? lapsedRule(lapsed, baseline.file, !succeeded)
      : {
          baseline: baseline.file,
          section: 'sources',
          detail: `nothing has reached this target from this source before${succeeded ? '' : ' (every attempt failed)'}`,
          nearest: baseline.nearestSources(group.source.key),
        },
  });
}
