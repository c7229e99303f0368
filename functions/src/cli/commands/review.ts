import * as z from 'zod';
import { isShellSafeWord } from '../../core/baseline/accept-command.js';
import { EvidenceIndex, REVIEW_DEFAULTS, reviewBaselines, reviewHasItems, type EntryRef, type Review } from '../../core/baseline/review.js';
import { loadBaselines } from '../../core/baseline/store.js';
import { emptyEvidenceRead, readEvidenceFiles, readEvidenceObjects } from '../../core/evidence/read-evidence.js';
import { isEvidenceName } from '../../core/evidence/summary.js';
import { listInputFiles } from '../../core/read/input-files.js';
import { formatProblem, ProblemLog } from '../../core/read/scan.js';
import { terminalSafe } from '../../core/report/terminal-text.js';
import { checkOptions, parseCommandArgs, UsageError } from '../args.js';
import { listGsLocations } from '../gs-locations.js';
import type { CommandIo } from './io.js';

export const REVIEW_HELP = `Usage: log-audit review [DIR] [--evidence gs://STATE_BUCKET/evidence/|PATH]...

Lists what needs an analyst's attention in the baselines under DIR (default: baselines/):
  - entries that expired (they no longer count as normal),
  - entries that expire within ${REVIEW_DEFAULTS.expiringWithinDays} days,
and, with --evidence (the evidence summaries the function writes for every batch):
  - entries the evidence has not seen for N days (remove them, or keep them with a reason),
  - targets still in their learning period,
  - targets with evidence but no baseline file (learn them).
The health check posts the same review to Slack weekly.

Options:
  --evidence LOC         evidence summaries: gs://BUCKET[/PREFIX] or a local file/folder of
                         *.evidence.json (repeatable)
  --unseen-days N        flag entries not seen for N days (default: ${REVIEW_DEFAULTS.unseenDays})
  --expiring-days N      flag entries expiring within N days (default: ${REVIEW_DEFAULTS.expiringWithinDays})
  --learning-days N      the stack's learning period (log-audit:learningDays; default: ${REVIEW_DEFAULTS.learningDays})
  --now ISO              review as of this time (default: now)
  --format text|json     output format (default: text)
  -h, --help             show this help

Exit status: 0 when nothing needs attention, 1 when something does, 2 for a usage error or an
evidence location that cannot be listed, 3 when DIR holds invalid baselines.
`;

const days = (max: number) => z.coerce.number().int().min(0, `must be 0..${max}`).max(max, `must be 0..${max}`);

/** Built when the command runs (z.lazy), not when the CLI starts: other commands never need it. */
const reviewOptions = z.lazy(() =>
  z
    .object({
      evidence: z.array(z.string().min(1)).default([]),
      'unseen-days': days(3650).default(REVIEW_DEFAULTS.unseenDays),
      'expiring-days': days(3650).default(REVIEW_DEFAULTS.expiringWithinDays),
      'learning-days': days(365).default(REVIEW_DEFAULTS.learningDays),
      now: z.iso.datetime({ offset: true }).optional(),
      format: z.enum(['text', 'json']).default('text'),
    })
    .loose(),
);

export async function reviewCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('review', argv, {
    evidence: { type: 'string', multiple: true },
    'unseen-days': { type: 'string' },
    'expiring-days': { type: 'string' },
    'learning-days': { type: 'string' },
    now: { type: 'string' },
    format: { type: 'string' },
  });
  if (values['help']) {
    io.out(REVIEW_HELP);
    return 0;
  }
  const options = checkOptions('review', reviewOptions, values);
  if (positionals.length > 1) throw new UsageError('review: takes at most one baselines directory; name evidence with --evidence (see `log-audit review --help`)');
  const dir = positionals[0] ?? 'baselines';
  const baselines = await loadBaselines(dir);
  const problems = new ProblemLog();
  const evidence = options.evidence.length > 0 ? await readEvidence(options.evidence, problems) : undefined;
  const review = reviewBaselines({
    baselines,
    now: options.now ? Date.parse(options.now) : Date.now(),
    expiringWithinDays: options['expiring-days'],
    unseenDays: options['unseen-days'],
    learningDays: options['learning-days'],
    ...(evidence ? { evidence } : {}),
  });
  for (const problem of problems.list()) io.err(formatProblem(problem));
  if (options.format === 'json') io.out(`${JSON.stringify(review, null, 2)}\n`);
  else io.out(formatReview(review, { dir, files: baselines.length, evidence: options.evidence }));
  return reviewHasItems(review) ? 1 : 0;
}

async function readEvidence(locations: readonly string[], problems: ProblemLog): Promise<EvidenceIndex> {
  const index = new EvidenceIndex();
  const remote = locations.filter((l) => l.startsWith('gs://'));
  const local = (await listInputFiles(locations.filter((l) => !l.startsWith('gs://')))).filter((f) => isEvidenceName(f));
  const add = index.add.bind(index);
  const read = await readEvidenceFiles(local, problems, add, emptyEvidenceRead());
  if (remote.length > 0) {
    const listed = await listGsLocations('review', remote);
    await readEvidenceObjects(listed.downloads, listed.objects.filter((o) => isEvidenceName(o.name)), problems, add, read, 8);
  }
  return index;
}

const day = (iso: string) => iso.slice(0, 10);
const safe = (text: string) => terminalSafe(text, 200);

function entryLine(e: EntryRef, detail: string): string {
  const notes = [e.owner ? `owner: ${safe(e.owner)}` : '', e.reason ? `reason: ${safe(e.reason)}` : ''].filter(Boolean).join(', ');
  return `  ${safe(e.file)}: ${e.section}[${e.index}] ${safe(e.entry)} — ${detail}${notes ? ` (${notes})` : ''}\n`;
}

/** The review for a terminal; every value from a file or the evidence is made safe to print. */
export function formatReview(review: Review, ctx: { dir: string; files: number; evidence: readonly string[] }): string {
  const out: string[] = [];
  const window = review.evidence
    ? review.evidence.summaries > 0
      ? `; evidence: ${review.evidence.summaries} batch summaries, ${day(review.evidence.from!)} … ${day(review.evidence.to!)}`
      : '; evidence: none found'
    : '; no evidence named (--evidence), so unseen entries and learning targets are not checked';
  out.push(`baseline review of ${safe(ctx.dir)} (${ctx.files} file${ctx.files === 1 ? '' : 's'}) as of ${day(review.now)}${window}\n`);
  if (review.expired.length > 0) {
    out.push(`\nExpired (${review.expired.length}) — these no longer count as normal; renew (a new expires) or remove:\n`);
    for (const e of review.expired) out.push(entryLine(e, `expired on ${day(e.expires!)}`));
  }
  if (review.expiring.length > 0) {
    out.push(`\nExpiring within ${review.expiringWithinDays} days (${review.expiring.length}):\n`);
    for (const e of review.expiring) out.push(entryLine(e, `expires on ${day(e.expires!)}`));
  }
  if (review.unseen && review.unseen.length > 0) {
    out.push(`\nNot seen in the evidence for ${review.unseenDays} days (${review.unseen.length}) — remove, or keep with a reason:\n`);
    for (const e of review.unseen) out.push(entryLine(e, e.lastSeen ? `last seen ${day(e.lastSeen)}` : 'never seen'));
  }
  if (review.unseenNote) out.push(`\nUnseen entries not judged yet: ${review.unseenNote}.\n`);
  if (review.notJudged > 0) out.push(`\n(${review.notJudged} entr${review.notJudged === 1 ? 'y' : 'ies'} of the asn:, country:, subnet: or gke-pool: forms cannot be judged from evidence, which keeps each access's most specific identity)\n`);
  if (review.learning.length > 0) {
    out.push(`\nStill learning (${review.learning.length}) — no per-batch finding until the period ends:\n`);
    for (const t of review.learning) out.push(`  ${t.kind}:${safe(t.target)} — since ${day(t.firstSeen)}, ends ${day(t.endsAt)}; ${t.successes} successful accesses so far\n`);
  }
  if (review.unbaselined.length > 0) {
    out.push(`\nEvidence but no baseline file (${review.unbaselined.length}) — every access is reported as not-baselined; learn them:\n`);
    for (const t of review.unbaselined) {
      out.push(`  ${t.kind}:${safe(t.target)} — seen ${day(t.firstSeen)} … ${day(t.lastSeen)}; ${t.successes} successful accesses\n`);
      // Only a command whose every variable word is shell-safe is suggested.
      const variable = [ctx.dir, `${t.kind}:${t.target}`, ...ctx.evidence];
      if (variable.every(isShellSafeWord)) out.push(`    log-audit learn --out ${ctx.dir} --target ${t.kind}:${t.target} ${ctx.evidence.join(' ')}\n`);
    }
  }
  if (!reviewHasItems(review)) out.push('nothing needs attention\n');
  return out.join('');
}
