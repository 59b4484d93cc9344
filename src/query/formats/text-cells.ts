import type { ColumnType, ResultColumn } from '../../store/column-batch.ts';

/**
 * The text writers' view of one column of one batch, built once per batch: `cell(row)` gives the
 * value's text, or undefined for NULL. Raw buffers and dictionary codes are read directly where
 * the column carries them (no JS value per row), and every other column's values are read once.
 */
export type Cell = (row: number) => string | undefined;

/**
 * Text for every non-null value of `column`: `encode(value)` for values (strings, numbers, Dates
 * and bigints as the database converts them), applied once per distinct string of a coded column;
 * instants come through `instant` from milliseconds since the epoch.
 */
export function cellsOf(
  column: ResultColumn,
  rowCount: number,
  encode: (value: unknown) => string,
  instant: ((ms: number) => string) | undefined,
): Cell {
  const codes = column.codes;
  if (codes && rowCount > 0) {
    const texts = codes.dictionary.map((text) => encode(text));
    const { indexes, validity } = codes;
    return (row) => (validity && !present(validity, row) ? undefined : texts[indexes[row]!]);
  }
  const raw = column.raw;
  if (raw && instant && raw.data instanceof BigInt64Array) {
    // Microseconds as two 32-bit halves: exact below 2^53, with no BigInt per row.
    const words = new Uint32Array(raw.data.buffer, raw.data.byteOffset, raw.data.length * 2);
    const high = new Int32Array(raw.data.buffer, raw.data.byteOffset, raw.data.length * 2);
    const { validity } = raw;
    return (row) => {
      if (validity && !present(validity, row)) return undefined;
      const micros = high[2 * row + 1]! * 4_294_967_296 + words[2 * row]!;
      return instant(Math.floor(micros / 1000));
    };
  }
  if (raw && RAW_KIND[column.type] && raw.data instanceof RAW_KIND[column.type]!) {
    const { data, validity } = raw;
    return (row) => (validity && !present(validity, row) ? undefined : encode(data[row]));
  }
  const values = column.values;
  return (row) => {
    const value = values[row];
    return value === null || value === undefined ? undefined : encode(value);
  };
}

/** The raw arrays whose elements are exactly the JS values the database converter gives. */
const RAW_KIND: Partial<Record<ColumnType, new (length: number) => ArrayLike<unknown>>> = {
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  duration: BigInt64Array,
  float32: Float32Array,
  float64: Float64Array,
};

function present(validity: Uint8Array, row: number): boolean {
  return (validity[row >> 3]! & (1 << (row & 7))) !== 0;
}

const LAST_ISO_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

/**
 * `new Date(ms).toISOString()` without the `.000` of whole seconds, with or without the `Z`; the
 * `YYYY-MM-DDTHH:MM:` part is formatted once per minute (samples come in time order).
 */
export function isoInstantFormatter(zone: boolean): (ms: number) => string {
  let minute = Number.NaN;
  let prefix = '';
  const suffix = zone ? 'Z' : '';
  return (ms) => {
    if (!(ms >= 0 && ms <= LAST_ISO_MS)) {
      const iso = new Date(ms).toISOString().replace('.000Z', 'Z');
      return zone ? iso : iso.replace('Z', '');
    }
    const m = Math.floor(ms / 60_000);
    if (m !== minute) {
      minute = m;
      prefix = new Date(m * 60_000).toISOString().slice(0, 17);
    }
    const rest = ms - m * 60_000;
    const seconds = Math.floor(rest / 1000);
    const millis = rest - seconds * 1000;
    const ss = seconds < 10 ? `0${seconds}` : String(seconds);
    if (millis === 0) return `${prefix}${ss}${suffix}`;
    return `${prefix}${ss}.${String(millis).padStart(3, '0')}${suffix}`;
  };
}
