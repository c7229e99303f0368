/**
 * Dates in baselines and on the command line: a calendar date (`2027-01-31`, meaning 00:00 UTC that
 * day) or an RFC 3339 timestamp (`2027-01-31T18:00:00Z`, `…+02:00`). Nothing else: `Date.parse`
 * accepts `2027-02-30` (as March 2), `December 5` (as 2001) and `12` (as the year 2012), and an
 * `expires` read that way silently ends or extends what counts as normal.
 */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

export const DATE_FORMS = 'YYYY-MM-DD or an RFC 3339 timestamp such as 2027-01-31T18:00:00Z';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

/**
 * Days from 1970-01-01 to a day of the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
 * Arithmetic, not `Date.UTC` (which reads years 0-99 as 1900-1999) nor `Date.parse` (a baseline of
 * 27,000 entries has ~80,000 dates: parsing them through strings and Date objects took ~90 ms).
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}

const DAY_MS = 86_400_000;

/** Milliseconds since the epoch, or undefined when `text` is not a real date in one of the two forms. */
export function parseStrictDate(text: string): number | undefined {
  const date = DATE.exec(text);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    return validDay(year, month, day) ? daysFromCivil(year, month, day) * DAY_MS : undefined;
  }
  const ts = TIMESTAMP.exec(text);
  if (!ts) return undefined;
  const year = Number(ts[1]);
  const month = Number(ts[2]);
  const day = Number(ts[3]);
  const hour = Number(ts[4]);
  const minute = Number(ts[5]);
  const second = Number(ts[6]);
  // A leap second (:60) is RFC 3339 but no instant in epoch milliseconds: refused, as Date.parse does.
  if (!validDay(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (ts[9] !== undefined) {
    const offsetHours = Number(ts[9]);
    const offsetMins = Number(ts[10]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (ts[8]!.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  // Fractions finer than a millisecond are cut off, as Date.parse does.
  const ms = ts[7] === undefined ? 0 : Number(ts[7].slice(1, 4).padEnd(3, '0'));
  return daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + ms;
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
