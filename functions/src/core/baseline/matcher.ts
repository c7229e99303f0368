/**
 * A baseline compiled for lookups: does this source / credential / pair count as normal for the
 * target? Entries whose `expires` has passed no longer count.
 */
import { compileGlob, globMatches, type Glob } from './glob.js';
import type { Credential, Source } from '../access-event.js';
import { CidrIndex } from '../ip.js';
import type { BaselineSection, StatementEntry } from './schema.js';
import type { LoadedBaseline } from './store.js';

/** An entry whose `expires` has passed: it no longer counts, and a finding it would have covered says so. */
export interface LapsedEntry {
  section: BaselineSection;
  /** `ip:…`, a credential, or `credential from source` for a pair. */
  match: string;
  expires: string;
  owner?: string;
  reason?: string;
  /** `file:line` of the entry. */
  at: string;
}

/** Matches a source against a list of source match strings (`ip:`, `cidr:`, `gke:` …). */
export class SourceMatcher {
  private readonly exact = new Set<string>();
  private readonly cidrs = new CidrIndex<string>();

  constructor(readonly matches: readonly string[]) {
    for (const match of matches) {
      if (match.startsWith('cidr:')) this.cidrs.add(match.slice(5), match);
      else this.exact.add(match);
    }
  }

  /** The match string that covers `source`, if any. */
  match(source: Source): string | undefined {
    for (const identity of source.identities) if (this.exact.has(identity)) return identity;
    const ip = source.details.ip;
    const range = ip === undefined ? undefined : this.cidrs.find(ip);
    if (range !== undefined) return range;
    for (const identity of source.identities) {
      if (identity.startsWith('cidr:') && this.exact.has(identity)) return identity;
    }
    return undefined;
  }
}

/** Matches a credential key exactly or against `*` globs (`*@example-project.iam.gserviceaccount.com`). */
export class CredentialMatcher {
  private readonly exact = new Set<string>();
  private readonly globs: { match: string; glob: Glob }[] = [];

  constructor(readonly matches: readonly string[]) {
    for (const match of matches) {
      if (match.includes('*')) this.globs.push({ match, glob: compileGlob(match) });
      else this.exact.add(match);
    }
  }

  match(credential: Credential): string | undefined {
    if (this.exact.has(credential.key)) return credential.key;
    return this.globs.find((g) => globMatches(g.glob, credential.key))?.match;
  }
}

function isCurrent(entry: { expires?: string | undefined }, now: number): boolean {
  return entry.expires === undefined || Date.parse(entry.expires) > now;
}

function current<T extends { expires?: string | undefined }>(entries: readonly T[], now: number): T[] {
  return entries.filter((e) => isCurrent(e, now));
}

/** The entries of a baseline that have expired, matchable like current ones. */
class LapsedEntries {
  private readonly sources: SourceMatcher;
  private readonly sourceEntries = new Map<string, LapsedEntry>();
  private readonly credentials: CredentialMatcher;
  private readonly credentialEntries = new Map<string, LapsedEntry>();
  private readonly pairs: { credential: CredentialMatcher; source: SourceMatcher; entry: LapsedEntry }[] = [];

  constructor(loaded: LoadedBaseline, now: number) {
    const b = loaded.baseline;
    const lapsed = (section: BaselineSection, index: number, match: string, e: { expires?: string | undefined; owner?: string | undefined; reason?: string | undefined }): LapsedEntry => {
      const line = loaded.entryLines?.[section][index];
      return { section, match, expires: e.expires!, ...(e.owner ? { owner: e.owner } : {}), ...(e.reason ? { reason: e.reason } : {}), at: line ? `${loaded.file}:${line}` : loaded.file };
    };
    b.sources.forEach((e, i) => {
      if (!isCurrent(e, now) && !this.sourceEntries.has(e.match)) this.sourceEntries.set(e.match, lapsed('sources', i, e.match, e));
    });
    b.credentials.forEach((e, i) => {
      if (!isCurrent(e, now) && !this.credentialEntries.has(e.match)) this.credentialEntries.set(e.match, lapsed('credentials', i, e.match, e));
    });
    b.pairs.forEach((e, i) => {
      if (!isCurrent(e, now)) this.pairs.push({ credential: new CredentialMatcher([e.credential]), source: new SourceMatcher([e.source]), entry: lapsed('pairs', i, `${e.credential} from ${e.source}`, e) });
    });
    this.sources = new SourceMatcher([...this.sourceEntries.keys()]);
    this.credentials = new CredentialMatcher([...this.credentialEntries.keys()]);
  }

  source(source: Source): LapsedEntry | undefined {
    const match = this.sourceEntries.size > 0 ? this.sources.match(source) : undefined;
    return match === undefined ? undefined : this.sourceEntries.get(match);
  }

  credential(credential: Credential): LapsedEntry | undefined {
    const match = this.credentialEntries.size > 0 ? this.credentials.match(credential) : undefined;
    return match === undefined ? undefined : this.credentialEntries.get(match);
  }

  pair(credential: Credential, source: Source): LapsedEntry | undefined {
    return this.pairs.find((p) => p.credential.match(credential) !== undefined && p.source.match(source) !== undefined)?.entry;
  }
}

export class CompiledBaseline {
  readonly sources: SourceMatcher;
  readonly credentials: CredentialMatcher;
  /**
   * The credentials of pair entries, each with its place in file order: exact ones by credential
   * key (one lookup, where a list of a bucket's 400 principals was tried one by one for every new
   * group), globs in a list.
   */
  private readonly pairExact = new Map<string, number>();
  private readonly pairGlobs: { match: string; matcher: CredentialMatcher; index: number }[] = [];
  private readonly pairSources = new Map<string, SourceMatcher>();
  /** Expired entries: what a finding says when one of them would have covered it. */
  readonly lapsed: LapsedEntries;
  /** Current statement entries with their credential matchers; undefined when the file has no statements section. */
  readonly statements: { entry: StatementEntry; credential: CredentialMatcher }[] | undefined;

  constructor(
    readonly loaded: LoadedBaseline,
    now: number,
  ) {
    const b = loaded.baseline;
    this.sources = new SourceMatcher(current(b.sources, now).map((s) => s.match));
    this.credentials = new CredentialMatcher(current(b.credentials, now).map((c) => c.match));
    const bySource = new Map<string, string[]>();
    for (const pair of current(b.pairs, now)) {
      const sources = bySource.get(pair.credential);
      if (sources) sources.push(pair.source);
      else bySource.set(pair.credential, [pair.source]);
    }
    for (const [credential, sources] of bySource) {
      const index = this.pairSources.size;
      if (credential.includes('*')) this.pairGlobs.push({ match: credential, matcher: new CredentialMatcher([credential]), index });
      else this.pairExact.set(credential, index);
      this.pairSources.set(credential, new SourceMatcher(sources));
    }
    this.lapsed = new LapsedEntries(loaded, now);
    this.statements = b.statements ? current(b.statements, now).map((entry) => ({ entry, credential: new CredentialMatcher([entry.credential]) })) : undefined;
  }

  /** Whether this credential normally lists the bucket (undefined: the file does not say, so listing is not checked). */
  isLister(credential: Credential): boolean | undefined {
    const listers = this.loaded.baseline.listers;
    if (listers === undefined) return undefined;
    return (this.listers ??= new CredentialMatcher(listers)).match(credential) !== undefined;
  }

  private listers: CredentialMatcher | undefined;

  /** Key ids the credential's exact entries list, or undefined when none lists keys (nothing to compare with). */
  knownKeys(credential: string): Set<string> | undefined {
    const entries = this.loaded.baseline.credentials.filter((c) => c.match === credential && c.keys !== undefined);
    return entries.length === 0 ? undefined : new Set(entries.flatMap((c) => c.keys!));
  }

  /** The current statement entries that cover this credential (undefined: statements are not checked on this target). */
  statementsOf(credential: Credential): StatementEntry[] | undefined {
    return this.statements?.filter((s) => s.credential.match(credential) !== undefined).map((s) => s.entry);
  }

  get file(): string {
    return this.loaded.file;
  }

  /** The pair entry (as `credential from source`) that covers this credential from this source, if any. */
  matchPair(credential: Credential, source: Source): string | undefined {
    // A credential may match several pair groups (exact and globs): try each.
    for (const credentialMatch of this.pairCredentialMatches(credential)) {
      const sourceMatch = this.pairSources.get(credentialMatch)?.match(source);
      if (sourceMatch) return `${credentialMatch} from ${sourceMatch}`;
    }
    return undefined;
  }

  /** The pair entries' credentials that cover this credential, in file order (exact and globs alike). */
  private pairCredentialMatches(credential: Credential): string[] {
    const globs = this.pairGlobs.length === 0 ? [] : this.pairGlobs.filter((p) => p.matcher.match(credential) !== undefined);
    const exact = this.pairExact.get(credential.key);
    if (exact === undefined) return globs.map((p) => p.match);
    const at = globs.findIndex((p) => p.index > exact);
    const matches = globs.map((p) => p.match);
    matches.splice(at < 0 ? matches.length : at, 0, credential.key);
    return matches;
  }

  /** Known sources nearest to `key` (longest shared prefix), for "why is this unusual". */
  nearestSources(key: string, n = 3): string[] {
    return nearest(this.sources.matches, key, n);
  }

  nearestCredentials(key: string, n = 3): string[] {
    return nearest(this.credentials.matches, key, n);
  }

  /** Sources this credential is known from. */
  pairSourcesOf(credential: Credential, n = 3): string[] {
    return this.pairCredentialMatches(credential).flatMap((m) => this.pairSources.get(m)?.matches ?? []).slice(0, n);
  }
}

function nearest(candidates: readonly string[], key: string, n: number): string[] {
  const shared = (a: string) => {
    let i = 0;
    while (i < a.length && i < key.length && a[i] === key[i]) i++;
    return i;
  };
  return [...candidates].sort((a, b) => shared(b) - shared(a) || (a < b ? -1 : a > b ? 1 : 0)).slice(0, n);
}
