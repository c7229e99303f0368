/**
 * Timestamps read from their bytes give Date.parse's value whenever they give one, and give one for
 * the forms Cloud Logging writes — also when consecutive timestamps change hour, day or year (the
 * parsed hour is cached between calls).
 */
import { describe, expect, it } from 'vitest';
import { rfc3339Ms } from '../../../functions/src/core/parse/timestamp-bytes.js';
import { rng } from '../../../examples/scenario.js';

/** rfc3339Ms of `text` as a span inside a larger buffer. */
function read(text: string): number {
  const buf = Buffer.from(`"${text}"`, 'utf8');
  return rfc3339Ms(buf, 1, buf.length - 1);
}

describe('RFC 3339 timestamps from bytes', () => {
  it('read the forms Cloud Logging writes exactly as Date.parse does, across hour, day and year changes', () => {
    const r = rng(3);
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    for (let i = 0; i < 5_000; i++) {
      const year = 1999 + Math.floor(r() * 30);
      const month = 1 + Math.floor(r() * 12);
      const day = 1 + Math.floor(r() * 28);
      const fraction = Math.floor(r() * 10); // 0 to 9 digits
      const digits = Array.from({ length: fraction }, () => Math.floor(r() * 10)).join('');
      const text = `${year}-${pad(month)}-${pad(day)}T${pad(Math.floor(r() * 24))}:${pad(Math.floor(r() * 60))}:${pad(Math.floor(r() * 60))}${fraction > 0 ? `.${digits}` : ''}Z`;
      expect(read(text), text).toBe(Date.parse(text));
      // The same hour again, another minute: the cached hour is reused.
      const again = `${text.slice(0, 14)}${pad(Math.floor(r() * 60))}${text.slice(16)}`;
      expect(read(again), again).toBe(Date.parse(again));
    }
    expect(read('2024-02-29T23:59:59.999999999Z')).toBe(Date.parse('2024-02-29T23:59:59.999999999Z'));
  });

  it('gives NaN, never a different value, for anything else (the caller then asks Date.parse)', () => {
    const others = [
      '2023-02-29T10:00:00Z', // no such day
      '2026-04-31T10:00:00Z',
      '2026-13-01T10:00:00Z',
      '2026-11-24T24:00:00Z',
      '2026-11-24T10:60:00Z',
      '2026-11-24T10:00:60Z',
      '2026-11-24T10:00:00.Z',
      '2026-11-24T10:00:00.1x2Z',
      '2026-11-24T10:00:00',
      '2026-11-24T10:00:00+01:00',
      '2026-11-24 10:00:00Z',
      '2026-11-24t10:00:00Z',
      '2026-1l-24T10:00:00Z',
      '२०२६-11-24T10:00:00Z', // digits of another script
      '',
      'Z',
    ];
    // Not one of these is read from bytes: each needs Date.parse's rules.
    expect(others.filter((text) => !Number.isNaN(read(text)))).toEqual([]);
  });
});
