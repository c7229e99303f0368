/** The exact `log-audit accept` command that makes a finding normal, as shown to on-call. */
import type { Finding } from '../detect/finding.js';
import { shellQuote } from '../notify/slack-text.js';
import { UNRECORDED_SOURCE } from '../source-identity.js';

/** Finding types a baseline entry can accept; bursts and overflows are never "normal". */
const ACCEPTABLE = new Set(['new-credential', 'new-source', 'credential-from-new-source']);

export function acceptCommand(finding: Finding, baselinesDir = 'baselines'): string | undefined {
  if (!ACCEPTABLE.has(finding.type)) return undefined;
  const args = ['log-audit', 'accept', '--baselines', baselinesDir, '--kind', finding.kind, '--target', finding.target];
  if (finding.source !== UNRECORDED_SOURCE && finding.source !== '*') args.push('--source', finding.source);
  if (finding.credential !== null) args.push('--credential', finding.credential);
  if (finding.type === 'credential-from-new-source') args.push('--pair-only');
  args.push('--reason', `accepted finding ${finding.id}`);
  return args.map(shellQuote).join(' ');
}
