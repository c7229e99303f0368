/**
 * Accepting a finding: adds the missing source, credential and pair entries to the target's
 * baseline file (creating it if needed), annotated with who/why/until when. The YAML document is
 * edited in place, so comments and other entries stay as they were.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { isMap, isSeq, type Document, type YAMLSeq } from 'yaml';
import type { LogKind } from '../access-event.js';
import { parseStrictDate, strictDateProblem } from './dates.js';
import { sourceMatchProblem, targetKey, type BaselineSection } from './schema.js';
import { appendMissingScalars, BaselineError, baselineFileName, loadEditableBaselines, newBaselineDocument, SCHEMA_FILE, writeSchemaFile } from './store.js';
import { targetProblem } from './target-name.js';

export interface Acceptance {
  kind: LogKind;
  target: string;
  source?: string;
  credential?: string;
  /** Only the credential-from-source pair (both are already known). */
  pairOnly?: boolean;
  /** The credential normally lists the bucket (a new-enumeration finding). */
  lister?: boolean;
  /** A statement kind the credential may run on a database (a new-statement finding). */
  statement?: { database: string; kind: string; relations: string[]; shapes: { fingerprint: string; statement: string }[] };
  owner?: string;
  reason?: string;
  expires?: string;
}

export interface AcceptResult {
  file: string;
  created: boolean;
  added: string[];
}

function sequence(document: Document, section: BaselineSection | 'listers'): YAMLSeq {
  const existing = document.get(section, true);
  if (isSeq(existing)) return existing;
  const seq = document.createNode([]) as YAMLSeq;
  document.set(section, seq);
  return seq;
}

function has(seq: YAMLSeq, predicate: (item: Record<string, unknown>) => boolean): boolean {
  return seq.items.some((item) => isMap(item) && predicate(item.toJSON() as Record<string, unknown>));
}

/** Why `acceptance` cannot be written as of `now`, or undefined. */
/** What is wrong with an acceptance, and which of its values (named as its flag) is wrong. */
export interface AcceptanceProblem {
  flag: 'target' | 'source' | 'expires';
  message: string;
}

/** `--flag: message`, the one-line form every accept problem is shown in. */
export function describeAcceptanceProblem(problem: AcceptanceProblem): string {
  return `--${problem.flag}: ${problem.message}`;
}

export function acceptanceProblem(acceptance: Acceptance, now: number): AcceptanceProblem | undefined {
  const target = targetProblem(acceptance.kind, acceptance.target);
  if (target) return { flag: 'target', message: `${JSON.stringify(acceptance.target.slice(0, 120))} ${target}` };
  if (acceptance.source !== undefined) {
    const problem = sourceMatchProblem(acceptance.source);
    if (problem) return { flag: 'source', message: problem };
  }
  if (acceptance.expires !== undefined) {
    const problem = strictDateProblem(acceptance.expires);
    if (problem) return { flag: 'expires', message: problem };
    if (parseStrictDate(acceptance.expires)! <= now) return { flag: 'expires', message: `${acceptance.expires} is not in the future; the entries would never count as normal` };
  }
  return undefined;
}

/**
 * Adds the acceptance to the baseline of its target in `dir`, which must exist: a digest's command
 * run from the wrong directory must not write a baseline nobody deploys.
 */
export async function accept(dir: string, acceptance: Acceptance, now: number): Promise<AcceptResult> {
  const problem = acceptanceProblem(acceptance, now);
  if (problem) throw new BaselineError([describeAcceptanceProblem(problem)]);
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
    throw new BaselineError([
      `${dir}: no baselines directory here. accept adds to the baselines you deploy: run it from the repository that holds them, or name them with --baselines DIR (to start a new set: log-audit learn --out DIR PATH…)`,
    ]);
  }
  const baselines = await loadEditableBaselines(dir);
  const current = baselines.find((b) => targetKey(b.baseline.kind, b.baseline.target) === targetKey(acceptance.kind, acceptance.target));
  const file = current?.file ?? join(dir, baselineFileName(acceptance.kind, acceptance.target));
  const document: Document = current?.document ?? newBaselineDocument(acceptance.kind, acceptance.target, relative(dirname(file), join(dir, SCHEMA_FILE)));
  const annotation: Record<string, string> = {};
  if (acceptance.owner) annotation['owner'] = acceptance.owner;
  if (acceptance.reason) annotation['reason'] = acceptance.reason;
  if (acceptance.expires) annotation['expires'] = acceptance.expires;
  const added: string[] = [];
  const { source, credential } = acceptance;
  if (source && !acceptance.pairOnly) {
    const seq = sequence(document, 'sources');
    if (!has(seq, (i) => i['match'] === source)) {
      seq.add(document.createNode({ match: source, ...annotation }));
      added.push(`sources: ${source}`);
    }
  }
  if (credential && !acceptance.pairOnly) {
    const seq = sequence(document, 'credentials');
    if (!has(seq, (i) => i['match'] === credential)) {
      seq.add(document.createNode({ match: credential, ...annotation }));
      added.push(`credentials: ${credential}`);
    }
  }
  if (acceptance.statement && credential) addStatement(document, credential, acceptance.statement, annotation, added);
  if (acceptance.lister && credential && appendMissingScalars(document, sequence(document, 'listers'), [credential]).length > 0) added.push(`listers: ${credential}`);
  if (source && credential) {
    const seq = sequence(document, 'pairs');
    if (!has(seq, (i) => i['credential'] === credential && i['source'] === source)) {
      seq.add(document.createNode({ credential, source, ...annotation }));
      added.push(`pairs: ${credential} from ${source}`);
    }
  }
  if (added.length > 0) {
    if (!current && !(await stat(join(dir, SCHEMA_FILE)).catch(() => undefined))) await writeSchemaFile(dir);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, document.toString({ lineWidth: 0 }));
  }
  return { file, created: !current, added };
}

/** Adds the statement kind for the credential, or the relations and shapes an existing entry lacks. */
function addStatement(document: Document, credential: string, statement: NonNullable<Acceptance['statement']>, annotation: Record<string, string>, added: string[]): void {
  const seq = sequence(document, 'statements');
  const existing = seq.items.find((item) => {
    if (!isMap(item)) return false;
    const e = item.toJSON() as Record<string, unknown>;
    return e['database'] === statement.database && e['credential'] === credential && e['kind'] === statement.kind;
  });
  if (!existing || !isMap(existing)) {
    const entry: Record<string, unknown> = { database: statement.database, credential, kind: statement.kind, relations: statement.relations };
    if (statement.shapes.length > 0) entry['shapes'] = statement.shapes;
    seq.add(document.createNode({ ...entry, ...annotation }));
    added.push(`statements: ${credential} may run ${statement.kind} on database ${statement.database}`);
    return;
  }
  const relations = existing.get('relations', true);
  if (isSeq(relations)) for (const relation of appendMissingScalars(document, relations, statement.relations)) added.push(`statements: ${statement.kind} by ${credential} may touch ${relation}`);
  if (statement.shapes.length > 0) {
    const current: unknown = existing.get('shapes', true);
    let shapes: YAMLSeq;
    if (isSeq(current)) shapes = current;
    else {
      shapes = document.createNode([]) as YAMLSeq;
      existing.set('shapes', shapes);
    }
    const known = new Set(shapes.items.map((item) => (isMap(item) ? String(item.get('fingerprint')) : '')));
    for (const shape of statement.shapes) {
      if (known.has(shape.fingerprint)) continue;
      shapes.add(document.createNode({ ...shape }));
      added.push(`statements: ${statement.kind} by ${credential} may run ${shape.statement.slice(0, 120)}`);
    }
  }
}
