import type { AccessGroup } from '../access-group.js';
import { buildFinding } from '../build-finding.js';
import type { DetectorInfo, Finding } from '../finding.js';

export const pipelineChange: DetectorInfo = {
  type: 'pipeline-change',
  title: 'The audit pipeline itself was changed',
  whyItMatters:
    "Whoever can change log-audit's sinks, buckets, audit config, functions, service accounts or state can make it silent: an exclusion, a disabled sink or a pre-written suppression record turns real anomalies into quiet.",
  whatToDo: 'Confirm the change with whoever made it: a reviewed `pulumi up` of this stack is the only expected one.',
  ifNotExpected: 'run `pulumi preview` to see what differs and `pulumi up` to restore the stack, revoke or rotate the credential that made the change, and audit what happened while the pipeline was changed.',
};

/** Every change is reported, HIGH, one finding per who × from where × what; nothing makes one normal. */
export function detectPipelineChange(group: AccessGroup): Finding {
  return buildFinding(pipelineChange, [group], {
    severity: 'high',
    rule: {
      baseline: null,
      section: null,
      detail: group.failures > 0 && group.successes === 0 ? 'an attempt to change the pipeline (refused)' : 'a change to the pipeline: never normal, always reported',
      nearest: [],
    },
  });
}
