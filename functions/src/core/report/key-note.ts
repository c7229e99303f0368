/** How a finding's service-account keys read beside its credential: `key …3f9a0c, never seen for this account`. */
import type { Finding } from '../detect/finding.js';

/** The last characters of a key id: enough to tell keys apart, short enough for a phone. */
export function shortKeyId(id: string): string {
  return id.length > 8 ? `…${id.slice(-6)}` : id;
}

/** Plain text (the caller escapes it), or undefined when the finding names no key. */
export function keyNote(finding: Pick<Finding, 'keys' | 'unknownKeys'>): string | undefined {
  const keys = finding.keys ?? [];
  if (keys.length === 0) return undefined;
  const unknown = new Set(finding.unknownKeys ?? []);
  const parts = keys.slice(0, 3).map((k) => `key ${shortKeyId(k)}${unknown.has(k) ? ', never seen for this account' : ''}`);
  return parts.join('; ') + (keys.length > 3 ? ` and ${keys.length - 3} more keys` : '');
}
