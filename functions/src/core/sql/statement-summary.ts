/** A group's statements of one database × kind, read by the real parsers: relations touched and shapes. */
import { analyzeStatement, type StatementShape } from './analyze.js';
import type { GroupStatement } from './group-statements.js';

export interface AnalyzedShape extends StatementShape {
  /** The first text of this shape, as logged. */
  text: string;
}

export interface StatementSummary {
  relations: string[];
  /** Distinct shapes of the samples kept, never-routine ones first. */
  shapes: AnalyzedShape[];
  /** Samples the parser refused (each still yields its command keyword). */
  parseErrors: number;
}

export function summarizeStatement(entry: GroupStatement): StatementSummary {
  const relations = new Set(entry.objects);
  const shapes = new Map<string, AnalyzedShape>();
  let parseErrors = 0;
  for (const text of [...entry.notable.values(), ...entry.samples.values()]) {
    const shape = analyzeStatement(entry.dialect, text);
    if (shape.error) parseErrors++;
    for (const relation of shape.relations) relations.add(relation);
    if (!shapes.has(shape.fingerprint)) shapes.set(shape.fingerprint, { ...shape, text });
  }
  const ordered = [...shapes.values()].sort((a, b) => Number(b.neverRoutine !== undefined) - Number(a.neverRoutine !== undefined));
  return { relations: [...relations].sort(), shapes: ordered, parseErrors };
}
