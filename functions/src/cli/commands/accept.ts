import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { LOG_KINDS } from '../../core/access-event.js';
import { accept, acceptanceProblem, describeAcceptanceProblem, type Acceptance } from '../../core/baseline/accept.js';
import { acceptanceFor, decodeReportWord } from '../../core/baseline/accept-command.js';
import { sourceMatchProblem } from '../../core/baseline/schema.js';
import { downloadObject, parseGsLocation } from '../../core/gcs/download.js';
import { parseAuditReport, ReportError } from '../../core/report/audit-report.js';
import { terminalSafe } from '../../core/report/terminal-text.js';
import { checkOptions, parseCommandArgs, UsageError } from '../args.js';
import type { CommandIo } from './io.js';

export const ACCEPT_HELP = `Usage: log-audit accept --report REPORT --finding ID [options]
       log-audit accept --kind KIND --target TARGET [--source MATCH] [--credential MATCH] [options]

Makes a finding normal: adds the source, the credential and the credential-from-source pair to
the target's baseline file (creating the file if the target has none), each annotated with
--owner, --reason and --expires. Entries already present are left alone; comments and other
entries in the file are kept.

The first form is the command every Slack digest and text report prints: it names the report and
the finding's id, never a log value, so pasting it into any shell runs log-audit and nothing else.
The values are read from the report. The second form is for values you type yourself.

Options:
  --report REPORT        the audit report holding the finding: a gs://BUCKET/OBJECT the function
                         wrote (read with your Google credentials; %XX escapes in the object name
                         are decoded), or a JSON file \`log-audit audit --report FILE\` wrote
  --finding ID           the finding's 12-digit hex id in that report
  --baselines DIR        baseline directory (default: baselines/)
  --kind KIND            ${LOG_KINDS.join(' | ')}
  --target TARGET        bucket, project:instance, or ip:port / gke:… of the finding
  --source MATCH         source identity, e.g. ip:203.0.113.7, gke:cluster/namespace
  --credential MATCH     principal, delegation chain, db-user:name, or a glob with *
  --pair-only            add only the credential-from-source pair (both are already known)
  --owner TEXT           who answers for the new entries
  --reason TEXT          why they are normal (with --finding: "accepted finding ID" by default)
  --expires DATE         from this date they no longer count: YYYY-MM-DD (00:00 UTC that
                         day) or an RFC 3339 time; it must be in the future
  --now ISO              judge --expires as of this time (default: now)
  -h, --help             show this help

The baselines directory must exist (a command pasted in the wrong directory must not write a
baseline nobody deploys); a new file gets the editor's $schema line and a header.

Exit status: 0 on success, 2 for a usage error or a report that cannot be read, 3 when the
baselines are missing or invalid or the entry cannot be written (a malformed target, an --expires
in the past).
`;

/** What every accepted entry may carry, in both forms of the command. */
const annotationOptions = () => ({
  baselines: z.string().min(1).default('baselines'),
  owner: z.string().optional(),
  reason: z.string().optional(),
  expires: z.string().optional(),
  now: z.iso.datetime({ offset: true }).optional(),
});

/** Built when the command runs (z.lazy), not when the CLI starts: other commands never need it. */
const acceptOptions = z.lazy(() =>
  z
    .object({
      kind: z.enum(LOG_KINDS, { error: `must be one of ${LOG_KINDS.join(', ')}` }),
      target: z.string().min(1, 'is required'),
      source: z
        .string()
        .superRefine((v, ctx) => {
          const problem = sourceMatchProblem(v);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        })
        .optional(),
      credential: z.string().min(1).optional(),
      'pair-only': z.boolean().default(false),
      ...annotationOptions(),
    })
    .loose(),
);

/** Built when the command runs, as acceptOptions. */
const reportOptions = z.lazy(() =>
  z
    .object({
      report: z.string().min(1, 'is required'),
      finding: z.string().regex(/^[0-9a-f]{12}$/, 'must be a 12-digit hex finding id'),
      ...annotationOptions(),
    })
    .loose(),
);

const BY_VALUE_FLAGS = ['kind', 'target', 'source', 'credential', 'pair-only'] as const;

/** A report's text, from a local file or from Cloud Storage. */
async function readReport(report: string): Promise<string> {
  const location = decodeReportWord(report);
  const gs = parseGsLocation(location);
  const shown = terminalSafe(location, 300);
  if (location.startsWith('gs://') && !gs?.prefix) throw new ReportError(`accept: --report ${shown}: not a gs://BUCKET/OBJECT location`);
  try {
    if (!gs) return await readFile(location, 'utf8');
    // Loaded only for gs:// reports: the storage library would slow every command's start.
    const { storageClients } = await import('../../core/gcs/storage-clients.js');
    return (await downloadObject(storageClients({ retrySeconds: 30 }).downloads, { bucket: gs.bucket, name: gs.prefix })).toString('utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = code === 'ENOENT' || code === 404 ? 'no such report' : terminalSafe((error as Error).message.split('\n')[0] ?? String(error), 200);
    throw new ReportError(`accept: --report ${shown}: ${why}`);
  }
}

export async function acceptCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('accept', argv, {
    baselines: { type: 'string' },
    report: { type: 'string' },
    finding: { type: 'string' },
    kind: { type: 'string' },
    target: { type: 'string' },
    source: { type: 'string' },
    credential: { type: 'string' },
    'pair-only': { type: 'boolean' },
    owner: { type: 'string' },
    reason: { type: 'string' },
    expires: { type: 'string' },
    now: { type: 'string' },
  });
  if (values['help']) {
    io.out(ACCEPT_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`accept: unexpected argument ${JSON.stringify(positionals[0])} (see \`log-audit accept --help\`)`);
  if (values['report'] !== undefined || values['finding'] !== undefined) return acceptFromReport(values, io);
  const o = checkOptions('accept', acceptOptions, values);
  if (!o.source && !o.credential) throw new UsageError('accept: give --source, --credential, or both');
  if (o['pair-only'] && !(o.source && o.credential)) throw new UsageError('accept: --pair-only needs both --source and --credential');
  const now = o.now ? Date.parse(o.now) : Date.now();
  const acceptance: Acceptance = {
    kind: o.kind,
    target: o.target,
    ...(o.source ? { source: o.source } : {}),
    ...(o.credential ? { credential: o.credential } : {}),
    pairOnly: o['pair-only'],
    ...(o.owner ? { owner: o.owner } : {}),
    ...(o.reason ? { reason: o.reason } : {}),
    ...(o.expires ? { expires: o.expires } : {}),
  };
  // What the user typed is a usage error; the same problem in a report's finding is a baseline one.
  const problem = acceptanceProblem(acceptance, now);
  if (problem) throw new UsageError(`accept: ${describeAcceptanceProblem(problem)}`);
  const result = await accept(o.baselines, acceptance, now);
  printResult(io, result, o.baselines);
  return 0;
}

/** `--report R --finding ID`: the finding's values come from the report, never from the command line. */
async function acceptFromReport(values: Record<string, unknown>, io: CommandIo): Promise<number> {
  const mixed = BY_VALUE_FLAGS.filter((flag) => values[flag] !== undefined);
  if (mixed.length > 0) throw new UsageError(`accept: --report and --finding take the values from the report; drop --${mixed[0]}`);
  const o = checkOptions('accept', reportOptions, values);
  const report = parseAuditReport(await readReport(o.report), `--report ${terminalSafe(decodeReportWord(o.report), 300)}`);
  const finding = report.findings.find((f) => f.id === o.finding);
  if (!finding) throw new ReportError(`accept: finding ${o.finding} is not in that report (it holds ${report.findings.length} finding${report.findings.length === 1 ? '' : 's'})`);
  const acceptance = acceptanceFor(finding);
  if ('refused' in acceptance) throw new ReportError(`accept: ${acceptance.refused}`);
  const now = o.now ? Date.parse(o.now) : Date.now();
  const full: Acceptance = {
    ...acceptance,
    reason: o.reason ?? `accepted finding ${finding.id}`,
    ...(o.owner ? { owner: o.owner } : {}),
    ...(o.expires ? { expires: o.expires } : {}),
  };
  const problem = acceptanceProblem(full, now);
  // --expires is what the user typed; anything else came from the report's finding.
  if (problem) throw problem.flag === 'expires' ? new UsageError(`accept: ${describeAcceptanceProblem(problem)}`) : new ReportError(`accept: finding ${finding.id}: ${problem.message}`);
  const result = await accept(o.baselines, full, now);
  printResult(io, result, o.baselines);
  return 0;
}

function printResult(io: CommandIo, result: { file: string; created: boolean; added: string[] }, baselines: string): void {
  if (result.added.length === 0) io.out(`${terminalSafe(result.file, 400)}: already normal, nothing to add\n`);
  else io.out(`${result.created ? 'created' : 'updated'} ${terminalSafe(result.file, 400)}:\n${result.added.map((a) => `  + ${terminalSafe(a, 400)}`).join('\n')}\nReview the change and commit it; \`log-audit validate ${terminalSafe(baselines, 400)}\` checks it.\n`);
}
