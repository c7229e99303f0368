/** The human-readable audit report (`--format text`). */
import { acceptCommand, isAcceptable, type SuggestionContext } from '../baseline/accept-command.js';
import { nearestLabel, type Finding } from '../detect/finding.js';
import { detectorInfo } from '../detect/detectors/index.js';
import { keyNote } from './key-note.js';
import type { AuditSummary } from './summary.js';
import { terminalSafe as t } from './terminal-text.js';

function n(value: number): string {
  return value.toLocaleString('en-US');
}

export function formatCounts(s: AuditSummary): string {
  return `${n(s.files)} file${s.files === 1 ? '' : 's'}, ${n(s.lines)} lines: ${n(s.parsed)} parsed, ${n(s.skipped)} skipped, ${n(s.unknown)} unknown, ${n(s.bad)} bad`;
}

/** `a.json:3, a.json:7` → `a.json:3,7` */
function formatRefs(refs: readonly string[]): string {
  const byFile = new Map<string, string[]>();
  for (const ref of refs) {
    const at = ref.lastIndexOf(':');
    const file = ref.slice(0, at);
    byFile.set(file, [...(byFile.get(file) ?? []), ref.slice(at + 1)]);
  }
  return [...byFile].map(([file, lines]) => `${t(file, 400)}:${lines.join(',')}`).join(' ');
}

/** The identity key adds information unless it is the address already shown, or a placeholder. */
function showKey(f: Finding): boolean {
  return f.source !== '*' && f.source !== 'unrecorded' && !f.sourceDescription.startsWith(f.source.replace(/^(ip|token):/, ''));
}

/** `first → last`, or one time when they are the same. */
function timeSpan(first: string, last: string): string {
  return first === last ? t(first, 40) : `${t(first, 40)} → ${t(last, 40)}`;
}

function who(f: Finding): string {
  const keys = keyNote(f);
  if (f.credential !== null) return `${t(f.credential)}${keys ? ` (${t(keys, 200)})` : ''}`;
  const tried = f.credentialsTried ?? [];
  if (tried.length === 0) return '(no credential in this log)';
  const total = Math.max(f.credentialsTriedTotal ?? 0, tried.length);
  const shown = tried.slice(0, 3);
  return `${total} credential${total === 1 ? '' : 's'} ${f.type === 'failed-auth-burst' ? 'tried' : 'seen'}: ${shown.map((c) => t(c)).join(', ')}${total > shown.length ? ` and ${total - shown.length} more` : ''}`;
}

function formatFinding(f: Finding, index: number, suggestion: SuggestionContext): string[] {
  const lines = [
    `${index + 1}. ${f.severity.toUpperCase()}  ${f.type}  ${f.kind} ${t(f.target)}`,
    `   ${detectorInfo(f.type).title}`,
    `   who:   ${who(f)}`,
    `   from:  ${t(f.sourceDescription)}${showKey(f) ? ` [${t(f.source)}]` : ''}`,
  ];
  if (f.actions.length > 0) lines.push(`   what:  ${f.actions.map((a) => t(a, 80)).join(', ')}`);
  if (f.resources.length > 0) lines.push(`   on:    ${f.resources.map((r) => t(r, 120)).join(' | ')}`);
  if (f.userAgents.length > 0) lines.push(`   agent: ${f.userAgents.map((u) => t(u, 120)).join(' | ')}`);
  if (f.statement) lines.push(`   sql:   ${t(f.statement.kind, 80)} on database ${t(f.statement.database, 80)}${f.statement.shape ? `: ${t(f.statement.shape, 300)}` : ''}`);
  lines.push(`   when:  ${n(f.count)}× ${f.failures > 0 ? `(${n(f.failures)} failed) ` : ''}${timeSpan(f.firstSeen, f.lastSeen)}`);
  lines.push(`   why:   ${t(f.rule.detail)}${f.rule.nearest.length > 0 ? `; ${nearestLabel(f.rule.section)}: ${f.rule.nearest.map((v) => t(v, 80)).join(', ')}` : ''}`);
  lines.push(`   rule:  ${f.rule.entry ? `${t(f.rule.entry, 400)} › ${f.rule.section}` : f.rule.baseline ? `${t(f.rule.baseline, 400)}${f.rule.section ? ` › ${f.rule.section}` : ''}` : 'no baseline'}`);
  if (f.refs.length > 0) lines.push(`   logs:  ${formatRefs(f.refs)}`);
  const accept = acceptCommand(f, suggestion);
  if (accept) lines.push(`   accept: ${accept}`);
  else if (isAcceptable(f.type)) lines.push(`   accept: finding ${f.id}; write this audit's report with --report FILE, then run: log-audit accept --report FILE --finding ${f.id}`);
  else lines.push(`   to do: ${detectorInfo(f.type).whatToDo}`);
  lines.push(`   if not expected: ${detectorInfo(f.type).ifNotExpected}`);
  return lines;
}

/** `suggestion.report` names the saved report the accept commands point to; without it they are explained, not printed. */
export function formatTextReport(findings: readonly Finding[], summary: AuditSummary, suggestion: SuggestionContext = {}): string {
  const out: string[] = [];
  const headline =
    summary.lines === 0
      ? `Nothing read: ${formatCounts(summary)}. No log line was audited; this is not a clean result.`
      : findings.length === 0
      ? `No anomalies. ${formatCounts(summary)}.`
      : `${findings.length} anomal${findings.length === 1 ? 'y' : 'ies'} (${Object.entries(summary.bySeverity)
          .map(([sev, count]) => `${count} ${sev}`)
          .join(', ')}). ${formatCounts(summary)}.`;
  out.push(headline, '');
  findings.forEach((f, i) => out.push(...formatFinding(f, i, suggestion), ''));
  if (summary.problems.length > 0) {
    out.push('Input problems (counted, the rest of the batch was audited):');
    for (const p of summary.problems) out.push(`  ${t(p, 400)}`);
    for (const [category, count] of Object.entries(summary.problemsOmitted)) out.push(`  … and ${count} more ${category} problems`);
    out.push('');
  }
  return out.join('\n');
}
