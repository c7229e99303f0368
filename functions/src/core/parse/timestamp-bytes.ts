/**
 * RFC 3339 timestamps read from their bytes (`YYYY-MM-DDTHH:MM:SS[.fraction]Z`, the form Cloud
 * Logging writes) without a string or Date.parse: the fast path reads one or two per line. Anything
 * else gives NaN, and the caller asks Date.parse.
 */
import { viewOf } from './bytes.js';

/**
 * The hour (`YYYY-MM-DDTHH:`, 14 bytes) of the last timestamp read, as three words to compare (bytes
 * 0–7, 8–11, 12–13), and its ms (NaN before the first): an export spans about one hour.
 */
const cachedHour = new DataView(new ArrayBuffer(14));
let cachedHourMs = Number.NaN;

function digit(buf: Buffer, i: number): number {
  const x = buf[i]! - 48;
  return x >= 0 && x <= 9 ? x : NaN;
}

/** ms of the hour `YYYY-MM-DDTHH` whose bytes start at `s`, or NaN for an invalid date (Date.parse decides those). */
function hourMs(buf: Buffer, s: number): number {
  if (buf[s + 4] !== 45 || buf[s + 7] !== 45 || buf[s + 10] !== 84) return NaN;
  const year = digit(buf, s) * 1000 + digit(buf, s + 1) * 100 + digit(buf, s + 2) * 10 + digit(buf, s + 3);
  const month = digit(buf, s + 5) * 10 + digit(buf, s + 6);
  const day = digit(buf, s + 8) * 10 + digit(buf, s + 9);
  const hour = digit(buf, s + 11) * 10 + digit(buf, s + 12);
  if (!(month >= 1 && month <= 12 && day >= 1 && hour >= 0 && hour <= 23)) return NaN;
  // Date.UTC rolls over impossible dates (Feb 30); Date.parse rejects them: leave those to it.
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > (month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31)) return NaN;
  return Date.UTC(year, month - 1, day, hour);
}

function inCachedHour(buf: Buffer, s: number): boolean {
  if (Number.isNaN(cachedHourMs)) return false;
  // Two doubles compare equal only when their bits are (a NaN never does: the hour is then recomputed).
  const view = viewOf(buf);
  return view.getFloat64(s, true) === cachedHour.getFloat64(0, true) && view.getUint32(s + 8, true) === cachedHour.getUint32(8, true) && view.getUint16(s + 12, true) === cachedHour.getUint16(12, true);
}

/**
 * The bytes [s, e) as `YYYY-MM-DDTHH:MM:SS[.fraction]Z` → ms, without a string or Date.parse (the
 * hot path); NaN for any other shape. Every byte is checked, so only ASCII text is accepted.
 */
export function rfc3339Ms(buf: Buffer, s: number, e: number): number {
  const n = e - s;
  if (n < 20 || buf[e - 1] !== 90 || buf[s + 13] !== 58 || buf[s + 16] !== 58) return NaN;
  let base: number;
  if (inCachedHour(buf, s)) base = cachedHourMs;
  else {
    base = hourMs(buf, s);
    if (Number.isNaN(base)) return NaN;
    for (let k = 0; k < 14; k++) cachedHour.setUint8(k, buf[s + k]!);
    cachedHourMs = base;
  }
  const minute = digit(buf, s + 14) * 10 + digit(buf, s + 15);
  const second = digit(buf, s + 17) * 10 + digit(buf, s + 18);
  if (!(minute <= 59 && second <= 59)) return NaN;
  let ms = 0;
  if (n > 20) {
    if (buf[s + 19] !== 46 || n === 21) return NaN;
    for (let i = 20; i < n - 1; i++) {
      const x = digit(buf, s + i);
      if (Number.isNaN(x)) return NaN;
      if (i < 23) ms += x * (i === 20 ? 100 : i === 21 ? 10 : 1);
    }
  } else if (buf[s + 19] !== 90) return NaN;
  return base + minute * 60_000 + second * 1000 + ms;
}
