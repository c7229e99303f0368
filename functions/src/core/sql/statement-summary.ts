/** A group's statements of one database × kind, read by the real parsers: relations touched and shapes. */
import { analyzeStatement, type StatementShape } from './analyze.js';
import type { GroupStatement, StatementSample } from './group-statements.js';

export interface AnalyzedShape extends StatementShape {
  /** The first text of this shape, as logged. */
  text: string;
  /** How many statements of this shape, when and where first (summed over its samples). */
  count: number;
  firstSeen: string;
  lastSeen: string;
  ref: string;
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
  for (const sample of [...entry.notable.values(), ...entry.samples.values()]) {
    const shape = analyzeStatement(entry.dialect, sample.text);
    if (shape.error) parseErrors++;
    for (const relation of shape.relations) relations.add(relation);
    const known = shapes.get(shape.fingerprint);
    if (!known) shapes.set(shape.fingerprint, { ...shape, text: sample.text, count: sample.count, firstSeen: sample.firstSeen, lastSeen: sample.lastSeen, ref: sample.ref });
    else merge(known, sample);
  }
  const ordered = [...shapes.values()].sort((a, b) => Number(b.neverRoutine !== undefined) - Number(a.neverRoutine !== undefined));
  return { relations: [...relations].sort(), shapes: ordered, parseErrors };
}

function merge(into: AnalyzedShape, sample: StatementSample): void {
  into.count += sample.count;
  if (Date.parse(sample.firstSeen) < Date.parse(into.firstSeen)) (into.firstSeen = sample.firstSeen), (into.ref = sample.ref);
  if (Date.parse(sample.lastSeen) > Date.parse(into.lastSeen)) into.lastSeen = sample.lastSeen;
}
