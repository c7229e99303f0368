/**
 * The one place that decides how log-derived text is shown to a person (Slack, terminal, JSON on a
 * terminal). Log values are attacker-controlled, so:
 *
 * - Characters that do not show as themselves are shown as escapes: C0/C1 controls (ANSI escape
 *   sequences, carriage returns that overwrite a line, U+0085), format characters (zero-width space
 *   and joiners U+200B–U+200D, U+2060, U+FEFF, bidi embeddings, overrides and isolates
 *   U+202A–U+202E, U+2066–U+2069, marks, tags), line and paragraph separators, Hangul fillers, and
 *   lone surrogates. So `db-user:app\u200b` never looks like the known `db-user:app`.
 * - Text is cut by code points, never inside a surrogate pair, and after rendering: the budget is
 *   what the reader's channel receives (escapes, entities), with a marker saying how much was cut.
 */

/** Controls, format characters, separators, fillers, surrogates (lone ones: paired ones are one code point). */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\u115f\u1160\u3164\uffa0]/u;
const HIDDEN_ALL = new RegExp(HIDDEN.source, 'gu');

/** One code point as the reader sees it: itself, or an escape such as `\n`, `\u202e`, `\u{e0041}`. */
export function visibleCodePoint(ch: string): string {
  if (!HIDDEN.test(ch)) return ch;
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  const cp = ch.codePointAt(0)!;
  return cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`;
}

/** Every hidden character of `text` shown as an escape (no length limit). */
export function visible(text: string): string {
  return text.replace(HIDDEN_ALL, visibleCodePoint);
}

/** True when `text` holds a character that would not show as itself. */
export function hasHidden(text: string): boolean {
  return HIDDEN.test(text);
}

/** The marker that ends a cut value: how many code points were left out. */
export function cutMarker(omitted: number): string {
  return `…[+${omitted} chars]`;
}

/**
 * `text` rendered code point by code point (`render` returns what the channel receives for it:
 * escapes, entities), cut so the result is at most `max` UTF-16 units including the marker. A
 * rendered code point is never split, so no escape, entity or surrogate pair is cut in half.
 */
export function fit(text: string, max: number, render: (ch: string) => string = visibleCodePoint): string {
  const pieces: string[] = [];
  let length = 0;
  let index = 0;
  let total = 0;
  let overflowed = false;
  for (const ch of text) {
    total++;
    if (overflowed) continue;
    const piece = render(ch);
    if (length + piece.length > max) {
      overflowed = true;
      continue;
    }
    pieces.push(piece);
    length += piece.length;
    index++;
  }
  if (!overflowed) return pieces.join('');
  // Give back pieces until the marker fits too (the omitted count grows as pieces go back).
  while (pieces.length > 0 && length + cutMarker(total - index).length > max) {
    length -= pieces.pop()!.length;
    index--;
  }
  return `${pieces.join('')}${cutMarker(total - index)}`.slice(0, Math.max(max, 0));
}

/**
 * The last line of defence for a terminal: every hidden character but the line break is escaped in
 * whatever the CLI writes, whoever built it, as `\uXXXX` per UTF-16 unit — so valid JSON stays valid
 * JSON (the same escape, inside a string) and text shows the escape.
 */
export function terminalGuard(text: string): string {
  return text.replace(HIDDEN_ALL, (ch) => {
    if (ch === '\n') return ch;
    let out = '';
    for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}
