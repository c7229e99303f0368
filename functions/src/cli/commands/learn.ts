import * as z from 'zod';
import { DEFAULT_WIDENING, Learner } from '../../core/baseline/learn.js';
import { loadEditableBaselines, writeLearned, type EditableBaseline } from '../../core/baseline/store.js';
import { listInputFiles } from '../../core/read/input-files.js';
import { loadSqlParsers } from '../../core/sql/analyze.js';
import { DEFAULT_PARALLEL_OBJECTS, scanObjects } from '../../core/gcs/scan-objects.js';
import { scanFiles } from '../../core/read/scan-files.js';
import { formatProblem } from '../../core/read/scan.js';
import { terminalSafe } from '../../core/report/terminal-text.js';
import { checkOptions, nonNegativeInt, parseCommandArgs, UsageError } from '../args.js';
import { listGsLocations } from '../gs-locations.js';
import { Progress } from '../progress.js';
import type { CommandIo } from './io.js';
import { stat } from 'node:fs/promises';
import { LOG_KINDS } from '../../core/access-event.js';
import { targetKey } from '../../core/baseline/schema.js';
import { isEvidenceName, type EvidenceSummary } from '../../core/evidence/summary.js';
import { emptyEvidenceRead, readEvidenceFiles, readEvidenceObjects } from '../../core/evidence/read-evidence.js';

export const LEARN_HELP = `Usage: log-audit learn [--out DIR] PATH|gs://BUCKET[/PREFIX]...

Learns what is normal for every target (bucket, Cloud SQL instance, network destination) from
exported logs, and writes one baseline file per target under DIR (default: baselines/).
PATH is a file or a directory (searched recursively for *.json, *.jsonl and their .gz);
gs://BUCKET[/PREFIX] reads the export objects under it where they are, streaming, a few at a
time, with your Google credentials (STORAGE_EMULATOR_HOST is honoured).
Evidence summaries (*.evidence.json, written by the function for every batch it audits, under
gs://STATE_BUCKET/evidence/YYYY/MM/DD/SOURCE/) are merged as the batches they summarize would
be: \`learn gs://STATE_BUCKET/evidence/2026/11/\` learns November from kilobytes. The log kind of each
entry is read from the entry itself, so any mix of GCS, Cloud SQL and VPC flow exports works. Existing files are merged: evidence is updated, new entries are appended, and
your comments and annotations (owner, reason, expires) are kept. Re-learning the same history
does not inflate counts.

Only successful accesses are learned: failures never become normal.

Options:
  --out DIR                    where baseline files go (default: baselines/)
  --widen-min-addresses N      widen exact IPv4 sources into their network once N distinct
                               addresses in it were seen (default: ${DEFAULT_WIDENING.ipv4MinAddresses}; 0 = never widen)
  --widen-prefix N             the IPv4 network size to widen to (default: ${DEFAULT_WIDENING.ipv4Prefix}, i.e. /${DEFAULT_WIDENING.ipv4Prefix})
  --downloads N                gs:// objects read at once (default: ${DEFAULT_PARALLEL_OBJECTS})
  --target KIND:TARGET         write only this target's baseline (repeatable), e.g. gcs:my-bucket,
                               cloudsql:my-project:orders-pg, vpc-flow:10.0.0.5:6379
  --quiet                      no progress or input-problem lines on stderr
  -h, --help                   show this help

Exit status: 0 on success, 2 for a usage error, a missing PATH or a gs:// location that cannot be
listed, 3 when DIR holds invalid baselines.
`;

/** Built when the command runs (z.lazy), not when the CLI starts: other commands never need it. */
const learnOptions = z.lazy(() =>
  z
    .object({
      out: z.string().min(1).default('baselines'),
      'widen-min-addresses': nonNegativeInt.default(DEFAULT_WIDENING.ipv4MinAddresses),
      'widen-prefix': z.coerce.number().int().min(8, 'must be 8..32').max(32, 'must be 8..32').default(DEFAULT_WIDENING.ipv4Prefix),
      quiet: z.boolean().default(false),
      downloads: z.coerce.number().int().min(1, 'must be 1..32').max(32, 'must be 1..32').default(DEFAULT_PARALLEL_OBJECTS),
      target: z
        .array(z.string().regex(new RegExp(`^(${LOG_KINDS.join('|')}):.+$`, 's'), `must be KIND:TARGET with KIND one of ${LOG_KINDS.join(', ')} (e.g. gcs:my-bucket)`))
        .default([]),
    })
    .loose(),
);

export async function learnCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('learn', argv, {
    out: { type: 'string' },
    'widen-min-addresses': { type: 'string' },
    'widen-prefix': { type: 'string' },
    quiet: { type: 'boolean' },
    downloads: { type: 'string' },
    target: { type: 'string', multiple: true },
  });
  if (values['help']) {
    io.out(LEARN_HELP);
    return 0;
  }
  const options = checkOptions('learn', learnOptions, values);
  if (positionals.length === 0) throw new UsageError('learn: name at least one PATH of exported logs (see `log-audit learn --help`)');
  const locations = positionals.filter((p) => p.startsWith('gs://'));
  const listed = await listInputFiles(positionals.filter((p) => !p.startsWith('gs://')));
  // Evidence summaries the function wrote (*.evidence.json) are merged as summaries, not read as log lines.
  const files = listed.filter((f) => !isEvidenceName(f));
  const evidenceFiles = listed.filter((f) => isEvidenceName(f));
  const existing: EditableBaseline[] = (await stat(options.out).catch(() => undefined)) ? await loadEditableBaselines(options.out) : [];
  const learner = new Learner(existing, { ipv4MinAddresses: options['widen-min-addresses'], ipv4Prefix: options['widen-prefix'] });
  const remote = locations.length > 0 ? await listGsLocations('learn', locations) : undefined;
  const exportObjects = remote?.objects.filter((o) => !isEvidenceName(o.name)) ?? [];
  const evidenceObjects = remote?.objects.filter((o) => isEvidenceName(o.name)) ?? [];
  const progress = new Progress(files.length + exportObjects.length, io.err, 5000, io.progress && !options.quiet);
  const scan = await scanFiles(files, { onEvent: (e) => learner.add(e), onProgress: (s) => progress.update(s) });
  // Objects count into the same totals as local files.
  if (remote && exportObjects.length > 0) await scanObjects(remote.downloads, exportObjects, { onEvent: (e) => learner.add(e), parallel: options.downloads, onProgress: (s) => progress.update(s) }, scan);
  progress.done(scan);
  const fromSummary = (summary: EvidenceSummary) => summary.targets.forEach((t) => learner.addEvidence(t));
  const evidence = await readEvidenceFiles(evidenceFiles, scan.problems, fromSummary, emptyEvidenceRead());
  if (remote && evidenceObjects.length > 0) await readEvidenceObjects(remote.downloads, evidenceObjects, scan.problems, fromSummary, evidence, options.downloads * 2);
  const wanted = new Set(options.target.map((t) => { const at = t.indexOf(':'); return targetKey(t.slice(0, at), t.slice(at + 1)); }));
  if (learner.hasStatements) await loadSqlParsers();
  const all = learner.result();
  const learned = wanted.size === 0 ? all : all.filter((t) => wanted.has(targetKey(t.kind, t.target)));
  const found = new Set(learned.map((t) => targetKey(t.kind, t.target)));
  for (const t of options.target) {
    const at = t.indexOf(':');
    if (!found.has(targetKey(t.slice(0, at), t.slice(at + 1)))) io.err(`log-audit: no successful access to ${terminalSafe(t, 200)} in what was read: nothing learned for it`);
  }
  const summaries = await writeLearned(options.out, learned, existing);
  if (!options.quiet) for (const problem of scan.problems.list()) io.err(formatProblem(problem));
  const s = scan.stats;
  const fromEvidence = evidenceFiles.length + evidenceObjects.length > 0 ? `${evidence.summaries} evidence summaries (of ${evidence.lines} lines) and ` : '';
  io.out(`learned from ${fromEvidence}${s.files} files, ${s.lines} lines (${s.parsed} parsed, ${s.skipped} skipped, ${s.unknown} unknown, ${s.bad} bad): ${learner.learned} successful accesses to ${learned.length} targets\n`);
  for (const m of summaries) {
    const added = Object.entries(m.added)
      .filter(([, count]) => count > 0)
      .map(([section, count]) => `+${count} ${section}`);
    io.out(`  ${m.created ? 'created' : 'updated'} ${m.file}${added.length ? `: ${added.join(', ')}` : ''}${m.updated ? `${added.length ? ',' : ':'} ${m.updated} entries with new evidence` : ''}\n`);
  }
  if (summaries.length === 0) io.out('  no baseline changed\n');
  for (const skipped of learner.unlearnable) io.err(`log-audit: not learned (no baseline can hold it): ${skipped}`);
  return 0;
}
