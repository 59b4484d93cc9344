import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeActivity } from '../../src/analytics/analyze-activity.ts';
import { applyGapPolicy, type GapPolicy } from '../../src/analytics/gap-policy.ts';
import { meanMax } from '../../src/analytics/mean-max.ts';
import { meanMaxBruteForce } from '../../src/analytics/mean-max-brute-force.ts';
import { toGrid } from '../../src/analytics/to-grid.ts';
import {
  HAS_FIXTURES,
  READ_STREAM_COLUMNS,
  REFERENCE_DIR,
  readStream,
  referenceFiles,
} from './reference-fixtures.ts';

const STREAMS = referenceFiles(/\.stream\.csv$/);
const POLICIES: GapPolicy[] = [{ kind: 'zero' }, { kind: 'split' }, { kind: 'interp', maxGapS: 23 }];

describe.skipIf(!HAS_FIXTURES)(
  'meanMax() on every real stream, including those without a reference curve',
  () => {
    it.each(STREAMS)(
      '%s: equals brute force for power, heart rate and speed under every gap policy',
      (file) => {
        const stream = readStream(file);
        for (const column of READ_STREAM_COLUMNS) {
          const values = stream[column];
          if (!values || values.every((v) => Number.isNaN(v))) continue;
          const grid = toGrid(stream.t!, values);
          for (const policy of POLICIES) {
            const series = applyGapPolicy(grid, policy);
            const fast = meanMax(series);
            const slow = meanMaxBruteForce(series);
            for (let i = 0; i < series.length; i++) {
              if (!Object.is(fast.values[i], slow.values[i]) || fast.startS[i] !== slow.startS[i]) {
                throw new Error(
                  `${column} ${policy.kind} d=${i + 1}: ${fast.values[i]}@${fast.startS[i]} vs ${slow.values[i]}@${slow.startS[i]}`,
                );
              }
            }
          }
        }
      },
    );
  },
);

interface DecodeSummary {
  file: string;
  sessions: { avgPower?: number; np?: number }[];
}

/** Clean rides whose device-written session NP is an independent check on moving-time NP. */
const DEVICE_NP_RIDES = [
  'fitparse-edge800-indoor-trainer-power',
  'fitparse-edge810-vector-ride-78min-power',
  'sweatpy-edge1000-ride-2h19-power',
  'sweatpy-edge1000-short-smartrec-pause',
];

describe.skipIf(!HAS_FIXTURES)('analyzeActivity() against device-written session values', () => {
  const sessions = new Map<string, DecodeSummary['sessions'][number]>();
  if (HAS_FIXTURES) {
    for (const line of readFileSync(path.join(REFERENCE_DIR, 'decode-summary.jsonl'), 'utf8')
      .trim()
      .split('\n')) {
      const summary = JSON.parse(line) as DecodeSummary;
      if (summary.sessions.length === 1)
        sessions.set(summary.file.replace(/\.fit$/, ''), summary.sessions[0]!);
    }
  }

  it.each(DEVICE_NP_RIDES)(
    '%s: moving-time NP and average power are within 1 W of what the device wrote',
    (name) => {
      const session = sessions.get(name);
      expect(session?.np).toBeTypeOf('number');
      const stream = readStream(`${name}.stream.csv`);
      const { summary } = analyzeActivity({ offsetS: stream.t!, power: stream.power! }, { curves: [] });
      expect(Math.abs(summary.npW! - session!.np!)).toBeLessThanOrEqual(1);
      expect(Math.abs(summary.avgPowerW! - session!.avgPower!)).toBeLessThanOrEqual(1);
    },
  );
});
