/**
 * The Slack digest: one Block Kit message per anomalous batch, built by a pure function (no I/O, no
 * clock) so it is snapshot-tested and identical in the CLI and the function. Written for on-call at
 * 3 a.m. on a phone: a headline with what was touched, how many anomalies and the worst severity,
 * then per finding who / from where / what / when / why, a Logs Explorer link and the command that
 * accepts it. Every log-derived value is escaped and truncated (slack-text.ts); the message stays
 * inside Slack's limits: ≤ 50 blocks, ≤ 3,000 characters per section text.
 * https://api.slack.com/reference/block-kit/blocks
 */
import { acceptCommand, isAcceptable } from '../baseline/accept-command.js';
import { detectorInfo } from '../detect/detectors/index.js';
import { SEVERITIES, type Finding, type Severity } from '../detect/finding.js';
import { logsExplorerUrl } from './links.js';
import { code, truncate, value } from './slack-text.js';

export const SLACK_LIMITS = { blocks: 50, sectionText: 3000, headerText: 150 } as const;

/** Findings shown in full; the rest are counted and point to the report. Readable on a phone. */
export const DEFAULT_DETAILED_FINDINGS = 10;

export interface StillHappening {
  finding: Finding;
  /** Accesses since the last time this finding key was posted. */
  countSince: number;
  /** When it was last posted (ISO). */
  since: string;
}

export interface DigestInput {
  /** Stable id of this digest: a retry carries the same one. */
  digestId: string;
  /** What batch it is about: `gs://bucket/name#generation`, or the CLI's paths. */
  batch: string;
  /** Findings to post now (already past suppression), in report order. */
  findings: readonly Finding[];
  /** Findings suppressed within the window, still accumulating. */
  stillHappening?: readonly StillHappening[];
  /** Where the full report is (gs://… or a local note). */
  reportUri?: string;
  /** Project for Logs Explorer links of GCS and flow findings. */
  project?: string;
  /** Baselines directory named in the accept commands when it is not the default. */
  baselinesDir?: string;
  counts?: { lines: number; bad: number; unknown: number };
  detailedFindings?: number;
}

export interface SlackBlock {
  type: string;
  [key: string]: unknown;
}

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

const SEVERITY_MARK: Record<Severity, string> = { high: ':red_circle:', medium: ':large_orange_circle:', low: ':white_circle:' };

function worstSeverity(findings: readonly Finding[]): Severity {
  for (const s of [...SEVERITIES].reverse()) if (findings.some((f) => f.severity === s)) return s;
  return 'low';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) } };
}

function context(text: string): SlackBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) }] };
}

/** `2026-11-20T03:17:39.562Z` → `2026-11-20 03:17 UTC` */
function when(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return value(iso, 40);
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function targetsTouched(findings: readonly Finding[]): string {
  const targets = [...new Set(findings.map((f) => `${f.kind}|${f.target}`))];
  const shown = targets.slice(0, 5).map((t) => {
    const [kind, target = ''] = t.split(/\|(.*)/s);
    return `${code(target, 80)} (${kind})`;
  });
  return shown.join(', ') + (targets.length > 5 ? ` and ${targets.length - 5} more` : '');
}

function projectFor(finding: Finding, project: string | undefined): string | undefined {
  return finding.kind === 'cloudsql' ? finding.target.split(':')[0] : project;
}

/** One finding as a section: who, from where, what, when, why, then the link and the accept command. */
export function findingSection(finding: Finding, input: Pick<DigestInput, 'project' | 'baselinesDir' | 'reportUri'>): SlackBlock {
  const info = detectorInfo(finding.type);
  const who =
    finding.credential !== null
      ? code(finding.credential, 160)
      : finding.credentialsTried?.length
        ? `${plural(finding.credentialsTried.length, 'credential')} ${finding.type === 'failed-auth-burst' ? 'tried' : 'seen'}: ${finding.credentialsTried.slice(0, 3).map((c) => code(c, 60)).join(', ')}`
        : '_no credential in this log_';
  const what = [
    finding.actions.slice(0, 3).map((a) => value(a, 60)).join(', '),
    finding.resources.length > 0 ? `on ${finding.resources.slice(0, 2).map((r) => code(r, 80)).join(', ')}${finding.resources.length > 2 ? ' …' : ''}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const failures = finding.failures > 0 ? ` (${finding.failures} failed)` : '';
  const nearest = finding.rule.nearest.length > 0 ? ` Known: ${finding.rule.nearest.slice(0, 3).map((n) => code(n, 60)).join(', ')}.` : '';
  const lines = [
    `${SEVERITY_MARK[finding.severity]} *${finding.severity.toUpperCase()} · ${info.title}* on ${code(finding.target, 100)} (${finding.kind})`,
    `*Who:* ${who}`,
    `*From:* ${value(finding.sourceDescription, 160)}`,
    what ? `*What:* ${what}` : '',
    finding.userAgents.length > 0 ? `*Agent:* ${code(finding.userAgents[0]!, 100)}` : '',
    `*When:* ${finding.count}×${failures}, ${when(finding.firstSeen)} → ${when(finding.lastSeen)}`,
    `*Why:* ${value(finding.rule.detail, 300)}.${nearest}`,
    `<${logsExplorerUrl(finding, projectFor(finding, input.project))}|Open in Logs Explorer>`,
  ];
  const accept = acceptCommand(finding, { ...(input.reportUri ? { report: input.reportUri } : {}), ...(input.baselinesDir ? { baselinesDir: input.baselinesDir } : {}) });
  if (accept) lines.push(`If expected: ${code(accept, 600)}`);
  else if (isAcceptable(finding.type)) lines.push(`If expected: accept finding \`${value(finding.id, 12)}\` from the report (\`log-audit accept --report REPORT --finding ${value(finding.id, 12)}\`)`);
  else lines.push(`_${value(info.whatToDo, 300)}_`);
  return section(lines.filter(Boolean).join('\n'));
}

/** Builds the whole message. Pure: the same input always gives the same payload. */
export function buildDigest(input: DigestInput): SlackMessage {
  const findings = input.findings;
  const still = input.stillHappening ?? [];
  const detailed = Math.max(0, input.detailedFindings ?? DEFAULT_DETAILED_FINDINGS);
  const worst = findings.length > 0 ? worstSeverity(findings) : worstSeverity(still.map((s) => s.finding));
  const headline =
    findings.length > 0
      ? `${findings.length} new ${findings.length === 1 ? 'anomaly' : 'anomalies'} — worst: ${worst.toUpperCase()}`
      : `anomalies still happening — worst: ${worst.toUpperCase()}`;
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(`log-audit: ${headline}`, SLACK_LIMITS.headerText), emoji: true } }];

  const touched = targetsTouched(findings.length > 0 ? findings : still.map((s) => s.finding));
  const bySeverity = SEVERITIES.slice()
    .reverse()
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  blocks.push(section(`*Touched:* ${touched}${bySeverity ? `\n*Anomalies:* ${findings.length} (${bySeverity})` : ''}`));
  const counts = input.counts ? ` · ${input.counts.lines} lines${input.counts.bad + input.counts.unknown > 0 ? `, ${input.counts.bad} bad, ${input.counts.unknown} unknown` : ''}` : '';
  blocks.push(context(`Batch ${code(input.batch, 300)}${counts} · digest \`${value(input.digestId, 40)}\``));

  // Room for the fixed blocks: header, touched, context, still-happening, overflow, footer.
  const room = SLACK_LIMITS.blocks - blocks.length - 3;
  const shown = findings.slice(0, Math.min(detailed, Math.floor(room / 2)));
  for (const finding of shown) {
    blocks.push({ type: 'divider' });
    blocks.push(findingSection(finding, input));
  }

  if (still.length > 0) {
    const lines = still.slice(0, 10).map(
      (s) => `• ${value(detectorInfo(s.finding.type).title, 60)} on ${code(s.finding.target, 60)} from ${value(s.finding.sourceDescription, 80)}${s.finding.credential ? ` as ${code(s.finding.credential, 60)}` : ''}: *${s.countSince} more* since ${when(s.since)}`,
    );
    if (still.length > 10) lines.push(`• and ${still.length - 10} more still happening`);
    blocks.push(section(`*Still happening* (already posted, not repeated):\n${lines.join('\n')}`));
  }

  const hidden = findings.length - shown.length;
  if (hidden > 0) blocks.push(section(`…and ${hidden} more ${hidden === 1 ? 'anomaly' : 'anomalies'} — full report at ${code(input.reportUri ?? 'the audit report', 300)}`));
  else if (input.reportUri) blocks.push(context(`Full report: ${code(input.reportUri, 300)}`));

  const text = `log-audit: ${headline} on ${touched}`.replace(/`/g, '');
  return { text: truncate(text, 3000), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}
