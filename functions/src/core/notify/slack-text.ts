/**
 * Log-derived values are attacker-controlled. Before any of them reaches Slack mrkdwn: hidden
 * characters are shown as escapes (core/text/visible.ts), then `&`, `<` and `>` are escaped (so
 * `<!channel>`, `<@U…>` and `<https://evil|text>` render as text), backticks are kept out of our
 * code spans, and the value is cut by code points to a budget counted after all of that, with a
 * marker. https://api.slack.com/reference/surfaces/formatting#escaping
 */
import { fit, visibleCodePoint } from '../text/visible.js';

export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Our own text (no log values, or values already rendered) cut by code points, with a marker. */
export function truncate(text: string, max: number): string {
  return fit(text, max, (ch) => ch);
}

const renderValue = (ch: string) => escapeMrkdwn(visibleCodePoint(ch));
/** A backtick inside would end the code span, so it becomes ˋ. */
const renderCode = (ch: string) => (ch === '`' ? 'ˋ' : renderValue(ch));

/** A log value for running text: hidden characters shown, escaped, at most `max` characters as sent. */
export function value(text: string, max = 120): string {
  return fit(text, max, renderValue);
}

/** A log value as inline code, at most `max` characters inside the backticks as sent. */
export function code(text: string, max = 120): string {
  return `\`${fit(text, max, renderCode)}\``;
}
