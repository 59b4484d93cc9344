import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prng } from '../../scripts/fixtures/prng.ts';
import type { CanonicalActivity } from '../../src/domain/activity.ts';
import { UnreadableFileError } from '../../src/domain/errors.ts';
import { getMetric, type MetricName } from '../../src/domain/metrics.ts';
import { MAX_EXTRA_FIELDS, RESERVED_COLUMN_NAMES } from '../../src/ingest/extra-field-names.ts';
import { readActivityFile } from '../../src/ingest/read-activity-file.ts';
import { MAX_ACTIVITIES_PER_FILE, MAX_ACTIVITY_SPAN_S } from '../../src/ingest/recording-bounds.ts';
import { MUTATIONS } from './helpers/mutations.ts';
import { repoRoot } from './helpers/shared-fixtures.ts';

/**
 * Seeded damage to the project's own fixtures (byte flips, overwritten words, truncations,
 * duplicated spans): whatever the damage, readActivityFile returns bounded, well-formed activities
 * or throws UnreadableFileError, never anything else. Same seed, same mutations, every run.
 */

const FIXTURES_DIR = path.join(repoRoot, 'data/fixtures');
const MUTATIONS_PER_FILE = 36;
const SEED = 0x14_2024;
const SAFE_COLUMN = /^[a-z][a-z0-9_]{0,62}$/;

function expectWellFormed(activity: CanonicalActivity, label: string): void {
  const { timestampS, columns, extra } = activity.samples;
  expect(Number.isFinite(activity.startS) && Number.isFinite(activity.endS), label).toBe(true);
  expect(activity.endS - activity.startS, label).toBeLessThan(MAX_ACTIVITY_SPAN_S);
  expect(activity.endS - activity.startS, label).toBeGreaterThanOrEqual(0);
  for (let i = 0; i < timestampS.length; i++) {
    const t = timestampS[i]!;
    if (!Number.isInteger(t) || (i > 0 && !(t > timestampS[i - 1]!)))
      expect.fail(`${label}: timestamps not sorted unique integers at row ${i}`);
  }
  for (const [name, values] of Object.entries(columns) as [MetricName, Float64Array][]) {
    expect(values.length, `${label} ${name}`).toBe(timestampS.length);
    const { min, max } = getMetric(name);
    // NaN is "missing" in a sample table; anything else must be a finite reading in range.
    for (const v of values)
      if (!Number.isNaN(v) && !(v >= min && v <= max)) expect.fail(`${label}: ${name} = ${v}`);
  }
  expect(Object.keys(extra).length, label).toBeLessThanOrEqual(MAX_EXTRA_FIELDS);
  for (const [name, values] of Object.entries(extra)) {
    expect(name, label).toMatch(SAFE_COLUMN);
    expect(RESERVED_COLUMN_NAMES.has(name), `${label} ${name}`).toBe(false);
    expect(values.length, `${label} ${name}`).toBe(timestampS.length);
    for (const v of values)
      if (!Number.isNaN(v) && !Number.isFinite(v)) expect.fail(`${label}: ${name} = ${v}`);
  }
}

const fixtureFiles = readdirSync(FIXTURES_DIR)
  .filter((name) => /\.(fit|tcx|gpx|csv)$/.test(name))
  .sort();

describe('readActivityFile() on seeded mutations of the fixtures', () => {
  it('finds fixtures of every format', () => {
    expect(new Set(fixtureFiles.map((name) => path.extname(name)))).toEqual(
      new Set(['.fit', '.tcx', '.gpx', '.csv']),
    );
  });

  fixtureFiles.forEach((fileName, fileIndex) => {
    it(`returns bounded activities or UnreadableFileError for ${MUTATIONS_PER_FILE} mutations of ${fileName}`, () => {
      const original = new Uint8Array(readFileSync(path.join(FIXTURES_DIR, fileName)));
      const random = prng(SEED + fileIndex);
      const names = Object.keys(MUTATIONS);
      const outcomes = { read: 0, unreadable: 0 };
      for (let m = 0; m < MUTATIONS_PER_FILE; m++) {
        const kind = names[m % names.length]!;
        const label = `${fileName} mutation ${m} (${kind})`;
        const bytes = MUTATIONS[kind]!(original, random);
        let result: ReturnType<typeof readActivityFile>;
        try {
          result = readActivityFile(bytes, fileName);
        } catch (error) {
          if (!(error instanceof UnreadableFileError)) expect.fail(`${label} threw ${String(error)}`);
          outcomes.unreadable++;
          continue;
        }
        outcomes.read++;
        expect(result.activities.length, label).toBeGreaterThan(0);
        expect(result.activities.length, label).toBeLessThanOrEqual(MAX_ACTIVITIES_PER_FILE);
        for (const activity of result.activities) expectWellFormed(activity, label);
      }
      // Most damage is salvageable: the fuzzing really exercises the readers, not only rejection.
      expect(outcomes.read).toBeGreaterThan(MUTATIONS_PER_FILE / 4);
    });
  });
});
