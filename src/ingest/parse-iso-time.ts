export interface IsoTime {
  /** UTC epoch seconds, fractional when the string has fractions. */
  epochS: number;
  /** The string's offset from UTC in seconds: 0 for `Z`, null when it names no zone at all. */
  offsetS: number | null;
  /** True when the zone was written as `Z` rather than as a numeric offset. */
  isZulu: boolean;
}

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/**
 * Parses an ISO 8601 date-time (`2024-05-10T08:10:46Z`, `…+02:00`, `….250-0500`, or naive
 * `2024-05-10T08:10:46`). Hand-rolled rather than `Date.parse`, which reads a naive string as
 * local time of the server and accepts many non-ISO shapes. Returns null for anything else.
 */
export function parseIsoTime(text: string): IsoTime | null {
  const m = ISO_8601.exec(text.trim());
  if (!m) return null;
  const [, year, month, day, hour, minute, second = '0', fraction = '', zulu, sign, offH, offM = '0'] = m;
  const mo = Number(month);
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  let offsetS: number | null = null;
  if (zulu) offsetS = 0;
  else if (sign) {
    const oh = Number(offH);
    const om = Number(offM);
    if (oh > 18 || om > 59) return null;
    offsetS = (sign === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const localS = Date.UTC(Number(year), mo - 1, d, h, mi, s) / 1000 + (fraction ? Number(fraction) : 0);
  return { epochS: localS - (offsetS ?? 0), offsetS, isZulu: Boolean(zulu) };
}
