import { describe, expect, it } from 'vitest';
import { rng } from '../../../examples/scenario.js';
import { parseStrictDate, strictDateProblem } from '../../../functions/src/core/baseline/dates.js';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('parseStrictDate', () => {
  it('agrees with Date.parse on 20,000 random RFC 3339 timestamps, offsets and fractions included', () => {
    const next = rng(20_261_203);
    const pick = (n: number) => Math.floor(next() * n);
    for (let i = 0; i < 20_000; i++) {
      // Years 100-9999 (Date.parse reads both forms the same there), days 1-31 (some not on the calendar).
      const year = 100 + pick(9900);
      const [month, day, hour, minute, second] = [1 + pick(12), 1 + pick(31), pick(24), pick(60), pick(60)];
      const fraction = ['', '.5', '.123', '.1234567', '.999999999'][pick(5)]!;
      const offset = ['Z', 'z', '+00:00', '-00:00', `+${pad(pick(24), 2)}:${pad(pick(60), 2)}`, `-${pad(pick(24), 2)}:${pad(pick(60), 2)}`][pick(6)]!;
      const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}${next() < 0.5 ? 'T' : 't'}${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction}${offset}`;
      const oracle = Date.parse(text.replace(/^(.{10})t/, '$1T').replace(/z$/, 'Z'));
      // Date.parse rolls days past the month's end over (2027-02-30 → March 2); the strict parse refuses them.
      const onCalendar = new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
      expect(parseStrictDate(text), text).toBe(onCalendar && !Number.isNaN(oracle) ? oracle : undefined);
    }
  });

  it('agrees with Date.parse on calendar dates, as 00:00 UTC that day, leap years included', () => {
    for (const text of ['2024-02-29', '2000-02-29', '1970-01-01', '1969-12-31', '2027-12-31', '0100-03-01', '9999-12-31']) {
      expect(parseStrictDate(text), text).toBe(Date.parse(`${text}T00:00:00Z`));
    }
  });

  it('reads years 0000-0099 as written, not as 1900-1999', () => {
    expect(parseStrictDate('0050-01-01')).toBe(Date.parse('0050-01-01T00:00:00Z'));
    expect(new Date(parseStrictDate('0001-06-15T12:00:00Z')!).toISOString()).toBe('0001-06-15T12:00:00.000Z');
  });

  it.each(['2023-02-29', '1900-02-29', '2027-04-31', '2027-13-01', '2027-00-10', '2027-01-00', '2027-01-31T24:00:00Z', '2027-01-31T23:60:00Z', '2016-12-31T23:59:60Z', '2027-01-31T12:00:00+24:00', '2027-01-31T12:00:00+01:60'])(
    'refuses %s, which is not an instant on the calendar',
    (text) => {
      expect(parseStrictDate(text)).toBeUndefined();
      expect(strictDateProblem(text)).toMatch(/is not a date on the calendar/);
    },
  );

  it.each(['December 5', '12', '2027-1-31', '2027-01-31 12:00:00Z', '2027-01-31T12:00Z', '2027-01-31T12:00:00', ''])('refuses %j, which is neither form', (text) => {
    expect(parseStrictDate(text)).toBeUndefined();
    expect(strictDateProblem(text)).toMatch(/must be YYYY-MM-DD or an RFC 3339 timestamp/);
  });
});
