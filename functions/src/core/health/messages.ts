/**
 * The health check's Slack messages: formatting only (sending is the notifier's). Every value read
 * from the state bucket is escaped as a log value would be (slack-text.ts); a command is suggested
 * only when every word of it is shell-safe (accept-command.ts).
 */
import { isShellSafeWord } from '../baseline/accept-command.js';
import { reviewItemCount, type EntryRef, type Review } from '../baseline/review.js';
import type { SlackBlock, SlackMessage } from '../notify/slack-digest.js';
import { code, truncate, value } from '../notify/slack-text.js';
import { DEAD_LETTERS_NAMED, type HealthState } from './state.js';

export type ProblemReport =
  | { kind: 'silent'; source: string; lastDelivery: string; gapHours: number; hoursSilent: number }
  | { kind: 'no-in-scope'; source: string; batches: { batch: string; lines: number; bad: number; unknown: number }[] }
  | { kind: 'dead-letters'; source: string; fresh: { batch: string; reason: string }[]; total?: number };

const header = (text: string): SlackBlock => ({ type: 'header', text: { type: 'plain_text', text: truncate(text, 150), emoji: true } });
const section = (text: string): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text: truncate(text, 3000) } });
const context = (text: string): SlackBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, 3000) }] });

function message(headline: string, blocks: SlackBlock[]): SlackMessage {
  return { text: truncate(headline, 300), blocks: [header(headline), ...blocks] };
}

const hours = (h: number) => `${h >= 10 ? Math.round(h) : Math.round(h * 10) / 10} h`;
const when = (iso: string) => value(iso.replace(/:\d\d(\.\d+)?Z$/, 'Z').replace('T', ' ').replace('Z', ' UTC'), 40);

/** A problem, new or still lasting. */
export function problemMessage(problem: ProblemReport, ctx: { since: string; repeat: boolean; stateBucket: string; now: number }): SlackMessage {
  const still = ctx.repeat ? `Still happening (since ${when(ctx.since)}). ` : '';
  const source = code(problem.source, 40);
  switch (problem.kind) {
    case 'silent':
      return message(`log-audit health: no ${problem.source} batch for ${hours(problem.hoursSilent)}`.slice(0, 150), [
        section(`:warning: *No batch from ${source} was audited for ${hours(problem.hoursSilent)}* — it is expected at least every ${hours(problem.gapHours)}. Last batch: ${when(problem.lastDelivery)}.\n${still}Silence here is *not* "nothing anomalous": nothing is being checked.`),
        section(
          '*What to check:* the sink still exists and writes (`gcloud logging sinks list`); Data Access audit logging is still on for the service; the function is running (its ERROR lines in Cloud Logging); or the data really was not touched — then raise this source\'s expected gap (`log-audit:expectedGapHours`).',
        ),
      ]);
    case 'no-in-scope': {
      const lines = problem.batches.reduce((n, b) => n + b.lines, 0);
      const bad = problem.batches.reduce((n, b) => n + b.bad, 0);
      const unknown = problem.batches.reduce((n, b) => n + b.unknown, 0);
      return message(`log-audit health: ${problem.source} batches read nothing to audit`.slice(0, 150), [
        section(`:warning: *The last ${problem.batches.length} batch${problem.batches.length === 1 ? '' : 'es'} of ${source} read ${lines} lines and none was an access log-audit audits* (${bad} bad, ${unknown} of an unknown kind).\n${still}A sink filter or a log format changed: these batches were read but nothing in them was checked.`),
        context(`Batches: ${problem.batches.map((b) => code(b.batch, 200)).join(', ')}`),
      ]);
    }
    case 'dead-letters': {
      const total = problem.total ?? problem.fresh.length;
      const named = problem.fresh.slice(-DEAD_LETTERS_NAMED);
      const more = problem.fresh.length - named.length;
      return message(`log-audit health: ${total} ${problem.source} batch${total === 1 ? '' : 'es'} dead-lettered`.slice(0, 150), [
        section(`:red_circle: *${total} batch${total === 1 ? ' was' : 'es were'} given up on since ${when(ctx.since)}: not audited.* ${still}`),
        section(named.map((d) => `• ${code(d.batch, 200)} — ${value(d.reason, 200)}`).join('\n') + (more > 0 ? `\n… and ${more} more` : '') || 'No new batch since the last post.'),
        context(`Markers: ${code(`gs://${ctx.stateBucket}/markers/`, 200)} · the function's ERROR lines say why · this lasts until a later batch of the source is audited`),
      ]);
    }
  }
}

/** A problem that is over. */
export function recoveryMessage(problem: HealthState['problems'][string], now: number): SlackMessage {
  const what = { silent: 'batches arrive again', 'no-in-scope': 'batches carry auditable entries again', 'dead-letters': 'batches are audited again' }[problem.kind];
  return message(`log-audit health: ${problem.source} recovered`.slice(0, 150), [
    section(`:white_check_mark: *${code(problem.source, 40)}: ${what}* — the problem that began ${when(problem.since)} is over (checked ${when(new Date(now).toISOString())}).`),
  ]);
}

/**
 * `log-audit learn --out DIR --target KIND:TARGET gs://STATE/evidence/`, every word shell-safe;
 * without `--target` when the target's name cannot be a safe word (it then learns every target).
 */
export function learnCommand(kind: string, target: string, stateBucket: string, baselinesDir = 'baselines'): { command: string; targeted: boolean } | undefined {
  const location = `gs://${stateBucket}/evidence/`;
  if (!isShellSafeWord(location) || !isShellSafeWord(baselinesDir)) return undefined;
  const word = `${kind}:${target}`;
  const targeted = isShellSafeWord(word);
  return { command: ['log-audit', 'learn', '--out', baselinesDir, ...(targeted ? ['--target', word] : []), location].join(' '), targeted };
}

/** The daily reminder for a target in its learning period. */
export function learningReminderMessage(learning: HealthState['learning'][string], ctx: { learningDays: number; stateBucket: string; now: number; baselinesDir?: string }): SlackMessage {
  const first = Date.parse(learning.firstSeen);
  const dayNumber = Math.floor((ctx.now - first) / 86_400_000) + 1;
  const ends = new Date(first + ctx.learningDays * 86_400_000).toISOString();
  const atLeast = (list: string[]) => `${list.length >= 500 ? 'at least ' : ''}${list.length}`;
  const suggestion = learnCommand(learning.kind, learning.target, ctx.stateBucket, ctx.baselinesDir);
  const how = suggestion
    ? `*To learn it:*\n\`\`\`${suggestion.command}\`\`\`\n${suggestion.targeted ? '' : 'Its name has characters no command can carry safely, so this learns every target with evidence. '}Review the new file, commit it, and deploy (\`pulumi up\`).`
    : 'Learn it with `log-audit learn` on the evidence in the state bucket, review, commit and deploy.';
  return message(`log-audit: learning ${learning.kind} ${learning.target}`.slice(0, 150), [
    section(
      `:hourglass_flowing_sand: *${value(learning.kind, 20)} target ${code(learning.target, 200)} has no baseline* — day ${dayNumber} of ${ctx.learningDays} of its learning period (until ${when(ends)}). Until then its accesses are recorded, not judged; bursts of failures are still reported.\n*Evidence so far:* ${learning.batches} batches, ${learning.accesses} accesses (${learning.successes} successful) from ${atLeast(learning.sources)} sources by ${atLeast(learning.credentials)} credentials.`,
    ),
    section(how),
  ]);
}

/** The optional "all quiet" message: what was checked in the last day. */
export function dailySummaryMessage(
  day: NonNullable<HealthState['day']>,
  ctx: { now: number; learning: number; open: string[]; sources: string[]; lastDeliveries: Record<string, string | undefined> },
): SlackMessage {
  const quiet = ctx.open.length === 0;
  const perSource = ctx.sources.map((s) => `${code(s, 40)}: ${ctx.lastDeliveries[s] ? `last batch ${when(ctx.lastDeliveries[s]!)}` : 'no batch yet'}`).join(' · ');
  return message(quiet ? 'log-audit: all quiet' : `log-audit: ${ctx.open.length} health problem${ctx.open.length === 1 ? '' : 's'} open`, [
    section(
      `${quiet ? ':large_green_circle:' : ':warning:'} *Since ${when(day.since)}:* ${day.batches} batches audited, ${day.lines} lines read (${day.parsed} accesses), ${day.targets.length} targets covered, ${ctx.learning} learning, ${day.deadLetters} dead-lettered.`,
    ),
    context(perSource || 'No source configured.'),
  ]);
}

const REVIEW_ITEMS_SHOWN = 8;

function listed<T>(items: readonly T[], line: (item: T) => string): string {
  const shown = items.slice(0, REVIEW_ITEMS_SHOWN).map((i) => `• ${line(i)}`);
  if (items.length > shown.length) shown.push(`• … and ${items.length - shown.length} more`);
  return shown.join('\n');
}

/** The weekly baseline review (the same as `log-audit review`), posted only when something needs attention. */
export function reviewMessage(review: Review, ctx: { stateBucket: string; baselinesDir?: string }): SlackMessage {
  const day = (iso: string) => value(iso.slice(0, 10), 10);
  const entry = (e: EntryRef) => `${code(e.file.replace(/^.*?baselines\//, 'baselines/'), 120)} ${e.section}[${e.index}] ${code(e.entry, 120)}${e.owner ? ` (owner ${value(e.owner, 60)})` : ''}`;
  const blocks: SlackBlock[] = [];
  if (review.expired.length > 0) blocks.push(section(`*Expired — no longer count as normal (${review.expired.length}):*\n${listed(review.expired, (e) => `${entry(e)} expired on ${day(e.expires!)}`)}`));
  if (review.expiring.length > 0) blocks.push(section(`*Expiring within ${review.expiringWithinDays} days (${review.expiring.length}):*\n${listed(review.expiring, (e) => `${entry(e)} on ${day(e.expires!)}`)}`));
  if (review.unseen && review.unseen.length > 0) {
    blocks.push(section(`*Not seen for ${review.unseenDays} days (${review.unseen.length})* — remove, or keep with a reason:\n${listed(review.unseen, (e) => `${entry(e)} ${e.lastSeen ? `last seen ${day(e.lastSeen)}` : 'never seen'}`)}`));
  }
  if (review.learning.length > 0) blocks.push(section(`*Still learning (${review.learning.length}):*\n${listed(review.learning, (t) => `${value(t.kind, 20)} ${code(t.target, 120)} until ${day(t.endsAt)}`)}`));
  if (review.unbaselined.length > 0) {
    const variable = [ctx.baselinesDir ?? 'baselines', `gs://${ctx.stateBucket}/evidence/`];
    const learn = variable.every(isShellSafeWord) ? { command: `log-audit learn --out ${variable[0]} ${variable[1]}` } : undefined;
    blocks.push(
      section(
        `*Evidence but no baseline file (${review.unbaselined.length})* — every access to them is reported as not-baselined:\n${listed(review.unbaselined, (t) => `${value(t.kind, 20)} ${code(t.target, 120)} seen ${day(t.firstSeen)} … ${day(t.lastSeen)}`)}${learn ? `\nLearn them with \`${learn.command}\` (add \`--target KIND:TARGET\` for one), review, commit, \`pulumi up\`.` : ''}`,
      ),
    );
  }
  const count = reviewItemCount(review);
  return message(`log-audit: weekly baseline review — ${count} item${count === 1 ? '' : 's'}`, [
    ...blocks,
    context(`${isShellSafeWord(`gs://${ctx.stateBucket}/evidence/`) ? `Run \`log-audit review baselines --evidence gs://${ctx.stateBucket}/evidence/\` for the full list.` : 'Run `log-audit review` on the evidence for the full list.'}${review.notJudged > 0 ? ` ${review.notJudged} asn:/country:/subnet:/gke-pool: entries cannot be judged from evidence.` : ''}`),
  ]);
}
