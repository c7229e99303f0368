/**
 * Reading and writing baseline files. Reading validates every file and reports every problem at
 * once, each naming the file, line and field. Writing merges into the existing YAML document, so
 * analysts' comments and annotations stay where they put them.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import { Document, isMap, isScalar, isSeq, LineCounter, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import type * as z from 'zod';
import { LOG_KINDS, type LogKind } from '../access-event.js';
import { closest } from '../text/did-you-mean.js';
import { baselineJsonSchema, baselineSchema, fieldsAt, targetKey, type Baseline, type BaselineSection } from './schema.js';
import { targetProblem } from './target-name.js';

export interface LoadedBaseline {
  file: string;
  baseline: Baseline;
  /** The line of each entry in its file, per section, when it was read from one: where a finding points. */
  entryLines?: Record<BaselineSection, number[]>;
}

/** A baseline with its YAML document, for commands that edit files and keep their comments. */
export interface EditableBaseline extends LoadedBaseline {
  document: Document;
}

/** Baselines could not be used: every problem, one line each (`file:line: field: message`). */
export class BaselineError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} baseline problems:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'BaselineError';
  }
}

export const SCHEMA_FILE = 'baseline.schema.json';

/**
 * Baselines are capped, so a hostile or runaway file cannot exhaust the function's memory (1 GiB by
 * default, of which a shard's audit takes up to ~256 MB). Measured on Node 24 with learned entries
 * (~110 bytes each): parsing a file peaks at ~100 MB plus ~70 MB per MB of YAML (2.2 MB: 328 MB,
 * 5.5 MB: 490 MB, 11 MB: 1.8 GB), and what is kept once its YAML document is dropped is ~0.44 KB
 * per entry (100,000 entries: 44 MB of heap). Hence files of at most 2 MiB and 20,000 entries, and
 * 16 MiB and 100,000 entries in all. `validate`, the CLI and the function enforce the same limits.
 */
export interface BaselineLimits {
  fileBytes: number;
  fileEntries: number;
  totalBytes: number;
  totalEntries: number;
}

export const BASELINE_LIMITS: BaselineLimits = { fileBytes: 2 * 1024 * 1024, fileEntries: 20_000, totalBytes: 16 * 1024 * 1024, totalEntries: 100_000 };

function entries(baseline: Baseline): number {
  return baseline.sources.length + baseline.credentials.length + baseline.pairs.length + (baseline.statements?.length ?? 0);
}

async function listYaml(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listYaml(path)));
    else if (entry.isFile() && /\.ya?ml$/i.test(entry.name)) out.push(path);
  }
  return out.sort();
}

/** `['sources', 2, 'expires']` → `sources[2].expires`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || '(file)';
}

/** A problem and the line it is on (0 when it is about the whole file), so a file's problems print in line order. */
interface Problem {
  line: number;
  text: string;
}

function inLineOrder(problems: Problem[]): string[] {
  return problems.sort((a, b) => a.line - b.line).map((p) => p.text);
}

/**
 * Parses and validates one baseline file's text. Problems name the file, line and field, one line
 * each, in line order. `location` is the file's path within the baselines directory (`gcs/b.yaml`):
 * when given, the target must be the one the file is named for.
 */
export function parseBaseline(file: string, text: string, location?: string): { ok: true; loaded: EditableBaseline } | { ok: false; problems: string[] } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((e) => `${file}:${lineCounter.linePos(e.pos[0]).line}: invalid YAML: ${e.message.split('\n')[0]}`),
    };
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (error) {
    // e.g. an alias bomb: refuse the file rather than expand it.
    return { ok: false, problems: [`${file}: invalid YAML: ${(error as Error).message.split('\n')[0]}`] };
  }
  const lineOf = (path: readonly (string | number)[]): number => {
    const node = document.getIn(path, true) as { range?: [number, number, number] | null } | undefined;
    return node?.range ? lineCounter.linePos(node.range[0]).line : 0;
  };
  const problems: Problem[] = [];
  const result = baselineSchema.safeParse(value);
  if (!result.success) for (const issue of result.error.issues) problems.push(...describeIssue(file, document, lineCounter, issue));
  problems.push(...targetProblems(file, value, location, lineOf(['target'])));
  if (!result.success || problems.length > 0) return { ok: false, problems: inLineOrder(problems) };
  const entryLines: Record<BaselineSection, number[]> = { sources: [], credentials: [], pairs: [], statements: [] };
  for (const section of ['sources', 'credentials', 'pairs', 'statements'] as const) {
    (result.data[section] ?? []).forEach((_, i) => entryLines[section].push(lineOf([section, i])));
  }
  return { ok: true, loaded: { file, baseline: result.data, document, entryLines } };
}

/**
 * Anchors and aliases (`&a`, `*a`): a js-yaml tree would share their nodes (and an alias bomb would
 * make validation walk them over and over), so files with any take the careful path.
 */
const ANCHOR_OR_ALIAS = /(?:^|[\s,[{:-])[&*][^\s,\]}]/m;

/**
 * The quick way to read a valid baseline: js-yaml (YAML 1.2 core schema, as the careful path reads
 * it) and the same schema and target checks, without building a YAML document. Measured on a 4.8
 * MB set of 20 learned files (27,000 entries): 199 ms and ~100 MiB against 1,110 ms and ~350 MiB
 * for parseDocument with line counting — the difference between a CLI that starts at once and one
 * that spends seconds before its first byte. Anything unusual — anchors, a file that does not
 * validate (its problems need lines), entries with an `expires` (a lapsed entry is reported with its
 * line) — returns undefined, and the careful path reads the file.
 */
export function quickParseBaseline(file: string, text: string, location?: string): LoadedBaseline | undefined {
  if (ANCHOR_OR_ALIAS.test(text)) return undefined;
  let value: unknown;
  try {
    value = loadYaml(text, { schema: CORE_SCHEMA, filename: file }) ?? {};
  } catch {
    return undefined;
  }
  const result = baselineSchema.safeParse(value);
  if (!result.success || targetProblems(file, value, location, 0).length > 0) return undefined;
  const b = result.data;
  const expiring = (entries: readonly { expires?: string | undefined }[] | undefined) => (entries ?? []).some((e) => e.expires !== undefined);
  if (expiring(b.sources) || expiring(b.credentials) || expiring(b.pairs) || expiring(b.statements)) return undefined;
  return { file, baseline: b };
}

/** The target must be well-formed for its kind and, in a baselines directory, the one the file is named for. */
function targetProblems(file: string, value: unknown, location: string | undefined, line: number): Problem[] {
  if (value === null || typeof value !== 'object') return [];
  const { kind, target } = value as { kind?: unknown; target?: unknown };
  if (typeof target !== 'string' || target === '' || !(LOG_KINDS as readonly unknown[]).includes(kind)) return [];
  const at = `${file}${line ? `:${line}` : ''}: target:`;
  const problem = targetProblem(kind as LogKind, target);
  if (problem) return [{ line, text: `${at} ${JSON.stringify(target.slice(0, 120))} ${problem}` }];
  if (location === undefined) return [];
  const expected = baselineFileName(kind as LogKind, target);
  const named = location.replace(/\.yml$/i, '.yaml');
  if (named === expected || named.endsWith(`/${expected}`)) return [];
  return [
    {
      line,
      text: `${at} ${JSON.stringify(target)} is not the ${kind} target this file is named for (${location}); a baseline for it belongs in ${expected}. Fix the target or rename the file: as it is, it would match nothing and the real target would go unwatched`,
    },
  ];
}

function describeIssue(file: string, document: Document, lines: LineCounter, issue: z.core.$ZodIssue): Problem[] {
  const lineOfNode = (node: { range?: [number, number, number] | null } | undefined) => (node?.range ? lines.linePos(node.range[0]).line : 0);
  const node = document.getIn(issue.path as (string | number)[], true) as { range?: [number, number, number] | null } | undefined;
  if (issue.code === 'unrecognized_keys') {
    // One problem per misspelled key, at the key itself, with the field it was probably meant to be.
    const known = fieldsAt(issue.path);
    return issue.keys.map((key) => {
      const pair = isMap(node) ? node.items.find((p) => isScalar(p.key) && String(p.key.value) === key) : undefined;
      const line = lineOfNode(pair && isScalar(pair.key) ? pair.key : node);
      const suggestion = closest(key, known);
      const field = formatPath([...issue.path, key]);
      return { line, text: `${file}${line ? `:${line}` : ''}: ${field}: unknown field${suggestion ? `; did you mean ${suggestion}?` : known.length > 0 ? ` (fields here: ${known.join(', ')})` : ''}` };
    });
  }
  const line = lineOfNode(node);
  return [{ line, text: `${file}${line ? `:${line}` : ''}: ${formatPath(issue.path)}: ${issue.message}` }];
}

/**
 * Loads every `*.yaml` under `dir`, for judging: their YAML documents are not kept. Throws
 * `BaselineError` listing every problem (invalid files, two files for one target, a limit passed);
 * a missing directory is an error too — run `learn` first.
 */
export async function loadBaselines(dir: string, limits: BaselineLimits = BASELINE_LIMITS): Promise<LoadedBaseline[]> {
  return (await load(dir, limits, true)).map(({ file, baseline, entryLines }) => {
    const own = ownStrings(baseline);
    return entryLines ? { file, baseline: own, entryLines } : { file, baseline: own };
  });
}

/**
 * A copy of `baseline` whose strings are its own. A YAML parser's strings are slices of the file's
 * text (V8 keeps a substring of 13 characters or more as a view of its parent), so a loaded baseline
 * kept its whole file alive for the run: the 20 learned files of the bench's Cloud Storage row
 * (245 KB each, read as two-byte strings for their comments' dashes) were ~10 MiB of a heap snapshot.
 * JSON.parse builds new flat strings; the copy cost 19-36 ms for those 4.8 MB (the load itself ~320).
 */
function ownStrings(baseline: Baseline): Baseline {
  return JSON.parse(JSON.stringify(baseline)) as Baseline;
}

/** The same, keeping each file's YAML document, for `accept` and `learn`, which edit them. */
export function loadEditableBaselines(dir: string, limits: BaselineLimits = BASELINE_LIMITS): Promise<EditableBaseline[]> {
  return load(dir, limits, false) as Promise<EditableBaseline[]>;
}

async function load(dir: string, limits: BaselineLimits, quick: boolean): Promise<(LoadedBaseline & { document?: Document })[]> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new BaselineError([`${dir}: baselines directory not found (create it with \`log-audit learn --out ${dir} PATH…\`)`]);
  const problems: string[] = [];
  const loaded: (LoadedBaseline & { document?: Document })[] = [];
  const seen = new Map<string, string>();
  let totalBytes = 0;
  let totalEntries = 0;
  const files = await listYaml(dir);
  const sizes = await Promise.all(files.map(async (file) => (await stat(file)).size));
  const readable: string[] = [];
  for (const [i, file] of files.entries()) {
    const size = sizes[i]!;
    if (size > limits.fileBytes) {
      problems.push(`${file}: file is ${size} bytes, over the ${limits.fileBytes}-byte limit for a baseline (split the target's entries, or widen sources into ranges)`);
      continue;
    }
    totalBytes += size;
    if (totalBytes > limits.totalBytes) {
      problems.push(`${file}: baselines in ${dir} pass ${limits.totalBytes} bytes in all at this file; the function could not hold them`);
      break;
    }
    readable.push(file);
  }
  // All reads issued at once (at most limits.totalBytes in all), parsed in file order as they land:
  // one at a time, each file's open, read and close waited on in turn cost ~1-2 ms a file here
  // before the first log byte was read.
  const texts = readable.map((file) => readFile(file, 'utf8'));
  // A read that fails once an earlier failure has ended the load must not go unhandled.
  for (const text of texts) text.catch(() => undefined);
  for (const [i, file] of readable.entries()) {
    const text = await texts[i]!;
    const location = relative(dir, file).split(sep).join('/');
    const fast = quick ? quickParseBaseline(file, text, location) : undefined;
    const result = fast ? ({ ok: true, loaded: fast } as const) : parseBaseline(file, text, location);
    if (!result.ok) {
      problems.push(...result.problems);
      continue;
    }
    const count = entries(result.loaded.baseline);
    if (count > limits.fileEntries) {
      problems.push(`${file}: ${count} entries, over the ${limits.fileEntries}-entry limit for a baseline`);
      continue;
    }
    totalEntries += count;
    if (totalEntries > limits.totalEntries) {
      problems.push(`${file}: baselines in ${dir} pass ${limits.totalEntries} entries in all at this file; the function could not hold them`);
      break;
    }
    const key = targetKey(result.loaded.baseline.kind, result.loaded.baseline.target);
    const other = seen.get(key);
    if (other) problems.push(`${file}: target: ${result.loaded.baseline.kind} target ${JSON.stringify(result.loaded.baseline.target)} is already described by ${other}`);
    else seen.set(key, file);
    loaded.push(result.loaded);
  }
  if (problems.length > 0) throw new BaselineError(problems);
  return loaded;
}

/** Evidence learned for one entry in this run. `newCount` excludes accesses inside the window a file already covers. */
export interface Evidence {
  count: number;
  newCount: number;
  firstSeen: string;
  lastSeen: string;
  distinctAddresses?: number;
}

export interface LearnedTarget {
  kind: LogKind;
  target: string;
  sources: Map<string, Evidence>;
  credentials: Map<string, Evidence>;
  /** Keyed by `pairKey(credential, source)`. */
  pairs: Map<string, Evidence>;
  /** Keyed by `statementEntryKey(database, credential, kind)`; Cloud SQL targets only. */
  statements?: Map<string, LearnedStatement>;
  /** Service-account key ids seen per credential. */
  credentialKeys?: Map<string, Set<string>>;
  /** Cloud Storage: credentials seen listing the bucket (empty: learned, and none listed). */
  listers?: Set<string>;
}

/** What learn saw of one kind of statement a credential ran on a database. */
export interface LearnedStatement extends Evidence {
  database: string;
  credential: string;
  kind: string;
  relations: string[];
  /** Never-routine shapes seen (a nightly COPY … TO a file, say): normal once learned. */
  shapes: { fingerprint: string; statement: string }[];
}

export function statementEntryKey(database: string, credential: string, kind: string): string {
  return `${database}\u0000${credential}\u0000${kind}`;
}

export function pairKey(credential: string, source: string): string {
  return `${credential}\u0000${source}`;
}

export interface MergeSummary {
  file: string;
  created: boolean;
  added: Record<BaselineSection, number>;
  updated: number;
}

/** A file name for a target: readable, portable (no `:`), unique per kind. */
export function baselineFileName(kind: LogKind, target: string): string {
  const slug = target.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 120) || 'target';
  return `${kind}/${slug}.yaml`;
}

function header(kind: LogKind, target: string): string {
  return [
    ` Baseline for ${kind} target ${target} — what is normal for it.`,
    ' Written by `log-audit learn`; edit freely: add owner, reason and expires to any entry,',
    ' add or remove entries. Re-running learn updates evidence and keeps your edits and comments.',
  ].join('\n');
}

/**
 * Merges learned evidence into the baselines in `dir` (creating files for new targets) and writes
 * them. `existing` are the baselines already loaded from `dir`.
 */
export async function writeLearned(dir: string, learned: Iterable<LearnedTarget>, existing: readonly EditableBaseline[]): Promise<MergeSummary[]> {
  const byTarget = new Map(existing.map((b) => [targetKey(b.baseline.kind, b.baseline.target), b]));
  const summaries: MergeSummary[] = [];
  await mkdir(dir, { recursive: true });
  const schemaPath = await writeSchemaFile(dir);
  for (const target of learned) {
    const current = byTarget.get(targetKey(target.kind, target.target));
    const file = current?.file ?? join(dir, baselineFileName(target.kind, target.target));
    const document = current?.document ?? newDocument(target, relative(dirname(file), schemaPath));
    const summary: MergeSummary = { file, created: !current, added: { sources: 0, credentials: 0, pairs: 0, statements: 0 }, updated: 0 };
    mergeSection(document, 'sources', target.sources, (m) => str(m.get('match')), (key) => ({ match: key }), summary);
    mergeSection(document, 'credentials', target.credentials, (m) => str(m.get('match')), (key) => ({ match: key }), summary);
    mergeSection(
      document,
      'pairs',
      target.pairs,
      (m) => pairKey(str(m.get('credential')), str(m.get('source'))),
      (key) => {
        const [credential = '', source = ''] = key.split('\u0000');
        return { credential, source };
      },
      summary,
    );
    if (target.statements && target.statements.size > 0) mergeStatementSection(document, target.statements, summary);
    if (target.credentialKeys && target.credentialKeys.size > 0) mergeCredentialKeys(document, target.credentialKeys, summary);
    if (target.listers) mergeListers(document, target.listers, summary);
    if (summary.created || summary.updated > 0 || Object.values(summary.added).some((n) => n > 0)) {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, document.toString({ lineWidth: 0 }));
      summaries.push(summary);
    }
  }
  return summaries;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function newDocument(target: LearnedTarget, schemaRef: string): Document {
  return newBaselineDocument(target.kind, target.target, schemaRef);
}

/** A new baseline file's document: the editor's schema line, what the file is, and empty sections. */
export function newBaselineDocument(kind: LogKind, target: string, schemaRef: string): Document {
  const document = new Document({ version: 1, kind, target, sources: [], credentials: [], pairs: [] });
  document.commentBefore = ` yaml-language-server: $schema=${schemaRef}\n${header(kind, target)}`;
  return document;
}

/** Writes `baseline.schema.json` into `dir` (what every file's `$schema` line points to); returns its path. */
export async function writeSchemaFile(dir: string): Promise<string> {
  const schemaPath = join(dir, SCHEMA_FILE);
  await writeFile(schemaPath, `${JSON.stringify(baselineJsonSchema(), null, 2)}\n`);
  return schemaPath;
}

function mergeSection(
  document: Document,
  section: BaselineSection,
  learned: Map<string, Evidence>,
  keyOf: (item: YAMLMap) => string,
  identity: (key: string) => Record<string, string>,
  summary: MergeSummary,
): void {
  if (learned.size === 0) return;
  let seq = document.get(section, true) as YAMLSeq | undefined;
  if (!isSeq(seq)) {
    seq = document.createNode([]) as YAMLSeq;
    document.set(section, seq);
  }
  const items = new Map<string, YAMLMap>();
  for (const item of seq.items) if (isMap(item)) items.set(keyOf(item), item);
  for (const key of [...learned.keys()].sort()) {
    const evidence = learned.get(key)!;
    const item = items.get(key);
    if (!item) {
      const entry: Record<string, unknown> = { ...identity(key) };
      if (evidence.distinctAddresses !== undefined) entry['distinctAddresses'] = evidence.distinctAddresses;
      Object.assign(entry, { count: evidence.count, firstSeen: evidence.firstSeen, lastSeen: evidence.lastSeen });
      seq.add(document.createNode(entry));
      summary.added[section]++;
      continue;
    }
    const count = typeof item.get('count') === 'number' ? (item.get('count') as number) : 0;
    const first = str(item.get('firstSeen'));
    const last = str(item.get('lastSeen'));
    const nextFirst = !first || Date.parse(evidence.firstSeen) < Date.parse(first) ? evidence.firstSeen : first;
    const nextLast = !last || Date.parse(evidence.lastSeen) > Date.parse(last) ? evidence.lastSeen : last;
    if (evidence.newCount === 0 && nextFirst === first && nextLast === last) continue;
    item.set('count', count + evidence.newCount);
    item.set('firstSeen', nextFirst);
    item.set('lastSeen', nextLast);
    if (evidence.distinctAddresses !== undefined) item.set('distinctAddresses', Math.max(evidence.distinctAddresses, Number(item.get('distinctAddresses') ?? 0)));
    summary.updated++;
  }
}

/**
 * Merges learned statements: a new database × credential × kind is appended; an existing one gets
 * its evidence updated and any relation or never-routine shape it did not list (analysts' removals
 * of relations are not undone for relations learn does not see again, and nothing else is touched).
 */
function mergeStatementSection(document: Document, learned: Map<string, LearnedStatement>, summary: MergeSummary): void {
  let seq = document.get('statements', true) as YAMLSeq | undefined;
  if (!isSeq(seq)) {
    seq = document.createNode([]) as YAMLSeq;
    document.set('statements', seq);
  }
  const items = new Map<string, YAMLMap>();
  for (const item of seq.items) if (isMap(item)) items.set(statementEntryKey(str(item.get('database')), str(item.get('credential')), str(item.get('kind'))), item);
  for (const key of [...learned.keys()].sort()) {
    const entry = learned.get(key)!;
    const item = items.get(key);
    if (!item) {
      const node: Record<string, unknown> = { database: entry.database, credential: entry.credential, kind: entry.kind, relations: entry.relations };
      if (entry.shapes.length > 0) node['shapes'] = entry.shapes;
      Object.assign(node, { count: entry.count, firstSeen: entry.firstSeen, lastSeen: entry.lastSeen });
      seq.add(document.createNode(node));
      summary.added.statements++;
      continue;
    }
    let changed = false;
    const relations = item.get('relations', true);
    if (isSeq(relations) && appendMissingScalars(document, relations, entry.relations).length > 0) changed = true;
    if (entry.shapes.length > 0) {
      let shapes = item.get('shapes', true) as YAMLSeq | undefined;
      if (!isSeq(shapes)) {
        shapes = document.createNode([]) as YAMLSeq;
        item.set('shapes', shapes);
      }
      const known = new Set(shapes.items.map((s) => (isMap(s) ? str(s.get('fingerprint')) : '')));
      for (const shape of entry.shapes) if (!known.has(shape.fingerprint)) (shapes.add(document.createNode(shape)), (changed = true));
    }
    const count = typeof item.get('count') === 'number' ? (item.get('count') as number) : 0;
    const first = str(item.get('firstSeen'));
    const last = str(item.get('lastSeen'));
    const nextFirst = !first || Date.parse(entry.firstSeen) < Date.parse(first) ? entry.firstSeen : first;
    const nextLast = !last || Date.parse(entry.lastSeen) > Date.parse(last) ? entry.lastSeen : last;
    if (entry.newCount > 0 || nextFirst !== first || nextLast !== last) {
      item.set('count', count + entry.newCount);
      item.set('firstSeen', nextFirst);
      item.set('lastSeen', nextLast);
      changed = true;
    }
    if (changed) summary.updated++;
  }
}

/** Appends to a YAML sequence of scalars the values it lacks, in order; returns how many were added. */
export function appendMissingScalars(document: Document, seq: YAMLSeq, values: Iterable<string>): string[] {
  const known = new Set(seq.items.map((k) => (isScalar(k) ? String(k.value) : '')));
  const added: string[] = [];
  for (const value of values) {
    if (known.has(value)) continue;
    known.add(value);
    seq.add(document.createNode(value));
    added.push(value);
  }
  return added;
}

/** Adds the key ids learned for each credential to its entry's `keys` (an entry learn just created included). */
function mergeCredentialKeys(document: Document, keys: Map<string, Set<string>>, summary: MergeSummary): void {
  const seq = document.get('credentials', true);
  if (!isSeq(seq)) return;
  for (const item of seq.items) {
    if (!isMap(item)) continue;
    const learned = keys.get(str(item.get('match')));
    if (!learned || learned.size === 0) continue;
    if (mergeScalarList(document, item, 'keys', learned)) summary.updated++;
  }
}

/** `listers`: written (possibly empty) once learn has seen the bucket, so enumeration is checked; new listers appended. */
function mergeListers(document: Document, listers: Set<string>, summary: MergeSummary): void {
  if (mergeScalarList(document, document, 'listers', listers)) summary.updated++;
}

/**
 * `key` of `parent` (the document or one of its maps) as a list holding `values` too: written,
 * sorted, when absent (even empty), else the values it lacks appended. True when it changed.
 */
function mergeScalarList(document: Document, parent: Document | YAMLMap, key: string, values: Iterable<string>): boolean {
  const sorted = [...values].sort();
  const current: unknown = parent.get(key, true);
  if (!isSeq(current)) {
    parent.set(key, document.createNode(sorted));
    return true;
  }
  return appendMissingScalars(document, current, sorted).length > 0;
}
