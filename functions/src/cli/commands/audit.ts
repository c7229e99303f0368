import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScanWorkers } from '../../core/read/parallel-scan.js';
import * as z from 'zod';
import { planDigestSafely } from '../../core/notify/slack-digest.js';
import { loadBaselines } from '../../core/baseline/store.js';
import { BatchAuditor, DEFAULT_AUDIT_OPTIONS } from '../../core/detect/auditor.js';
import { findInputFiles, GUNZIP_THREAD_MIN_BYTES, type GunzipThread } from '../../core/read/input-files.js';
import { digestToText } from '../../core/notify/digest-text.js';
import { loadSqlParsers } from '../../core/sql/analyze.js';
import { DEFAULT_MAX_LINE_BYTES } from '../../core/read/lines.js';
import type { GunzipAhead } from '../../core/read/gunzip-ahead.js';
import { hasParallelFile, scanFiles, startGunzipEarly, type FileScan } from '../../core/read/scan-files.js';
import type { AuditReport } from '../../core/report/audit-report.js';
import { reportJsonPieces } from '../../core/report/report-json.js';
import { summarize } from '../../core/report/summary.js';
import { terminalSafe } from '../../core/report/terminal-text.js';
import { formatTextReport } from '../../core/report/text-report.js';
import { checkOptions, parseCommandArgs, positiveInt, UsageError } from '../args.js';
import { Progress } from '../progress.js';
import type { CommandIo } from './io.js';
import { sha256Hex } from '../../core/text/sha256.js';

/** Exit status when not one log line was read: silence from nothing is not "no anomalies". */
export const EXIT_NOTHING_READ = 5;

export const AUDIT_HELP = `Usage: log-audit audit [--baselines DIR] [--format text|json|digest|slack] [--report FILE] [--slack-webhook URL|env:NAME] PATH...

Compares exported logs with the baselines and reports what is unusual: a new source, a new
credential, a known credential from a new source, a burst of failed authentication from an
unusual source, and targets that have no baseline (once per target). PATH is a file or a
directory, any mix of log kinds. A directory is searched recursively for *.json, *.jsonl,
*.ndjson and their .gz (other files in it are skipped, and listed when nothing could be read);
a file named on the command line is always read, whatever its name.

Options:
  --baselines DIR        baseline files to compare with (default: baselines/)
  --format text|json|digest|slack
                         text: the report for humans (default); json: the report as one object
                         {"batch","digestId","findings":[...],"summary":{...}}; digest: the Slack
                         digest the Cloud Function would post, as plain text; slack: the same
                         digest as Block Kit JSON (nothing on stdout when there are no findings)
  --report FILE          also write the report (the json format) to FILE; the text report and
                         the digest then print, per finding, the command that accepts it:
                         log-audit accept --report FILE --finding ID
  --slack-webhook URL|env:NAME
                         post the digest to this Slack incoming webhook (same formatter and
                         notifier as the function; nothing is posted when there are no
                         findings). env:NAME reads the URL from the environment variable NAME
                         (e.g. env:SLACK_WEBHOOK_URL), keeping it out of your shell history and
                         the process list. Without this option nothing is ever posted
  --project ID           the project the logs come from: shown in the digest's header and used
                         for its Logs Explorer links (Cloud SQL links use the target's project)
  --environment NAME     a name for where the logs come from (production, staging), shown in
                         the digest's header beside the project
  --fail-on-findings     exit 1 when there is any finding
  --burst-threshold N    failures from one unknown source in a batch that make a burst (default: ${DEFAULT_AUDIT_OPTIONS.burstThreshold})
  --max-line-bytes N     longer lines are skipped and reported (default: ${DEFAULT_MAX_LINE_BYTES})
  --max-groups N         source × credential groups judged one by one in the run; the rest
                         make a tracking-overflow finding per target (default: ${DEFAULT_AUDIT_OPTIONS.maxGroups})
  --max-groups-per-target N
                         the same, per target, so a flood of sources to one target stays
                         bounded (default: ${DEFAULT_AUDIT_OPTIONS.maxGroupsPerTarget})
  --workers N|auto       worker threads for uncompressed files of 512 MiB or more, besides the
                         main thread (auto: one per core beyond the first; 0: main only); each
                         thread reads and scans its own byte ranges. A gzip file is scanned on
                         the main thread, gunzipped on a thread of its own from 4 MiB (not with 0).
                         A worker that fails costs no lines: the main thread scans its ranges again
  --full-parse           decide every line with the full parser (slower; for comparison)
  --now ISO              judge baseline "expires" and implausible timestamps as of this time
  --quiet                no progress lines on stderr
  -h, --help             show this help

Input problems (bad lines, unknown entries, truncated files) never stop the run: each is
counted and reported with its file and line, and the rest is audited.

Exit status: 0 when the run completes (anomalies or not), 1 with --fail-on-findings and
findings, 2 for a usage error or a missing PATH, 3 for missing or invalid baselines,
4 when Slack refused or could not take the digest, ${EXIT_NOTHING_READ} when no log line was read at all
(no files, empty files, or none with an export name): that is not a clean result.
`;

/**
 * Files smaller than this are scanned on the main thread: starting and warming up a worker costs
 * more than it saves (measured on 2 cores, flow shards, audit time: 128 MiB 210-217 ms on one
 * thread vs 319-337 with a worker, 256 MiB 311-319 vs 403-412, 512 MiB 470-525 vs 504-542 — about
 * even —, 1 GiB 920-1,004 vs 743-803).
 */
const PARALLEL_MIN_BYTES = 512 * 1024 * 1024;

/** What the CLI says on stderr (--quiet or not) when a scan worker failed: the audit is whole, a thread was lost. */
export function workerFailureLine(file: string, message: string): string {
  return `log-audit: ${terminalSafe(file, 300)}: ${terminalSafe(message, 300)}; its ranges were scanned again on the main thread (nothing was skipped)`;
}

/** The bundled gunzip worker, unless --workers 0 keeps everything on the main thread. */
function gunzipThread(setting: 'auto' | number): GunzipThread | undefined {
  const script = new URL('./gunzip-worker.js', import.meta.url);
  return setting !== 0 && existsSync(fileURLToPath(script)) ? { script, minBytes: GUNZIP_THREAD_MIN_BYTES } : undefined;
}

/** Writes the report's JSON to `file` piece by piece (reportJsonPieces). */
async function writeReportFile(file: string, report: AuditReport): Promise<void> {
  const handle = await open(file, 'w');
  try {
    for (const piece of reportJsonPieces(report)) await handle.write(piece);
  } finally {
    await handle.close();
  }
}

/** Worker threads for large files, when the bundled worker script is there (it is in functions/dist). */
function workerPool(setting: 'auto' | number): { get: () => Promise<ScanWorkers>; close: () => Promise<void> } | undefined {
  // The main thread scans ranges too, so one worker per core beyond the first.
  const count = setting === 'auto' ? availableParallelism() - 1 : setting;
  const script = new URL('./scan-worker.js', import.meta.url);
  if (count === 0 || !existsSync(fileURLToPath(script))) return undefined;
  // Loaded and started once, by the first call: before the baselines load when a file is large
  // enough (see auditCommand), else never (files are scanned one at a time).
  let pool: Promise<ScanWorkers> | undefined;
  return {
    get: () => (pool ??= import('../../core/read/parallel-scan.js').then(({ ScanWorkers }) => new ScanWorkers(script, count))),
    close: async () => (await pool?.catch(() => undefined))?.close(),
  };
}

/** The CLI waits at most this long for Slack, retries included. */
const SLACK_DEADLINE_MS = 60_000;
/** Exit status when the digest could not be delivered. */
const EXIT_NOT_DELIVERED = 4;

/** `--slack-webhook`: a URL, or `env:NAME` for one kept in the environment. */
function webhookFrom(setting: string | undefined, env: Record<string, string | undefined> | undefined): string | undefined {
  if (setting === undefined || !setting.startsWith('env:')) return setting;
  const name = setting.slice(4);
  const url = env?.[name];
  if (!url) throw new UsageError(`audit: --slack-webhook: the environment variable ${JSON.stringify(name).slice(1, -1)} is not set`);
  return url;
}

const auditOptions = z
  .object({
    baselines: z.string().min(1).default('baselines'),
    format: z.enum(['text', 'json', 'digest', 'slack']).default('text'),
    report: z.string().min(1).optional(),
    'slack-webhook': z.url({ protocol: /^https?$/, error: 'must be an http(s) URL or env:NAME' }).optional(),
    project: z.string().regex(/^[a-z0-9.:-]{1,100}$/, 'must be a project ID').optional(),
    environment: z.string().min(1).max(40).optional(),
    'fail-on-findings': z.boolean().default(false),
    'burst-threshold': positiveInt.default(DEFAULT_AUDIT_OPTIONS.burstThreshold),
    'max-line-bytes': positiveInt.default(DEFAULT_MAX_LINE_BYTES),
    'max-groups': positiveInt.default(DEFAULT_AUDIT_OPTIONS.maxGroups),
    'max-groups-per-target': positiveInt.default(DEFAULT_AUDIT_OPTIONS.maxGroupsPerTarget),
    now: z.iso.datetime({ offset: true }).optional(),
    quiet: z.boolean().default(false),
    workers: z.union([z.literal('auto'), z.coerce.number().int().min(0).max(64)]).default('auto'),
    'full-parse': z.boolean().default(false),
  })
  .loose();

/**
 * Loads the baselines and scans `files` into a batch auditor. Threads a large file will need start
 * first, so they boot while the baselines load (a failure shows when the file is scanned), and are
 * closed however this ends.
 */
async function auditFiles(files: readonly string[], options: z.output<typeof auditOptions>, io: CommandIo): Promise<{ auditor: BatchAuditor; scan: FileScan }> {
  const workers = workerPool(options.workers);
  const gunzip = gunzipThread(options.workers);
  let early: GunzipAhead | undefined;
  try {
    if (workers && (await hasParallelFile(files, PARALLEL_MIN_BYTES))) workers.get().catch(() => undefined);
    if (gunzip) early = await startGunzipEarly(files, gunzip);
    const baselines = await loadBaselines(options.baselines);
    const now = options.now ? Date.parse(options.now) : Date.now();
    const auditor = new BatchAuditor(baselines, { burstThreshold: options['burst-threshold'], maxGroups: options['max-groups'], maxGroupsPerTarget: options['max-groups-per-target'], now });
    const progress = new Progress(files.length, io.err, 5000, io.progress && !options.quiet);
    const scan = await scanFiles(files, {
      onEvent: (e) => auditor.add(e),
      onRepeated: (r) => auditor.addRepeated(r),
      onProgress: (s) => progress.update(s),
      maxLineBytes: options['max-line-bytes'],
      now: () => now,
      fastPath: !options['full-parse'],
      ...(workers ? { parallel: { workers: workers.get, auditor, minBytes: PARALLEL_MIN_BYTES, onWorkerFailure: (file: string, message: string) => io.err(workerFailureLine(file, message)) } } : {}),
      ...(gunzip ? { gunzipThread: { ...gunzip, ...(early ? { started: early } : {}) } } : {}),
    });
    progress.done(scan);
    return { auditor, scan };
  } finally {
    await Promise.all([workers?.close(), early?.close()]);
  }
}

export async function auditCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('audit', argv, {
    baselines: { type: 'string' },
    format: { type: 'string' },
    report: { type: 'string' },
    'slack-webhook': { type: 'string' },
    project: { type: 'string' },
    environment: { type: 'string' },
    'fail-on-findings': { type: 'boolean' },
    'burst-threshold': { type: 'string' },
    'max-line-bytes': { type: 'string' },
    'max-groups': { type: 'string' },
    'max-groups-per-target': { type: 'string' },
    now: { type: 'string' },
    quiet: { type: 'boolean' },
    workers: { type: 'string' },
    'full-parse': { type: 'boolean' },
  });
  if (values['help']) {
    io.out(AUDIT_HELP);
    return 0;
  }
  const options = checkOptions('audit', auditOptions, { ...values, 'slack-webhook': webhookFrom(values['slack-webhook'] as string | undefined, io.env) });
  if (positionals.length === 0) throw new UsageError('audit: name at least one PATH of exported logs (see `log-audit audit --help`)');
  const { files, skipped } = await findInputFiles(positionals);
  const { auditor, scan } = await auditFiles(files, options, io);
  if (auditor.hasStatements()) await loadSqlParsers();
  const findings = auditor.findings();
  const summary = summarize(scan.stats, scan.bytes, scan.problems, findings, auditor.targets());
  const report: AuditReport = {
    batch: positionals.join(' '),
    digestId: sha256Hex(findings.map((f) => f.id).join(',')).slice(0, 16),
    findings,
    summary,
  };
  const reportFile = options.report ? resolve(options.report) : undefined;
  // The JSON is written in pieces, never held whole: a flood's 10,000 findings make ~10 MB of it.
  // With both --report and --format json the pieces are made twice (~55 ms a pass for those
  // findings), the file first, so that a report that cannot be written leaves no JSON on stdout.
  if (reportFile) {
    await writeReportFile(reportFile, report).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`audit: --report ${terminalSafe(reportFile, 300)}: cannot write it (${error.code ?? error.message})`);
    });
  }
  const suggestion = { ...(reportFile ? { report: reportFile } : {}), baselinesDir: options.baselines };
  const digest = () =>
    planDigestSafely(
      {
        digestId: report.digestId,
        batch: report.batch,
        findings,
        ...(reportFile ? { reportUri: reportFile } : {}),
        baselinesDir: options.baselines,
        ...(options.project ? { project: options.project } : {}),
        ...(options.environment ? { environment: options.environment } : {}),
        counts: { lines: summary.lines, bad: summary.bad, unknown: summary.unknown },
      },
      (error) => io.err(`log-audit: the detailed digest could not be built (${error instanceof Error ? error.message : String(error)}); using a minimal one`),
    ).message;
  if (options.format === 'json') for (const piece of reportJsonPieces(report)) io.out(piece);
  else if (options.format === 'slack' || options.format === 'digest') {
    if (findings.length === 0) io.err('log-audit: no findings: no digest would be posted');
    else io.out(options.format === 'slack' ? `${JSON.stringify(digest(), null, 2)}\n` : digestToText(digest()));
  } else io.out(formatTextReport(findings, summary, suggestion));
  if (summary.lines === 0) {
    reportNothingRead(io, files.length, skipped);
    return EXIT_NOTHING_READ;
  }
  const webhook = options['slack-webhook'];
  if (webhook && findings.length > 0) {
    // Loaded only to post: @slack/webhook and its HTTP client cost every other run ~5-10 ms of start-up.
    const { SlackDeliveryError, SlackNotifier } = await import('../../core/notify/slack-notifier.js');
    const notifier = new SlackNotifier(webhook);
    try {
      const receipt = await notifier.post(digest(), Date.now() + SLACK_DEADLINE_MS);
      io.err(`log-audit: posted the digest to Slack (${findings.length} findings, ${receipt.attempts} attempt${receipt.attempts === 1 ? '' : 's'})`);
    } catch (error) {
      if (!(error instanceof SlackDeliveryError)) throw error;
      io.err(`log-audit: ${notifier.scrub(error.message)}`);
      return EXIT_NOT_DELIVERED;
    }
  }
  return options['fail-on-findings'] && findings.length > 0 ? 1 : 0;
}

/** Nothing was read: say so, and what was left out, so an empty result is never mistaken for a clean one. */
function reportNothingRead(io: CommandIo, files: number, skipped: readonly { path: string; why: string }[]): void {
  const what = files === 0 ? 'no export file was found' : `the ${files === 1 ? 'file holds' : `${files} files hold`} no log line`;
  io.err(`log-audit: audit: nothing read: ${what}, so nothing was audited (exit status ${EXIT_NOTHING_READ}; this is not "no anomalies")`);
  for (const file of skipped.slice(0, 10)) io.err(`log-audit: skipped ${terminalSafe(file.path, 300)}: ${file.why}`);
  if (skipped.length > 10) io.err(`log-audit: … and ${skipped.length - 10} more skipped files`);
}
