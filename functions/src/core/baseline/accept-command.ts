/**
 * The `log-audit accept` command suggested to on-call (Slack digest, text report), and what accepting
 * a finding means.
 *
 * A suggested command carries no log text: `log-audit accept --report <report> --finding <id>`, where
 * the report is the function's `gs://…/reports/…json` or a JSON report the CLI wrote, and the id is
 * the finding's hex id; accept reads the finding's values from the report. Quoting attacker-chosen
 * values cannot be made safe across shells (a `\'` that bash and zsh read as text ends the string
 * in fish), so every word of the command is built from characters no shell treats specially —
 * bash, zsh (extended_glob included) and fish — or the command is not suggested at all.
 */
import { PIPELINE_KIND, type LogKind } from '../access-event.js';
import type { Finding, FindingStatement, FindingType } from '../detect/finding.js';
import { UNRECORDED_SOURCE } from '../source-identity.js';

/** Finding types a baseline entry can accept; bursts and overflows are never "normal". */
const ACCEPTABLE: ReadonlySet<FindingType> = new Set(['new-credential', 'new-source', 'credential-from-new-source', 'new-enumeration', 'new-statement']);

/**
 * A word every shell we know takes literally: letters, digits and `_ . / : @ % + , = -`, not starting
 * with `-` (an option), `=` (zsh's equals expansion), `%` (fish's old process expansion) or `~`.
 */
const SAFE_WORD = /^[A-Za-z0-9_./@][A-Za-z0-9_./:@%+,=-]*$/;

export function isAcceptable(type: FindingType): boolean {
  return ACCEPTABLE.has(type);
}

export function isShellSafeWord(word: string): boolean {
  return SAFE_WORD.test(word);
}

/** Percent-encodes the UTF-8 bytes of every character outside the safe set (`%` itself included). */
function percentEncode(text: string): string {
  return [...text.toWellFormed()]
    .map((ch) => (/^[A-Za-z0-9_./:@+,=-]$/.test(ch) ? ch : [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')))
    .join('');
}

/**
 * The report as a command word: a `gs://` location with every other character percent-encoded (accept
 * decodes `%XX` in gs:// object names; Cloud Storage names need no escaping otherwise), or a local
 * path used as it is when it is safe. Undefined when no safe word names it.
 */
export function reportWord(report: string): string | undefined {
  if (report.startsWith('gs://')) return percentEncode(report);
  return isShellSafeWord(report) ? report : undefined;
}

/** Decodes what reportWord encoded in a gs:// location; a local path is returned unchanged. */
export function decodeReportWord(word: string): string {
  if (!word.startsWith('gs://')) return word;
  try {
    return decodeURIComponent(word);
  } catch {
    return word;
  }
}

export interface SuggestionContext {
  /** Where the report with this finding is (gs://… or a local path); without one there is no command. */
  report?: string;
  /** A baselines folder other than the default `baselines`, named in the command when safe. */
  baselinesDir?: string;
}

/** `log-audit accept --report R --finding ID`, or undefined when the finding cannot be accepted or no safe word names the report. */
export function acceptCommand(finding: Pick<Finding, 'id' | 'type'>, context: SuggestionContext): string | undefined {
  if (!ACCEPTABLE.has(finding.type) || !context.report) return undefined;
  const report = reportWord(context.report);
  if (!report || !/^[0-9a-f]{12}$/.test(finding.id)) return undefined;
  const words = ['log-audit', 'accept', '--report', report, '--finding', finding.id];
  if (context.baselinesDir && context.baselinesDir !== 'baselines') {
    if (!isShellSafeWord(context.baselinesDir)) return undefined;
    words.push('--baselines', context.baselinesDir);
  }
  return words.join(' ');
}

/** What accepting a finding adds: its source, credential and pair (the pair only, when both are known). */
export interface FindingAcceptance {
  kind: LogKind;
  target: string;
  source?: string;
  credential?: string;
  pairOnly: boolean;
  /** new-enumeration: the credential becomes one of the bucket's listers. */
  lister?: boolean;
  /** new-statement: the statement kind (with its relations and never-routine shapes) this credential may run. */
  statement?: { database: string; kind: string; relations: string[]; shapes: { fingerprint: string; statement: string }[] };
}

/** The baseline entries that make this finding normal, or a reason it cannot be accepted. */
export function acceptanceFor(finding: Pick<Finding, 'id' | 'type' | 'kind' | 'target' | 'source' | 'credential'> & { statement?: FindingStatement | undefined }): FindingAcceptance | { refused: string } {
  if (!ACCEPTABLE.has(finding.type) || finding.kind === PIPELINE_KIND) return { refused: `finding ${finding.id} is a ${finding.type}, which no baseline entry makes normal` };
  if (finding.type === 'new-enumeration') {
    if (!finding.credential) return { refused: `finding ${finding.id} names no credential` };
    return { kind: finding.kind, target: finding.target, credential: finding.credential, pairOnly: false, lister: true };
  }
  if (finding.type === 'new-statement') {
    const st = finding.statement;
    if (!st || !finding.credential) return { refused: `finding ${finding.id} carries no statement to accept (a report from an older log-audit?)` };
    return {
      kind: finding.kind,
      target: finding.target,
      credential: finding.credential,
      pairOnly: false,
      statement: { database: st.database, kind: st.kind, relations: st.relations, shapes: st.neverRoutineShapes },
    };
  }
  const source = finding.source !== UNRECORDED_SOURCE && finding.source !== '*' ? finding.source : undefined;
  const credential = finding.credential ?? undefined;
  if (!source && !credential) return { refused: `finding ${finding.id} names neither a source nor a credential` };
  return {
    kind: finding.kind,
    target: finding.target,
    ...(source ? { source } : {}),
    ...(credential ? { credential } : {}),
    pairOnly: finding.type === 'credential-from-new-source' && source !== undefined && credential !== undefined,
  };
}
