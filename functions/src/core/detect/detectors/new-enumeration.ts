/**
 * Enumeration by a credential that never enumerated: a known credential listing a bucket's objects
 * (storage.objects.list) where the baseline's `listers` do not name it. Reconnaissance before a
 * bulk read looks like this; a reader that fetches known object names never lists.
 */
import type { CompiledBaseline } from '../../baseline/matcher.js';
import type { AccessGroup } from '../access-group.js';
import { buildFinding, isInternetSource } from '../build-finding.js';
import type { DetectorInfo, Finding } from '../finding.js';

export const newEnumeration: DetectorInfo = {
  type: 'new-enumeration',
  title: 'Credential listed the bucket for the first time',
  whyItMatters: 'Listing a bucket is how someone who holds a credential finds out what it can read; the applications that use this credential normally fetch objects by name.',
  whatToDo: 'Ask the owner of the credential whether a new job lists the bucket; if expected, accept it with the command below.',
  ifNotExpected: 'rotate the credential (revoke the key it used) and check which objects it read after listing.',
};

export function detectNewEnumeration(group: AccessGroup, baseline: CompiledBaseline): Finding | undefined {
  if (group.kind !== 'gcs' || !group.listed || !group.credential) return undefined;
  if (baseline.isLister(group.credential) !== false) return undefined;
  return buildFinding(newEnumeration, [group], {
    severity: isInternetSource(group.source) ? 'high' : 'medium',
    rule: { baseline: baseline.file, section: null, detail: 'this credential never listed this bucket before (it is not among listers)', nearest: [] },
  });
}
