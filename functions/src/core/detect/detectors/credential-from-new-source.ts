import type { CompiledBaseline } from '../../baseline/matcher.js';
import { UNRECORDED_SOURCE } from '../../source-identity.js';
import type { AccessGroup } from '../access-group.js';
import { buildFinding, isInternetSource, lapsedRule, type FindingParts } from '../build-finding.js';
import type { DetectorInfo, Finding } from '../finding.js';

export const credentialFromNewSource: DetectorInfo = {
  type: 'credential-from-new-source',
  title: 'Known credential used from a source it never used',
  whyItMatters: 'Both are known on this target, but never together: a service account key copied to another machine looks exactly like this.',
  whatToDo: 'Ask the credential’s owner whether it now runs there; if expected, accept the pair with the command below; if not, rotate the credential.',
  ifNotExpected: 'rotate the credential (revoke the key it used) and find the machine it was copied to.',
};

export function detectCredentialFromNewSource(group: AccessGroup, baseline: CompiledBaseline, only?: FindingParts['only']): Finding | undefined {
  if (!group.credential || group.source.key === UNRECORDED_SOURCE) return undefined;
  if (baseline.matchPair(group.credential, group.source)) return undefined;
  const succeeded = group.successes > 0 && only !== 'failures';
  const knownFrom = baseline.pairSourcesOf(group.credential);
  const lapsed = baseline.lapsed.pair(group.credential, group.source);
  return buildFinding(credentialFromNewSource, [group], {
    severity: succeeded && isInternetSource(group.source) ? 'high' : 'medium',
    ...(only ? { only } : {}),
    rule: lapsed
      ? lapsedRule(lapsed, baseline.file, !succeeded)
      : {
          baseline: baseline.file,
          section: 'pairs',
          detail: `this credential and this source are each known here, but never together${succeeded ? '' : ' (every attempt failed)'}`,
          nearest: knownFrom,
        },
  });
}
