import type { EventKind } from '../../access-event.js';
import { findingId, type DetectorInfo, type Finding } from '../finding.js';

export const trackingOverflow: DetectorInfo = {
  type: 'tracking-overflow',
  title: 'Too many distinct sources or credentials to track in one batch',
  whyItMatters: 'Past the tracking cap, accesses are counted but not judged one by one: a flood of distinct sources is itself unusual, and could hide an anomaly.',
  whatToDo: 'Look at the batch in Logs Explorer for a scan or a misconfigured client; raise the cap only if this volume is normal.',
  ifNotExpected: 'treat it as a scan or a flood: find its sources in Logs Explorer and block them; what was not judged one by one is in the report.',
};

export interface Overflow {
  kind: EventKind;
  target: string;
  events: number;
  firstSeen: string;
  lastSeen: string;
  sampleSources: string[];
}

export function overflowFinding(overflow: Overflow, caps: { maxGroups: number; maxGroupsPerTarget: number }, baselineFile: string | null): Finding {
  return {
    id: findingId('tracking-overflow', overflow.target, '*', null),
    kind: overflow.kind,
    type: 'tracking-overflow',
    severity: 'high',
    title: trackingOverflow.title,
    target: overflow.target,
    source: '*',
    sourceDescription: `untracked sources, e.g. ${overflow.sampleSources.join(', ')}`,
    credential: null,
    count: overflow.events,
    failures: 0,
    firstSeen: overflow.firstSeen,
    lastSeen: overflow.lastSeen,
    actions: [],
    resources: [],
    userAgents: [],
    rule: { baseline: baselineFile, section: null, detail: `more than ${caps.maxGroupsPerTarget} distinct source × credential groups for this target (or ${caps.maxGroups} in the whole batch); ${overflow.events} accesses were counted without being judged`, nearest: [] },
    refs: [],
  };
}
