/**
 * Log-derived values are attacker-controlled. Before any of them reaches Slack mrkdwn: escape `&`,
 * then `<`, then `>` (so `<!channel>`, `<@U…>` and `<https://evil|text>` render as text), keep them
 * out of our own markup (no backticks inside code spans), and truncate with a visible marker.
 * https://api.slack.com/reference/surfaces/formatting#escaping
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Truncates to `max` characters with a marker saying how much was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  // Size the marker for the worst case, so the result never exceeds `max`.
  const keep = Math.max(0, max - `…[+${text.length} chars]`.length);
  return `${text.slice(0, keep)}…[+${text.length - keep} chars]`;
}

/** Line breaks and other control characters would break our layout: shown as a space. */
function flatten(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');
}

/** A log value for running text: flattened, truncated, escaped. */
export function value(text: string, max = 120): string {
  return escapeMrkdwn(truncate(flatten(text), max));
}

/** A log value as inline code. A backtick inside would end the code span, so it becomes ˋ. */
export function code(text: string, max = 120): string {
  return `\`${value(text.replace(/`/g, 'ˋ'), max)}\``;
}
