/**
 * Log-derived text is attacker-controlled: before it reaches a terminal, control characters
 * (ANSI escapes, carriage returns that overwrite lines, bidi overrides) are shown as escapes.
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

export function terminalSafe(text: string, max = 300): string {
  const clipped = text.length > max ? `${text.slice(0, max)}…` : text;
  return clipped.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/\n/g, '\\n');
}
