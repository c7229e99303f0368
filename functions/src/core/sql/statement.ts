/**
 * A SQL statement as a Cloud SQL audit log carries it (pgAudit's `statement`, MySQL audit's
 * `query`): what a group keeps of it during a scan, before the real parsers (analyze.ts) give its
 * shape and relations at the end of the batch. Nothing here parses SQL: the kind comes from the log
 * (pgAudit `auditClass` + `command`; MySQL `cmd` + the statement's first keyword), and `preKey` only
 * folds what obviously cannot matter (literals, whitespace, case) so that a million executions of
 * one parameterized query keep one sample, not a million.
 */

export type SqlDialect = 'postgres' | 'mysql';

/** What an access event carries about its statement. */
export interface StatementInfo {
  dialect: SqlDialect;
  /** The database the statement ran in (`*` when the log does not say). */
  database: string;
  /** `READ SELECT`, `WRITE COPY`, `ROLE CREATE ROLE` (pgAudit); `QUERY SELECT`, `QUERY LOAD` (MySQL). */
  kind: string;
  /** The statement text, as logged (a pgAudit chunk's part, see `chunk`), at most MAX_STATEMENT_CHARS. */
  text: string;
  /** Relations the log itself names (pgAudit OBJECT audit: `object`), fully qualified. */
  objects?: string[];
  /**
   * pgAudit splits long statements into chunks: `key` names the statement (session, statement and
   * sub-statement ids), `index` is 1-based. Chunks after the first are parts, not accesses.
   */
  chunk?: { key: string; index: number; count: number };
}

/** Statement text kept per sample: long enough for any shape an analyst reads, bounded for memory. */
export const MAX_STATEMENT_CHARS = 16 * 1024;

/**
 * The statement's first keyword, upper-cased (after comments and parentheses): MySQL audit entries
 * carry only `cmd` (`query`), so this is their statement kind. Not a grammar: a keyword, which a
 * statement the parser rejects still has.
 */
export function commandKeyword(text: string): string {
  const match = /^(?:\s|\(|\/\*[\s\S]*?\*\/|--[^\n]*\n|#[^\n]*\n)*([A-Za-z]+)/.exec(text);
  return match ? match[1]!.toUpperCase() : '?';
}

/**
 * A cheap key under which statements that differ only in literals, whitespace and case fall together
 * (number and string literals become `?`, runs of `?` in lists one `?`). Only for bounding the
 * samples a group keeps: the shape shown and compared comes from the real parser.
 */
export function preKey(text: string): string {
  return text
    .replace(/'(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|\$\$[\s\S]*?\$\$|\b\d+(?:\.\d+)?\b/g, '?')
    .replace(/\?(?:\s*,\s*\?)+/g, '?')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase()
    .slice(0, 2048);
}

/**
 * Words that may begin a statement that is never routine (statements.ts decides with the parser's
 * tree). A statement containing none of them cannot be one, so it is not kept apart.
 */
export const NEVER_ROUTINE_HINT = /\b(?:program|copy|pg_read_file|pg_read_binary_file|lo_export|lo_import|alter\s+system|superuser|public|outfile|dumpfile|infile|general_log)\b/i;
