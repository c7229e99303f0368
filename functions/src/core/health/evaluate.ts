/**
 * The health check's decisions, as a pure function of what it read and what it remembers: which
 * problems exist now (a source silent past its expected gap, batches dead-lettered, recent batches
 * with no in-scope line), which of them to post (new, or a day since the last post while they last),
 * which recoveries to post (once), the daily learning reminders and the optional daily summary.
 * Each post carries the state change that is kept only once Slack has taken it.
 */
import type { LogKind } from '../access-event.js';
import { targetKey } from '../baseline/schema.js';
import type { EvidenceSummary } from '../evidence/summary.js';
import type { SlackMessage } from '../notify/slack-digest.js';
import { dailySummaryMessage, learningReminderMessage, problemMessage, recoveryMessage, type ProblemReport } from './messages.js';
import { DAY_TARGETS, DEAD_LETTERS_NAMED, LEARNING_IDENTITIES, RECENT_BATCHES, SEEN_DAYS, type HealthState } from './state.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface HealthConfig {
  /** Sources the stack deploys (gcs, cloudsql, vpc-flows). */
  sources: string[];
  /** Longest expected time between two batches of a source, in hours. */
  gapHours: Record<string, number>;
  learningDays: number;
  dailySummary: boolean;
  stateBucket: string;
  baselinesDir?: string;
}

export interface DeadLetterRead {
  name: string;
  batch: string;
  source: string;
  at: string;
  reason: string;
}

export interface LearningRead {
  kind: LogKind;
  target: string;
  firstSeen: string;
}

export interface HealthInput {
  now: number;
  previous: HealthState;
  /** Evidence records not read before (name → summary). */
  evidence: { name: string; summary: EvidenceSummary }[];
  deadLetters: DeadLetterRead[];
  /** Every target that has a learning record. */
  learning: LearningRead[];
  /** targetKey of every target with a baseline. */
  baselined: ReadonlySet<string>;
  config: HealthConfig;
}

export interface HealthPost {
  /** What the post is, for logs: `problem:silent:gcs`, `recovery:…`, `learning:gcs|bucket`, `daily-summary`. */
  key: string;
  message: SlackMessage;
  /** Applied to the state kept only when the post went through. */
  commit: (state: HealthState) => void;
}

export interface HealthResult {
  /** The state after this check, before any post is committed. */
  state: HealthState;
  posts: HealthPost[];
  /** Problems open after this check (posted now or earlier). */
  open: string[];
}

const t = (ms: number) => new Date(ms).toISOString();

function gapOf(config: HealthConfig, source: string): number {
  return (config.gapHours[source] ?? config.gapHours['default'] ?? 3) * HOUR;
}

function addCapped(list: string[], items: Iterable<string>, cap: number): void {
  for (const item of items) {
    if (list.length >= cap) return;
    if (!list.includes(item)) list.push(item);
  }
}

export function evaluateHealth(input: HealthInput): HealthResult {
  const { now, config } = input;
  const state: HealthState = structuredClone(input.previous);
  const posts: HealthPost[] = [];

  // What was read is remembered for as long as the check lists back, so nothing is counted twice.
  const horizon = now - (SEEN_DAYS + 1) * DAY;
  const dayOf = (name: string) => Date.parse((/\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(name) ?? []).slice(1, 4).join('-') || '1970-01-01');
  state.seen = [...state.seen.filter((n) => dayOf(n) >= horizon), ...input.evidence.map((e) => e.name), ...input.deadLetters.map((d) => d.name)];

  if (!state.day) state.day = { since: t(now), batches: 0, lines: 0, parsed: 0, deadLetters: 0, targets: [] };
  const day = state.day;

  // Learning targets: known from their records; gone once a baseline exists or the period is over.
  for (const record of input.learning) {
    const key = targetKey(record.kind, record.target);
    const ends = Date.parse(record.firstSeen) + config.learningDays * DAY;
    if (input.baselined.has(key) || now >= ends) {
      delete state.learning[key];
      continue;
    }
    state.learning[key] ??= { kind: record.kind, target: record.target, firstSeen: record.firstSeen, batches: 0, accesses: 0, successes: 0, sources: [], credentials: [] };
  }
  for (const key of Object.keys(state.learning)) if (!input.learning.some((r) => targetKey(r.kind, r.target) === key)) delete state.learning[key];

  // Batches audited since the last check.
  const ordered = [...input.evidence].sort((a, b) => Date.parse(a.summary.at) - Date.parse(b.summary.at));
  for (const { summary } of ordered) {
    const source = (state.sources[summary.source] ??= { recent: [] });
    const at = Date.parse(summary.at);
    if (!source.lastDelivery || at > Date.parse(source.lastDelivery)) source.lastDelivery = summary.at;
    if (summary.outcome !== 'audited') continue;
    if (!source.lastAudited || at > Date.parse(source.lastAudited)) source.lastAudited = summary.at;
    source.recent = [...source.recent, { batch: summary.batch, at: summary.at, lines: summary.lines, parsed: summary.parsed, bad: summary.bad, unknown: summary.unknown }].slice(-RECENT_BATCHES);
    day.batches++;
    day.lines += summary.lines;
    day.parsed += summary.parsed;
    addCapped(day.targets, summary.targets.map((x) => targetKey(x.kind, x.target)), DAY_TARGETS);
    for (const target of summary.targets) {
      const learning = state.learning[targetKey(target.kind, target.target)];
      if (!learning) continue;
      learning.batches++;
      learning.accesses += target.accesses;
      learning.successes += target.successes;
      addCapped(learning.sources, target.sources.map((s) => s.match), LEARNING_IDENTITIES);
      addCapped(learning.credentials, target.credentials.map((c) => c.match), LEARNING_IDENTITIES);
    }
  }
  for (const dead of input.deadLetters) {
    const source = (state.sources[dead.source] ??= { recent: [] });
    const at = Date.parse(dead.at);
    if (!source.lastDelivery || at > Date.parse(source.lastDelivery)) source.lastDelivery = dead.at;
    if (!source.lastDeadLetter || at > Date.parse(source.lastDeadLetter)) source.lastDeadLetter = dead.at;
    day.deadLetters++;
  }

  // Problems now.
  const current = new Map<string, ProblemReport>();
  for (const [name, source] of Object.entries(state.sources)) {
    const gap = gapOf(config, name);
    const last = source.lastDelivery ? Date.parse(source.lastDelivery) : undefined;
    // Only the stack's log sources are expected to deliver steadily (the tamper export is quiet by nature).
    if (config.sources.includes(name) && last !== undefined && now - last > gap) current.set(`silent:${name}`, { kind: 'silent', source: name, lastDelivery: source.lastDelivery!, gapHours: gap / HOUR, hoursSilent: (now - last) / HOUR });
    const recent = source.recent;
    if (recent.length > 0 && recent.every((b) => b.parsed === 0)) current.set(`no-in-scope:${name}`, { kind: 'no-in-scope', source: name, batches: recent });
    const lastDead = source.lastDeadLetter ? Date.parse(source.lastDeadLetter) : undefined;
    const audited = source.lastAudited ? Date.parse(source.lastAudited) : undefined;
    const fresh = input.deadLetters.filter((d) => d.source === name);
    // Dead-letters last until a later batch of the source is audited again.
    if (fresh.length > 0 || (lastDead !== undefined && (audited === undefined || audited <= lastDead) && state.problems[`dead-letters:${name}`])) {
      current.set(`dead-letters:${name}`, { kind: 'dead-letters', source: name, fresh: fresh.map((d) => ({ batch: d.batch, reason: d.reason })) });
    }
  }

  for (const [key, problem] of current) {
    const known = state.problems[key];
    if (problem.kind === 'dead-letters') {
      const entry = (state.problems[key] ??= { kind: 'dead-letters', source: problem.source, since: t(now), lastPosted: '', pending: [], total: 0 });
      entry.total += problem.fresh.length;
      entry.pending = [...entry.pending, ...problem.fresh].slice(-DEAD_LETTERS_NAMED * 5);
    }
    const due = !known || !known.lastPosted || now - Date.parse(known.lastPosted) >= DAY;
    if (!due) continue;
    const entry = state.problems[key] ?? { kind: problem.kind, source: problem.source, since: t(now), lastPosted: '', pending: [], total: 0 };
    state.problems[key] = entry;
    const report: ProblemReport = problem.kind === 'dead-letters' ? { ...problem, fresh: entry.pending, total: entry.total } : problem;
    posts.push({
      key: `problem:${key}`,
      message: problemMessage(report, { since: entry.since, repeat: known !== undefined && known.lastPosted !== '', stateBucket: config.stateBucket, now }),
      commit: (s) => {
        const p = s.problems[key];
        if (!p) return;
        p.lastPosted = t(now);
        p.pending = [];
      },
    });
  }
  for (const [key, known] of Object.entries(state.problems)) {
    if (current.has(key)) continue;
    // Nothing was ever posted about it (its first post failed): it ends quietly.
    if (!known.lastPosted) {
      delete state.problems[key];
      continue;
    }
    posts.push({ key: `recovery:${key}`, message: recoveryMessage(known, now), commit: (s) => void delete s.problems[key] });
  }

  // Daily: a reminder per learning target, and the optional summary.
  for (const [key, learning] of Object.entries(state.learning)) {
    if (learning.lastReminder && now - Date.parse(learning.lastReminder) < DAY) continue;
    posts.push({
      key: `learning:${key}`,
      message: learningReminderMessage(learning, { learningDays: config.learningDays, stateBucket: config.stateBucket, now, ...(config.baselinesDir ? { baselinesDir: config.baselinesDir } : {}) }),
      commit: (s) => {
        const l = s.learning[key];
        if (l) l.lastReminder = t(now);
      },
    });
  }
  if (now - Date.parse(day.since) >= DAY) {
    const closing = { ...day, targets: [...day.targets] };
    const fresh = { since: t(now), batches: 0, lines: 0, parsed: 0, deadLetters: 0, targets: [] };
    if (config.dailySummary) {
      posts.push({
        key: 'daily-summary',
        message: dailySummaryMessage(closing, { now, learning: Object.keys(state.learning).length, open: [...current.keys()], sources: config.sources, lastDeliveries: Object.fromEntries(Object.entries(state.sources).map(([k, v]) => [k, v.lastDelivery])) }),
        commit: (s) => void (s.day = fresh),
      });
    } else state.day = fresh;
  }
  state.lastCheck = t(now);
  return { state, posts, open: [...current.keys()].sort() };
}
