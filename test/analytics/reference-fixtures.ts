import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Helpers to read the independent reference oracle in ../shared/fixtures (absent in some clones). */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES_DIR = path.resolve(repoRoot, '../shared/fixtures');
export const REFERENCE_DIR = path.join(FIXTURES_DIR, 'reference');
export const HAS_FIXTURES = existsSync(REFERENCE_DIR);

export function referenceFiles(pattern: RegExp): string[] {
  return HAS_FIXTURES
    ? readdirSync(REFERENCE_DIR)
        .filter((f) => pattern.test(f))
        .sort()
    : [];
}

function csvRows(file: string): string[][] {
  return readFileSync(path.join(REFERENCE_DIR, file), 'utf8')
    .split('\n')
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .map((line) => line.split(','));
}

function cell(value: string | undefined): number {
  return value === undefined || value === '' ? Number.NaN : Number(value);
}

/** The metric columns of a stream file that mean-max curves are computed for. */
export const READ_STREAM_COLUMNS = ['power', 'heart_rate', 'speed_mps'] as const;

/** A `<name>.stream.csv`: offsets and one column per metric, NaN where the cell is blank. */
export function readStream(file: string): Record<string, Float64Array> {
  const [header = [], ...rows] = csvRows(file);
  const out: Record<string, Float64Array> = {};
  header.forEach((name, j) => {
    out[name] = Float64Array.from(rows, (r) => cell(r[j]));
  });
  return out;
}

export interface ReferenceCurve {
  durationS: Int32Array;
  watts: Float64Array;
  startS: Float64Array;
  wattsMonotone: Float64Array;
}

export function readCurve(file: string): ReferenceCurve {
  const [header = [], ...rows] = csvRows(file);
  const col = (name: string) => {
    const j = header.indexOf(name);
    if (j < 0) throw new Error(`${file}: no column ${name}`);
    return Float64Array.from(rows, (r) => cell(r[j]));
  };
  return {
    durationS: Int32Array.from(col('duration_s')),
    watts: col('watts'),
    startS: col('start_s'),
    wattsMonotone: col('watts_monotone'),
  };
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(path.join(REFERENCE_DIR, file), 'utf8')) as T;
}

/** `zero` | `split` | `interp23` (file names) → the policy's text form. */
export function policyText(filePolicy: string): string {
  return filePolicy === 'interp23' ? 'interp:23' : filePolicy;
}
