import type { AccessGroup } from '../access-group.js';
import { buildFinding } from '../build-finding.js';
import type { DetectorInfo, Finding } from '../finding.js';

export const notBaselined: DetectorInfo = {
  type: 'not-baselined',
  title: 'Target has no baseline',
  whyItMatters: 'Without a baseline nothing about this target can be judged, so every access to it goes unchecked.',
  whatToDo: 'Run `log-audit learn` on its history, review the new file in baselines/, and commit it.',
  ifNotExpected: 'find out who created this data store and who reads it; until it has a baseline, nothing about it is judged.',
};

/** One finding for the whole target (never one per access), listing a few of its sources. */
export function detectNotBaselined(groups: readonly AccessGroup[]): Finding {
  const sources = [...new Set(groups.map((g) => g.source.key))].sort();
  return buildFinding(notBaselined, groups, {
    severity: 'low',
    source: '*',
    sourceDescription: `${sources.length} source${sources.length === 1 ? '' : 's'}: ${sources.slice(0, 3).join(', ')}${sources.length > 3 ? ', …' : ''}`,
    credential: null,
    rule: { baseline: null, section: null, detail: 'no baseline file describes this target', nearest: [] },
  });
}
