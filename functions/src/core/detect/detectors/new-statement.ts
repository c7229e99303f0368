/**
 * SQL a database user never ran: per credential × database × statement kind, against the target's
 * `statements` entries. A kind the credential never ran there, a relation it never touched, or a
 * statement that is never routine (statements the parser marks: COPY … TO PROGRAM, ALTER SYSTEM,
 * INTO OUTFILE …) whose exact shape the baseline does not name. Targets whose baseline has no
 * `statements` section are not checked (learn writes one for Cloud SQL targets with audit logs).
 */
import type { CompiledBaseline } from '../../baseline/matcher.js';
import type { StatementEntry } from '../../baseline/schema.js';
import type { GroupStatement } from '../../sql/group-statements.js';
import { summarizeStatement } from '../../sql/statement-summary.js';
import type { AccessGroup } from '../access-group.js';
import { buildFinding } from '../build-finding.js';
import type { DetectorInfo, Finding } from '../finding.js';
import { sha256Hex } from '../../text/sha256.js';

export const newStatement: DetectorInfo = {
  type: 'new-statement',
  title: 'SQL this database user never ran',
  whyItMatters: 'A known credential, from its usual place, running a kind of statement it never ran — an export, a role change, a file read on the server — is what a stolen application password or an insider looks like once inside.',
  whatToDo: 'Ask the owner of the credential whether this statement is part of a change; if expected, accept it with the command below.',
  ifNotExpected: 'rotate the database password (or revoke the IAM credential), end its sessions, and check what the statement read or changed.',
};

/** Shape text shown in a finding: the parser's, cut (the digest escapes it). */
const SHAPE_CHARS = 600;

function findingIdOf(group: AccessGroup, database: string, kind: string): string {
  return sha256Hex(['new-statement', group.target, group.source.key, group.credential?.key ?? '', database, kind].join('\u0000')).slice(0, 12);
}

function knownKinds(entries: readonly StatementEntry[], database: string): string[] {
  return [...new Set(entries.filter((e) => e.database === '*' || e.database === database).map((e) => e.kind))].sort().slice(0, 5);
}

function judge(group: AccessGroup, entry: GroupStatement, covering: readonly StatementEntry[], baseline: CompiledBaseline): Finding | undefined {
  const matching = covering.filter((e) => (e.database === '*' || e.database === entry.database) && e.kind === entry.kind);
  const summary = summarizeStatement(entry);
  const allowedShapes = new Set(matching.flatMap((e) => (e.shapes ?? []).map((s) => s.fingerprint)));
  const dangerous = summary.shapes.find((s) => s.neverRoutine !== undefined && !allowedShapes.has(s.fingerprint));
  const anyRelation = matching.some((e) => e.relations === undefined);
  const allowedRelations = new Set(matching.flatMap((e) => e.relations ?? []));
  const newRelations = matching.length === 0 || anyRelation ? [] : summary.relations.filter((r) => !allowedRelations.has(r));
  let detail: string;
  if (matching.length === 0) detail = `this credential never ran ${entry.kind} on database ${entry.database}`;
  else if (dangerous) detail = `${dangerous.neverRoutine}; the baseline names no statement of this shape`;
  else if (newRelations.length > 0) detail = `this credential never touched ${newRelations.slice(0, 5).join(', ')}${newRelations.length > 5 ? ` and ${newRelations.length - 5} more` : ''} with ${entry.kind} on database ${entry.database}`;
  else return undefined;
  if (matching.length === 0 && dangerous) detail += `; ${dangerous.neverRoutine}`;
  const shown = dangerous ?? summary.shapes[0];
  const finding = buildFinding(newStatement, [group], {
    severity: dangerous ? 'high' : 'medium',
    rule: { baseline: baseline.file, section: 'statements', detail, nearest: knownKinds(covering, entry.database) },
  });
  finding.id = findingIdOf(group, entry.database, entry.kind);
  // What the finding is about: the never-routine shape alone, else every statement of the kind.
  finding.count = dangerous ? dangerous.count : entry.count;
  finding.firstSeen = dangerous ? dangerous.firstSeen : entry.firstSeen;
  finding.lastSeen = dangerous ? dangerous.lastSeen : entry.lastSeen;
  finding.actions = [`${entry.dialect === 'postgres' ? 'pgaudit' : 'mysql'} ${entry.kind}`];
  finding.resources = [`database ${entry.database}`];
  const refs = dangerous ? [dangerous.ref] : summary.shapes.map((s) => s.ref);
  if (refs.length > 0) finding.refs = [...new Set(refs)].slice(0, 3);
  finding.statement = {
    database: entry.database,
    kind: entry.kind,
    ...(shown ? { shape: shown.shape.slice(0, SHAPE_CHARS), fingerprint: shown.fingerprint } : {}),
    relations: summary.relations.slice(0, 50),
    newRelations: newRelations.slice(0, 50),
    ...(dangerous ? { neverRoutine: dangerous.neverRoutine! } : {}),
    neverRoutineShapes: summary.shapes.filter((s) => s.neverRoutine !== undefined).map((s) => ({ fingerprint: s.fingerprint, statement: s.shape.slice(0, SHAPE_CHARS) })).slice(0, 10),
    ...(summary.parseErrors > 0 ? { parseErrors: summary.parseErrors } : {}),
  };
  return finding;
}

export function detectNewStatements(group: AccessGroup, baseline: CompiledBaseline): Finding[] {
  if (!group.statements || !group.credential) return [];
  const covering = baseline.statementsOf(group.credential);
  if (covering === undefined) return [];
  const findings: Finding[] = [];
  for (const entry of group.statements.byKind.values()) {
    const finding = judge(group, entry, covering, baseline);
    if (finding) findings.push(finding);
  }
  return findings;
}
