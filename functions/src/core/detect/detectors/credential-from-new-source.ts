import type { CompiledBaseline } from '../../baseline/matcher.js';
import { UNRECORDED_SOURCE } from '../../source-identity.js';
import type { AccessGroup } from '../access-group.js';
import { buildFinding, isInternetSource, type FindingParts } from '../build-finding.js';
import type { DetectorInfo, Finding } from '../finding.js';

export const credentialFromNewSource: DetectorInfo = {
  type: 'credential-from-new-source',
  title: 'Known credential used from a source it never used',
  whyItMatters: 'Both are known on this target, but never together: a service account key copied to another machine looks exactly like this.',
  whatToDo: 'Ask the credential’s owner whether it now runs there; if expected, accept the pair with the command below; if not, rotate the credential.',
};

export function detectCredentialFromNewSource(group: AccessGroup, baseline: CompiledBaseline, only?: FindingParts['only']): Finding | undefined {
  if (!group.credential || group.source.key === UNRECORDED_SOURCE) return undefined;
  if (baseline.matchPair(group.credential, group.source)) return undefined;
  const succeeded = group.successes > 0 && only !== 'failures';
  const knownFrom = baseline.pairSourcesOf(group.credential);
  return buildFinding(credentialFromNewSource, [group], {
    severity: succeeded && isInternetSource(group.source) ? 'high' : 'medium',
    ...(only ? { only } : {}),
    rule: {
      baseline: baseline.file,
      section: 'pairs',
      detail: `credential and source are each known, but this pair is not in pairs${succeeded ? '' : ' (every attempt failed)'}`,
      nearest: knownFrom,
    },
  });
}
