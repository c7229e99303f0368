/** The run summary shared by the text and JSON reports. */
import type { BatchStats, ProblemLog } from '../read/scan.js';
import { formatProblem } from '../read/scan.js';
import type { Finding, FindingType, Severity } from '../detect/finding.js';

export interface AuditSummary extends BatchStats {
  bytes: number;
  targets: number;
  baselinedTargets: number;
  findings: number;
  byType: Partial<Record<FindingType, number>>;
  bySeverity: Partial<Record<Severity, number>>;
  /** `file:line: message`, the first few of each category. */
  problems: string[];
  problemsOmitted: Record<string, number>;
}

export function summarize(
  stats: BatchStats,
  bytes: number,
  problems: ProblemLog,
  findings: readonly Finding[],
  targets: { total: number; baselined: number },
): AuditSummary {
  const byType: Partial<Record<FindingType, number>> = {};
  const bySeverity: Partial<Record<Severity, number>> = {};
  for (const f of findings) {
    byType[f.type] = (byType[f.type] ?? 0) + 1;
    bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  }
  return {
    ...stats,
    bytes,
    targets: targets.total,
    baselinedTargets: targets.baselined,
    findings: findings.length,
    byType,
    bySeverity,
    problems: problems.list().map(formatProblem),
    problemsOmitted: problems.omitted(),
  };
}
