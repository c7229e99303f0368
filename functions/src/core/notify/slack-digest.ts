/**
 * The Slack digest: one Block Kit message per anomalous batch, built by a pure function (no I/O, no
 * clock) so it is snapshot-tested and identical in the CLI and the function. Written for on-call at
 * 3 a.m. on a phone: a headline with what was touched, how many anomalies and the worst severity,
 * then per finding who / from where / what / when / why, a Logs Explorer link and the command that
 * accepts it. Every log-derived value is shown, escaped and cut by slack-text.ts.
 *
 * Limits (https://api.slack.com/reference/block-kit/blocks): ≤ 50 blocks, ≤ 3,000 characters per
 * section text; we also keep all block text under 36,000 characters. Sections are built to fit,
 * never cut afterwards: a link or a command that does not fit is dropped whole, with a pointer to
 * the report. No finding is buried: the first ones are detailed, every other one gets a line, and
 * when there are too many for lines they are grouped per target; a target that finds no room is
 * left out of `listed`, so the caller does not mark its findings posted.
 */
import { acceptCommand, isAcceptable } from '../baseline/accept-command.js';
import { detectorInfo } from '../detect/detectors/index.js';
import { nearestLabel, SEVERITIES, type Finding, type Severity } from '../detect/finding.js';
import { keyNote } from '../report/key-note.js';
import { logsExplorerUrl } from './links.js';
import { code, truncate, value } from './slack-text.js';

export const SLACK_LIMITS = { blocks: 50, sectionText: 3000, headerText: 150, totalText: 36_000 } as const;

/** Findings shown in full; the rest get a line each (or a line per target). Readable on a phone. */
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
  /** Where the full report is (gs://… or a local path); accept commands point to it. */
  reportUri?: string;
  /** The project audited: in the header, and for Logs Explorer links of GCS and flow findings. */
  project?: string;
  /** A name for the deployment (`production`, `staging`), shown in the header beside the project. */
  environment?: string;
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

/** A digest and the ids of the findings it shows (in detail, in a line, or in a target's line). */
export interface DigestPlan {
  message: SlackMessage;
  listed: ReadonlySet<string>;
}

const SEVERITY_MARK: Record<Severity, string> = { high: ':red_circle:', medium: ':large_orange_circle:', low: ':white_circle:' };

function worstSeverity(findings: readonly Finding[]): Severity {
  for (const s of [...SEVERITIES].reverse()) if (findings.some((f) => f.severity === s)) return s;
  return 'low';
}

/** How many values a finding keeps of each list (build-finding.ts): at that length there may be more. */
const LISTED_VALUES = 5;

/** ` and 2 more` after a list cut short (` and more` when the total is not known), or nothing. */
function andMore(hidden: number, unknownTotal = false): string {
  if (hidden <= 0) return '';
  return unknownTotal ? ' and more' : ` and ${hidden} more`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `acme-prod (production)`: where the digest comes from, when known. */
function origin(input: Pick<DigestInput, 'project' | 'environment'>): string {
  const project = input.project ? value(input.project, 40) : '';
  const environment = input.environment ? value(input.environment, 30) : '';
  return project && environment ? `${project} (${environment})` : project || environment;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `1 anomaly`, `3 more anomalies`. */
function anomalies(n: number, qualifier = ''): string {
  return `${n} ${qualifier}${n === 1 ? 'anomaly' : 'anomalies'}`;
}

/** A section of text already within the limit (callers build it to fit; this only guards). */
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

/** `first → last`, or one time when both are in the same minute. */
function span(first: string, last: string): string {
  const a = when(first);
  const b = when(last);
  return a === b ? a : `${a} → ${b}`;
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

/** Lines joined while they fit `max`; the rest are counted in a last line from `more(n)`. */
function packLines(lines: readonly string[], max: number, more: (n: number) => string): string {
  const out: string[] = [];
  let length = 0;
  for (const [i, line] of lines.entries()) {
    const reserve = i < lines.length - 1 ? more(lines.length - i).length + 1 : 0;
    if (length + line.length + 1 + reserve > max) {
      out.push(more(lines.length - i));
      break;
    }
    out.push(line);
    length += line.length + 1;
  }
  return out.join('\n');
}

/** One finding as a section: who, from where, what, when, why, then the link and the accept command. */
export function findingSection(finding: Finding, input: Pick<DigestInput, 'project' | 'baselinesDir' | 'reportUri'>): SlackBlock {
  const info = detectorInfo(finding.type);
  const tried = finding.credentialsTried ?? [];
  const triedTotal = Math.max(finding.credentialsTriedTotal ?? 0, tried.length);
  const keys = keyNote(finding);
  const who =
    finding.credential !== null
      ? `${code(finding.credential, 160)}${keys ? ` (${value(keys, 200)})` : ''}`
      : tried.length > 0
        ? `${plural(triedTotal, 'credential')} ${finding.type === 'failed-auth-burst' ? 'tried' : 'seen'}: ${tried.slice(0, 3).map((c) => code(c, 60)).join(', ')}${andMore(triedTotal - Math.min(3, tried.length))}`
        : '_no credential in this log_';
  const what = [
    `${finding.actions.slice(0, 3).map((a) => value(a, 60)).join(', ')}${andMore(finding.actions.length - 3)}`,
    finding.resources.length > 0 ? `on ${finding.resources.slice(0, 2).map((r) => code(r, 80)).join(', ')}${andMore(finding.resources.length - 2, finding.resources.length >= LISTED_VALUES)}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const failures = finding.failures > 0 ? ` (${finding.failures} failed)` : '';
  const nearest = finding.rule.nearest.length > 0 ? ` ${capitalize(nearestLabel(finding.rule.section))}: ${finding.rule.nearest.slice(0, 3).map((n) => code(n, 60)).join(', ')}.` : '';
  const entry = finding.rule.entry ? ` Entry: ${code(finding.rule.entry, 200)}.` : '';
  const lines = [
    `${SEVERITY_MARK[finding.severity]} *${finding.severity.toUpperCase()} · ${info.title}* on ${code(finding.target, 100)} (${finding.kind})`,
    `*Who:* ${who}`,
    `*From:* ${value(finding.sourceDescription, 160)}`,
    what ? `*What:* ${what}` : '',
    finding.userAgents.length > 0 ? `*Agent:* ${code(finding.userAgents[0]!, 100)}` : '',
    finding.statement ? `*Statement:* ${finding.statement.shape ? code(finding.statement.shape, 400) : value(finding.statement.kind, 80)} on database ${code(finding.statement.database, 60)}` : '',
    `*When:* ${finding.count}×${failures}, ${span(finding.firstSeen, finding.lastSeen)}`,
    `*Why:* ${value(capitalize(finding.rule.detail), 300)}.${nearest}${entry}`,
  ].filter(Boolean);
  // A link or a command is whole or absent: cut, it would point somewhere else or run something else.
  const link = `<${logsExplorerUrl(finding, projectFor(finding, input.project))}|Open in Logs Explorer>`;
  const accept = acceptCommand(finding, { ...(input.reportUri ? { report: input.reportUri } : {}), ...(input.baselinesDir ? { baselinesDir: input.baselinesDir } : {}) });
  const ifExpected = accept
    ? `*If expected:* \`${accept}\``
    : isAcceptable(finding.type)
      ? `*If expected:* accept finding \`${finding.id}\` from the report (\`log-audit accept --report REPORT --finding ${finding.id}\`)`
      : `*To do:* ${value(info.whatToDo, 400)}`;
  const todo = `${ifExpected}\n*If not expected:* ${value(capitalize(info.ifNotExpected), 300)}`;
  const body = lines.join('\n');
  const fits = (...extra: string[]) => [body, ...extra].join('\n').length <= SLACK_LIMITS.sectionText;
  if (fits(link, todo)) return section([body, link, todo].join('\n'));
  const noLink = '_Logs Explorer link left out (too long): the report has the finding._';
  if (fits(noLink, todo)) return section([body, noLink, todo].join('\n'));
  return section([body, `_Link and command left out (too long): see finding ${finding.id} in the report._`].join('\n'));
}

/** One line for a finding that is not detailed. */
function findingLine(f: Finding): string {
  const who = f.credential !== null ? ` as ${code(f.credential, 50)}` : '';
  return `• ${f.severity.toUpperCase()} ${f.type} on ${code(f.target, 50)} from ${value(f.sourceDescription, 40)}${who} · ${f.count}× · \`${f.id}\``;
}

/** One line for all the findings of one target. */
function targetLine(kind: string, target: string, group: readonly Finding[]): string {
  const byType = new Map<string, number>();
  for (const f of group) byType.set(f.type, (byType.get(f.type) ?? 0) + 1);
  const types = [...byType].map(([type, n]) => `${n} ${type}`).join(', ');
  return `• ${SEVERITY_MARK[worstSeverity(group)]} ${code(target, 60)} (${kind}): ${anomalies(group.length)} — ${types}`;
}

/** Builds the whole message. Pure: the same input always gives the same payload. */
export function buildDigest(input: DigestInput): SlackMessage {
  return planDigest(input).message;
}

/** Detailed findings when the others would not get a line each otherwise. */
const FEWER_DETAILED = 3;

/**
 * The message and which findings it shows. Lines for every finding beat detail for a few: when
 * the default number of detailed findings leaves too little room, fewer are detailed.
 */
export function planDigest(input: DigestInput): DigestPlan {
  const detailed = Math.max(0, input.detailedFindings ?? DEFAULT_DETAILED_FINDINGS);
  const plan = layout(input, detailed);
  if (!plan.grouped || detailed <= FEWER_DETAILED) return plan;
  const fewer = layout(input, FEWER_DETAILED);
  return fewer.grouped ? plan : fewer;
}

function layout(input: DigestInput, detailed: number): DigestPlan & { grouped: boolean } {
  const findings = input.findings;
  const still = input.stillHappening ?? [];
  let grouped = false;
  const worst = findings.length > 0 ? worstSeverity(findings) : worstSeverity(still.map((s) => s.finding));
  const headline =
    findings.length > 0
      ? `${findings.length} new ${findings.length === 1 ? 'anomaly' : 'anomalies'} — worst: ${worst.toUpperCase()}`
      : `anomalies still happening — worst: ${worst.toUpperCase()}`;
  const from = origin(input);
  const title = `log-audit${from ? ` · ${from}` : ''}: ${headline}`;
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(title, SLACK_LIMITS.headerText), emoji: true } }];
  const listed = new Set<string>();

  const touched = targetsTouched(findings.length > 0 ? findings : still.map((s) => s.finding));
  const bySeverity = SEVERITIES.slice()
    .reverse()
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  blocks.push(section(`*Touched:* ${touched}${bySeverity ? `\n*Anomalies:* ${findings.length} (${bySeverity})` : ''}`));
  const counts = input.counts ? ` · ${input.counts.lines} lines${input.counts.bad + input.counts.unknown > 0 ? `, ${input.counts.bad} bad, ${input.counts.unknown} unknown` : ''}` : '';
  const report = input.reportUri ? ` · full report ${code(input.reportUri, 400)}` : '';
  blocks.push(context(`Batch ${code(input.batch, 300)}${counts} · digest \`${value(input.digestId, 40)}\`${report}`));

  let used = blocks.reduce((n, b) => n + blockText(b).length, 0);
  const add = (block: SlackBlock) => {
    blocks.push(block);
    used += blockText(block).length;
  };
  // Room kept for the still-happening section and the last line.
  const reserve = (still.length > 0 ? 1 : 0) + 1;

  let shown = 0;
  for (const finding of findings.slice(0, detailed)) {
    const block = findingSection(finding, input);
    if (blocks.length + 2 + reserve > SLACK_LIMITS.blocks || used + blockText(block).length + 2 * SLACK_LIMITS.sectionText > SLACK_LIMITS.totalText) break;
    add({ type: 'divider' });
    add(block);
    listed.add(finding.id);
    shown++;
  }

  const rest = findings.slice(shown);
  if (rest.length > 0) {
    const sectionsLeft = Math.min(SLACK_LIMITS.blocks - blocks.length - reserve, Math.floor((SLACK_LIMITS.totalText - used) / SLACK_LIMITS.sectionText));
    const lines = rest.map(findingLine);
    const perFinding = chunkLines(lines, SLACK_LIMITS.sectionText - 60);
    if (perFinding.length <= sectionsLeft) {
      perFinding.forEach((chunk, i) => add(section(`${i === 0 ? `*${anomalies(rest.length, 'more ')}:*\n` : ''}${chunk.join('\n')}`)));
      for (const f of rest) listed.add(f.id);
    } else {
      // Too many for a line each: a line per target, as many targets as fit; the others stay unlisted.
      grouped = true;
      const groups = new Map<string, Finding[]>();
      for (const f of rest) groups.set(`${f.kind}|${f.target}`, [...(groups.get(`${f.kind}|${f.target}`) ?? []), f]);
      const entries = [...groups];
      const chunks = chunkLines(entries.map(([key, group]) => targetLine(key.split('|')[0]!, key.slice(key.indexOf('|') + 1), group)), SLACK_LIMITS.sectionText - 60);
      const fitting = chunks.slice(0, Math.max(0, sectionsLeft));
      let index = 0;
      fitting.forEach((chunk, i) => {
        add(section(`${i === 0 ? `*${anomalies(rest.length, 'more ')}, by target:*\n` : ''}${chunk.join('\n')}`));
        for (let j = 0; j < chunk.length; j++) for (const f of entries[index++]![1]) listed.add(f.id);
      });
    }
  }

  if (still.length > 0) {
    const lines = still.map(
      (s) => `• ${value(detectorInfo(s.finding.type).title, 60)} on ${code(s.finding.target, 60)} from ${value(s.finding.sourceDescription, 80)}${s.finding.credential ? ` as ${code(s.finding.credential, 60)}` : ''}: *${s.countSince} more* since ${when(s.since)}`,
    );
    const head = '*Still happening* (already posted, not repeated):\n';
    add(section(head + packLines(lines, SLACK_LIMITS.sectionText - head.length, (n) => `• and ${n} more still happening`)));
  }

  const unlisted = findings.filter((f) => !listed.has(f.id)).length;
  if (unlisted > 0) add(section(`:warning: ${anomalies(unlisted, 'more ')} did not fit in this message; they stay pending and are posted again when next seen. Full list: ${input.reportUri ? code(input.reportUri, 400) : 'the audit report'}`));

  const text = `${title} on ${touched}`.replace(/`/g, '');
  return { message: { text: truncate(text, 3000), blocks: blocks.slice(0, SLACK_LIMITS.blocks) }, listed, grouped };
}

/** Groups lines into chunks of at most `max` characters (a line longer than that is its own chunk). */
function chunkLines(lines: readonly string[], max: number): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let length = 0;
  for (const line of lines) {
    if (current.length > 0 && length + line.length + 1 > max) {
      chunks.push(current);
      current = [];
      length = 0;
    }
    current.push(line);
    length += line.length + 1;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function blockText(block: SlackBlock): string {
  const text = (block as { text?: { text?: string } }).text?.text ?? '';
  const elements = ((block as { elements?: { text?: string }[] }).elements ?? []).map((e) => e.text ?? '').join('');
  return text + elements;
}

/**
 * The digest, or — when building it fails for any reason (a bug, data no test foresaw) — a minimal
 * one from what cannot fail: counts, targets, worst severity and the report location. A formatting
 * failure is deterministic: retrying would fail the same way for a day and lose every anomaly in
 * the batch, so it is reported (`onError`) and the minimal digest is delivered instead.
 */
export function planDigestSafely(input: DigestInput, onError: (error: unknown) => void): DigestPlan {
  try {
    return planDigest(input);
  } catch (error) {
    onError(error);
    return { message: minimalDigest(input), listed: new Set(input.findings.map((f) => f.id)) };
  }
}

export function minimalDigest(input: DigestInput): SlackMessage {
  const findings = input.findings;
  const worst = worstSeverity(findings.length > 0 ? findings : (input.stillHappening ?? []).map((s) => s.finding));
  const from = origin(input);
  const headline = `log-audit${from ? ` · ${from}` : ''}: ${findings.length} new ${findings.length === 1 ? 'anomaly' : 'anomalies'} — worst: ${worst.toUpperCase()}`;
  const targets = [...new Set(findings.map((f) => `${code(String(f.target), 80)} (${String(f.kind)})`))];
  const lines = [
    `*${findings.length} anomalies* on ${targets.length} target${targets.length === 1 ? '' : 's'}: ${targets.slice(0, 20).join(', ')}${targets.length > 20 ? ` and ${targets.length - 20} more` : ''}`,
    `The detailed digest could not be built; this short one carries what matters. Full report: ${input.reportUri ? code(input.reportUri, 400) : 'the audit report'}`,
    input.counts ? `Batch ${code(input.batch, 300)} · ${input.counts.lines} lines, ${input.counts.bad} bad, ${input.counts.unknown} unknown · digest \`${value(input.digestId, 40)}\`` : `Batch ${code(input.batch, 300)}`,
  ];
  return {
    text: truncate(headline, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(headline, SLACK_LIMITS.headerText), emoji: true } },
      section(lines.join('\n')),
    ],
  };
}
