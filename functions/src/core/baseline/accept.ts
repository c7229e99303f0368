/**
 * Accepting a finding: adds the missing source, credential and pair entries to the target's
 * baseline file (creating it if needed), annotated with who/why/until when. The YAML document is
 * edited in place, so comments and other entries stay as they were.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Document, isMap, isSeq, type YAMLSeq } from 'yaml';
import type { LogKind } from '../access-event.js';
import { sourceMatchProblem, targetKey, type BaselineSection } from './schema.js';
import { BaselineError, baselineFileName, loadEditableBaselines, type EditableBaseline } from './store.js';

export interface Acceptance {
  kind: LogKind;
  target: string;
  source?: string;
  credential?: string;
  /** Only the credential-from-source pair (both are already known). */
  pairOnly?: boolean;
  owner?: string;
  reason?: string;
  expires?: string;
}

export interface AcceptResult {
  file: string;
  created: boolean;
  added: string[];
}

function sequence(document: Document, section: BaselineSection): YAMLSeq {
  const existing = document.get(section, true);
  if (isSeq(existing)) return existing;
  const seq = document.createNode([]) as YAMLSeq;
  document.set(section, seq);
  return seq;
}

function has(seq: YAMLSeq, predicate: (item: Record<string, unknown>) => boolean): boolean {
  return seq.items.some((item) => isMap(item) && predicate(item.toJSON() as Record<string, unknown>));
}

export async function accept(dir: string, acceptance: Acceptance, existing?: readonly EditableBaseline[]): Promise<AcceptResult> {
  if (acceptance.source !== undefined) {
    const problem = sourceMatchProblem(acceptance.source);
    if (problem) throw new BaselineError([`--source: ${problem}`]);
  }
  const dirExists = (await stat(dir).catch(() => undefined))?.isDirectory() ?? false;
  const baselines = existing ?? (dirExists ? await loadEditableBaselines(dir) : []);
  const current = baselines.find((b) => targetKey(b.baseline.kind, b.baseline.target) === targetKey(acceptance.kind, acceptance.target));
  const file = current?.file ?? join(dir, baselineFileName(acceptance.kind, acceptance.target));
  const document = current?.document ?? new Document({ version: 1, kind: acceptance.kind, target: acceptance.target, sources: [], credentials: [], pairs: [] });
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
  if (source && credential) {
    const seq = sequence(document, 'pairs');
    if (!has(seq, (i) => i['credential'] === credential && i['source'] === source)) {
      seq.add(document.createNode({ credential, source, ...annotation }));
      added.push(`pairs: ${credential} from ${source}`);
    }
  }
  if (added.length > 0) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, document.toString({ lineWidth: 0 }));
  }
  return { file, created: !current, added };
}
