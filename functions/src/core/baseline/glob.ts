/**
 * `*` globs for credentials (`*@example-project.iam.gserviceaccount.com`), matched without a regular
 * expression. A glob compiled to `^.*a.*a.*a…!$` backtracks: `*a*a*a*a*a*a*a*a*a*a*a*a*!` against a
 * 40-character name of `a`s took minutes. Here the literal pieces between stars are found left to
 * right, each with one forward search from where the last one ended, never going back: for `*`
 * alone, the leftmost match of each piece is always a correct choice, so the work is bounded by
 * (pieces × name length) character compares at worst, and is usually one pass.
 */
export interface Glob {
  /** The literal text before the first `*`, between stars, and after the last. */
  readonly pieces: readonly string[];
}

export function compileGlob(pattern: string): Glob {
  return { pieces: pattern.split('*') };
}

export function globMatches(glob: Glob, text: string): boolean {
  const { pieces } = glob;
  if (pieces.length === 1) return text === pieces[0];
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i]!;
    if (piece === '') continue;
    const found = text.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}
