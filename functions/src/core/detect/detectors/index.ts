/** Every detector's metadata, in precedence order: what on-call reads for each finding type. */
import type { DetectorInfo, FindingType } from '../finding.js';
import { credentialFromNewSource } from './credential-from-new-source.js';
import { failedAuthBurst } from './failed-auth-burst.js';
import { newCredential } from './new-credential.js';
import { newSource } from './new-source.js';
import { newEnumeration } from './new-enumeration.js';
import { newStatement } from './new-statement.js';
import { notBaselined } from './not-baselined.js';
import { pipelineChange } from './pipeline-change.js';
import { trackingOverflow } from './tracking-overflow.js';

export const DETECTORS: readonly DetectorInfo[] = [pipelineChange, failedAuthBurst, newCredential, newSource, credentialFromNewSource, newEnumeration, newStatement, notBaselined, trackingOverflow];

export function detectorInfo(type: FindingType): DetectorInfo {
  return DETECTORS.find((d) => d.type === type)!;
}
