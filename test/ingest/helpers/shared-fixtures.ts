import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The shared real-file fixtures live next to the repository (`../shared/fixtures`), not in it;
 * tests that use them skip when the folder is absent.
 */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const fixturesDir = path.resolve(repoRoot, '../shared/fixtures');
export const realDir = path.join(fixturesDir, 'real');
export const referenceDir = path.join(fixturesDir, 'reference');
export const hasFixtures = existsSync(realDir) && existsSync(referenceDir);

/** Every activity file under real/ (misfits/ included), as paths relative to real/. */
export function listRealFiles(): string[] {
  if (!hasFixtures) return [];
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.(fit|tcx|gpx|csv)$/i.test(entry)) found.push(path.relative(realDir, full));
    }
  };
  walk(realDir);
  return found;
}

export function readRealFile(relativePath: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(realDir, relativePath)));
}

/** Every FIT file: the project's own (data/fixtures) and, when present, the shared real ones. */
export function everyFitFile(): { name: string; bytes: Uint8Array }[] {
  const projectDir = path.join(repoRoot, 'data/fixtures');
  return [
    ...readdirSync(projectDir)
      .filter((name) => name.endsWith('.fit'))
      .map((name) => ({ name, bytes: new Uint8Array(readFileSync(path.join(projectDir, name))) })),
    ...listRealFiles()
      .filter((name) => name.endsWith('.fit'))
      .map((name) => ({ name, bytes: readRealFile(name) })),
  ];
}

export interface DecodeSummary {
  file: string;
  records: number;
  recordsWithPower: number;
  integrity: boolean;
  decodeErrors: string[];
  start: string;
  sessions: {
    sport: string;
    subSport?: string;
    timer_s: number;
    elapsed_s: number;
    avgPower?: number;
    np?: number;
  }[];
}

export function readDecodeSummaries(): Map<string, DecodeSummary> {
  const summaries = new Map<string, DecodeSummary>();
  if (!hasFixtures) return summaries;
  for (const line of readFileSync(path.join(referenceDir, 'decode-summary.jsonl'), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const summary = JSON.parse(line) as DecodeSummary;
    summaries.set(summary.file, summary);
  }
  return summaries;
}

/** One row of a reference `<name>.stream.csv`: a FIT record as decoded, blank = absent (NaN). */
export interface ReferenceRecord {
  t: number;
  epochS: number;
  power: number;
  heartRate: number;
}

export function readReferenceStream(fileName: string): ReferenceRecord[] | null {
  const file = path.join(referenceDir, fileName);
  if (!existsSync(file)) return null;
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const names = header!.split(',');
  const at = (name: string): number => names.indexOf(name);
  const cell = (cells: string[], index: number): number =>
    cells[index] === '' ? Number.NaN : Number(cells[index]);
  return lines.map((line) => {
    const cells = line.split(',');
    return {
      t: cell(cells, at('t')),
      epochS: cell(cells, at('epoch_s')),
      power: cell(cells, at('power')),
      heartRate: cell(cells, at('heart_rate')),
    };
  });
}
