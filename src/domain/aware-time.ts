import { PeakformError } from './errors.ts';

/** An instant as a client sent it: UTC epoch milliseconds and the offset it was written in. */
export interface AwareInstant {
  epochMs: number;
  offsetS: number;
}

const PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|([+-])(\d{2}):?(\d{2})?)?$/;

/**
 * Reads an offset-aware ISO 8601 date-time (`Z` or `±HH:MM`, fractions kept to the millisecond).
 * A naive one is refused with 422 (WIRE.md §1.4): without an offset its instant is unknown.
 */
export function parseAwareTimestamp(text: string, field: string): AwareInstant {
  const match = PATTERN.exec(text);
  if (!match) {
    throw new PeakformError(
      'ERR_TIMESTAMP_INVALID',
      `${field} "${text}" is not an ISO 8601 date-time; send e.g. 2026-05-18T17:32:00+02:00.`,
      422,
    );
  }
  const [, y, mo, d, h, mi, s = '0', fraction = '', zone, sign, oh = '0', om = '0'] = match;
  if (zone === undefined) {
    throw new PeakformError(
      'ERR_TIMESTAMP_NAIVE',
      `${field} "${text}" has no offset; add one (Z or ±HH:MM), e.g. ${text}+00:00.`,
    );
  }
  const offsetS =
    zone.toUpperCase() === 'Z' ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60);
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(local);
  if (
    Number.isNaN(local) ||
    check.getUTCDate() !== Number(d) ||
    check.getUTCHours() !== Number(h) ||
    Number(mi) > 59 ||
    Number(s) > 59 ||
    Math.abs(offsetS) > 18 * 3600
  ) {
    throw new PeakformError('ERR_TIMESTAMP_INVALID', `${field} "${text}" is not a real date-time.`, 422);
  }
  return { epochMs: local - offsetS * 1000, offsetS };
}

/** UTC epoch ms → ISO 8601 with Z; milliseconds only when there are any. */
export function isoUtcMs(epochMs: number): string {
  const text = new Date(epochMs).toISOString();
  return text.endsWith('.000Z') ? text.replace('.000Z', 'Z') : text;
}

/** UTC epoch ms shifted by an offset → naive wall-clock time (milliseconds only when there are any). */
export function isoLocalMs(epochMs: number, offsetS: number): string {
  return isoUtcMs(epochMs + offsetS * 1000).slice(0, -1);
}
