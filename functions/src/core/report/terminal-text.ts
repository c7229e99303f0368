/**
 * Log-derived text before it reaches a terminal: hidden characters (ANSI escapes, carriage returns
 * that overwrite lines, zero-width and bidi characters) are shown as escapes, and the value is cut
 * by code points with a marker (core/text/visible.ts). The CLI's writers add terminalGuard over
 * everything as a last line of defence.
 */
import { fit } from '../text/visible.js';

export function terminalSafe(text: string, max = 300): string {
  return fit(text, max);
}
