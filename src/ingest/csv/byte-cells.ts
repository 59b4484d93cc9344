/**
 * Readers of the common CSV cell shapes straight from UTF-8 bytes, with no string per cell. Each
 * gives exactly what the string path gives (`parseIsoTime`, `Number`) for the shapes it accepts
 * and declines everything else, so that a caller can fall back to the string path for that cell.
 */

const DIGIT_0 = 0x30;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const COLON = 0x3a;
const UPPER_T = 0x54;
const UPPER_Z = 0x5a;

/**
 * Decimal significands up to this many digits are below 2^53, so `significand / 10^k` is one
 * correctly rounded division: the same double as `Number` gives for the text.
 */
const MAX_EXACT_DIGITS = 15;
const POWERS_OF_TEN = Array.from({ length: MAX_EXACT_DIGITS + 1 }, (_, k) => 10 ** k);

/** The value of the digit at `at`, or a negative number when it is no digit. */
function digitAt(bytes: Uint8Array, at: number): number {
  return bytes[at]! - DIGIT_0;
}

/** Two digits at `at` as a number, or NaN. */
function twoDigits(bytes: Uint8Array, at: number): number {
  const high = digitAt(bytes, at);
  const low = digitAt(bytes, at + 1);
  return high >= 0 && high <= 9 && low >= 0 && low <= 9 ? high * 10 + low : Number.NaN;
}

/**
 * `Number(text)` for `-?\d+(\.\d+)?` with at most MAX_EXACT_DIGITS digits in
 * bytes[start, end); null for any other text (the caller reads it as a string).
 */
export function readDecimal(bytes: Uint8Array, start: number, end: number): number | null {
  let at = start;
  const negative = bytes[at] === MINUS;
  if (negative) at++;
  let significand = 0;
  let digits = 0;
  let fractionDigits = -1;
  for (; at < end; at++) {
    const digit = digitAt(bytes, at);
    if (digit >= 0 && digit <= 9) {
      significand = significand * 10 + digit;
      digits++;
      if (fractionDigits >= 0) fractionDigits++;
    } else if (bytes[at] === DOT && fractionDigits < 0 && digits > 0) {
      fractionDigits = 0;
    } else return null;
  }
  if (digits === 0 || digits > MAX_EXACT_DIGITS || fractionDigits === 0) return null;
  const value = fractionDigits > 0 ? significand / POWERS_OF_TEN[fractionDigits]! : significand;
  return negative ? -value : value;
}

/** What `parseIsoTime` gives for a timestamp the byte reader accepts (its `isZulu` is not needed here). */
export interface ByteTime {
  epochS: number;
  offsetS: number;
}

/** Length of `YYYY-MM-DDTHH:MM:SS`. */
const SECONDS_END = 19;

/**
 * `parseIsoTime` for the shapes devices and exporters write: `YYYY-MM-DDTHH:MM:SS`, an optional
 * fraction of at most MAX_EXACT_DIGITS digits, then `Z` or `±HH:MM`, filling `out`. Returns false
 * for anything else (other shapes, out-of-range fields, surrounding spaces), which the caller
 * reads with `parseIsoTime`. The day's epoch second is remembered, so `Date.UTC` runs only when
 * the date changes.
 */
export class ByteTimeReader {
  #dateKey = -1;
  #dayS = 0;

  read(bytes: Uint8Array, start: number, end: number, out: ByteTime): boolean {
    if (end - start < SECONDS_END + 1) return false;
    const century = twoDigits(bytes, start);
    const yearInCentury = twoDigits(bytes, start + 2);
    const month = twoDigits(bytes, start + 5);
    const day = twoDigits(bytes, start + 8);
    const hour = twoDigits(bytes, start + 11);
    const minute = twoDigits(bytes, start + 14);
    const second = twoDigits(bytes, start + 17);
    if (
      bytes[start + 4] !== MINUS ||
      bytes[start + 7] !== MINUS ||
      bytes[start + 10] !== UPPER_T ||
      bytes[start + 13] !== COLON ||
      bytes[start + 16] !== COLON ||
      // NaN fails every comparison, so a non-digit also ends here.
      !(century >= 0 && yearInCentury >= 0) ||
      !(month >= 1 && month <= 12 && day >= 1 && day <= 31) ||
      !(hour <= 23 && minute <= 59 && second <= 60)
    )
      return false;

    let at = start + SECONDS_END;
    // As parseIsoTime adds Number(fraction), or 0 without one.
    let fraction = 0;
    if (bytes[at] === DOT) {
      let significand = 0;
      let digits = 0;
      for (at++; at < end; at++) {
        const digit = digitAt(bytes, at);
        if (digit < 0 || digit > 9) break;
        significand = significand * 10 + digit;
        digits++;
      }
      if (digits === 0 || digits > MAX_EXACT_DIGITS) return false;
      fraction = significand / POWERS_OF_TEN[digits]!;
    }

    let offsetS: number;
    if (bytes[at] === UPPER_Z && at + 1 === end) offsetS = 0;
    else {
      const sign = bytes[at];
      if ((sign !== PLUS && sign !== MINUS) || at + 6 !== end || bytes[at + 3] !== COLON) return false;
      const offsetHours = twoDigits(bytes, at + 1);
      const offsetMinutes = twoDigits(bytes, at + 4);
      if (!(offsetHours <= 18 && offsetMinutes <= 59)) return false;
      // The same expression as parseIsoTime, so that `-00:00` is -0 there and here.
      offsetS = (sign === MINUS ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
    }

    const dateKey = ((century * 100 + yearInCentury) * 100 + month) * 100 + day;
    if (dateKey !== this.#dateKey) {
      this.#dayS = Date.UTC(century * 100 + yearInCentury, month - 1, day) / 1000;
      this.#dateKey = dateKey;
    }
    // Date.UTC(y, m, d, h, mi, s) is the day's milliseconds plus the time's, both exact integers.
    const localS = this.#dayS + (hour * 3600 + minute * 60 + second) + fraction;
    out.epochS = localS - offsetS;
    out.offsetS = offsetS;
    return true;
  }
}
