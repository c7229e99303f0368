import type { CompiledBaseline } from '../../baseline/matcher.js';
import { UNRECORDED_SOURCE } from '../../source-identity.js';
import type { AccessGroup } from '../access-group.js';
import { buildFinding, lapsedRule, type FindingParts } from '../build-finding.js';
import type { DetectorInfo, Finding } from '../finding.js';

export const newCredential: DetectorInfo = {
  type: 'new-credential',
  title: 'Credential never seen on this target',
  whyItMatters: 'A principal or database user that has never touched this data before may be a leaked key, a new integration nobody reviewed, or an attacker’s account.',
  whatToDo: 'Confirm with the owner of the credential; if expected, accept it into the baseline with the command below; if not, disable it and review what it read.',
  ifNotExpected: 'disable the credential (or its key), then review everything it read or changed in Logs Explorer.',
};

export function detectNewCredential(group: AccessGroup, baseline: CompiledBaseline, only?: FindingParts['only']): Finding | undefined {
  if (!group.credential || baseline.credentials.match(group.credential)) return undefined;
  const sourceKnown = group.source.key === UNRECORDED_SOURCE || baseline.sources.match(group.source) !== undefined;
  const succeeded = group.successes > 0 && only !== 'failures';
  const lapsed = baseline.lapsed.credential(group.credential);
  return buildFinding(newCredential, [group], {
    severity: succeeded ? 'high' : 'medium',
    ...(only ? { only } : {}),
    rule: lapsed
      ? lapsedRule(lapsed, baseline.file, !succeeded)
      : {
          baseline: baseline.file,
          section: 'credentials',
          detail: `this credential has never been used on this target${sourceKnown ? '' : ', and nothing has reached it from this source before'}${succeeded ? '' : ' (every attempt failed)'}`,
          nearest: baseline.nearestCredentials(group.credential.key),
        },
  });
}
