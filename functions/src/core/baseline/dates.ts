/**
 * Dates in baselines and on the command line: a calendar date (`2027-01-31`, meaning 00:00 UTC that
 * day) or an RFC 3339 timestamp (`2027-01-31T18:00:00Z`, `…+02:00`). Nothing else: `Date.parse`
 * accepts `2027-02-30` (as March 2), `December 5` (as 2001) and `12` (as the year 2012), and an
 * `expires` read that way silently ends or extends what counts as normal.
 */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

export const DATE_FORMS = 'YYYY-MM-DD or an RFC 3339 timestamp such as 2027-01-31T18:00:00Z';

function validDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Milliseconds since the epoch, or undefined when `text` is not a real date in one of the two forms. */
export function parseStrictDate(text: string): number | undefined {
  const date = DATE.exec(text);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    return validDay(year, month, day) ? Date.UTC(year, month - 1, day) : undefined;
  }
  const ts = TIMESTAMP.exec(text);
  if (!ts) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(ts[i]));
  if (!validDay(year!, month!, day!) || hour! > 23 || minute! > 59 || second! > 60) return undefined;
  if (ts[9] !== undefined && (Number(ts[9]) > 23 || Number(ts[10]) > 59)) return undefined;
  const ms = Date.parse(text.replace(/^(.{10})t/, '$1T').replace(/z$/, 'Z'));
  return Number.isNaN(ms) ? undefined : ms;
}

/** Why `text` is not a date we accept, or undefined. */
export function strictDateProblem(text: string): string | undefined {
  if (parseStrictDate(text) !== undefined) return undefined;
  const shape = DATE.test(text) || TIMESTAMP.test(text);
  return shape ? `${JSON.stringify(text.slice(0, 40))} is not a date on the calendar` : `must be ${DATE_FORMS} (got ${JSON.stringify(text.slice(0, 40))})`;
}

/** `2027-01-31` for a whole-day UTC date, else the ISO timestamp: how an expiry is shown. */
export function showDate(text: string): string {
  const ms = parseStrictDate(text);
  if (ms === undefined) return text;
  const iso = new Date(ms).toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}
