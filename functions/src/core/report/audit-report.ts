/**
 * The JSON report of one audit: what the function writes to `gs://STATE_BUCKET/reports/…json`, what
 * `log-audit audit --format json` prints and `audit --report FILE` writes. `log-audit accept --report
 * R --finding ID` reads it back, so the command a human pastes carries only a location and an id,
 * never log text (see accept-command.ts).
 */
import * as z from 'zod';
import { EVENT_KINDS } from '../access-event.js';
import type { Finding } from '../detect/finding.js';
import { FINDING_TYPES } from '../detect/finding.js';
import type { AuditSummary } from './summary.js';

export interface AuditReport {
  /** What was audited: `bucket/name#generation`, or the CLI's paths. */
  batch: string;
  digestId: string;
  generatedAt?: string;
  summary: AuditSummary;
  findings: Finding[];
}

/**
 * What accept needs of a finding; the rest of the report is carried but not trusted here. Built on
 * first use (z.lazy): only `accept` reads reports, and every other run would build it at import.
 */
export const reportFindingSchema = z.lazy(() =>
  z.looseObject({
    id: z.string().regex(/^[0-9a-f]{12}$/, 'must be a 12-digit hex finding id'),
    kind: z.enum(EVENT_KINDS),
    type: z.enum(FINDING_TYPES),
    target: z.string().min(1),
    source: z.string().min(1),
    credential: z.string().min(1).nullable(),
    statement: z
      .looseObject({
        database: z.string().min(1),
        kind: z.string().min(1),
        relations: z.array(z.string()),
        newRelations: z.array(z.string()),
        neverRoutineShapes: z.array(z.object({ fingerprint: z.string(), statement: z.string() })),
      })
      .optional(),
  }),
);
export type ReportFinding = z.infer<typeof reportFindingSchema>;

export const auditReportSchema = z.lazy(() => z.looseObject({ findings: z.array(reportFindingSchema) }));

/** The report could not be read or is not an audit report; the message names it. */
export class ReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportError';
  }
}

/** Parses a report's text; `origin` names it in errors. */
export function parseAuditReport(text: string, origin: string): { findings: ReportFinding[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ReportError(`${origin}: not JSON (${(error as Error).message.slice(0, 80)}); a report is what \`log-audit audit --report FILE\` or the function writes`);
  }
  const parsed = auditReportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ReportError(`${origin}: not an audit report: ${issue.path.join('.') || '(report)'}: ${issue.message}`);
  }
  return parsed.data;
}
