import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGapPolicy, toMetricSeries } from '../../src/analytics/gap-policy.ts';
import { toGrid } from '../../src/analytics/to-grid.ts';
import {
  FIXTURES_DIR,
  HAS_FIXTURES,
  policyText,
  readCurve,
  readJson,
  readStream,
  referenceFiles,
} from '../analytics/reference-fixtures.ts';
import { type CliResult, runCli, runCliInProcess } from '../helpers/cli.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const OWN_FIXTURES = path.join(repoRoot, 'data/fixtures');
const KNOWN_POWER = path.join(OWN_FIXTURES, 'ride-known-power.fit');
const MULTISPORT = path.join(OWN_FIXTURES, 'multisport-run-bike.fit');
const REAL_DIR = path.join(FIXTURES_DIR, 'real');
const NOMINAL_FLAGS = ['--ftp', '250', '--cp', '250', '--wprime', '20000'];

interface CurveRow {
  duration_s: number;
  value: number;
  start_s: number;
  window_s?: number;
}

function parseCsv(stdout: string): Record<string, string>[] {
  const [header = '', ...lines] = stdout.trimEnd().split('\n');
  const names = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [names[i]!, cell])));
}

function parseCurveCsv(stdout: string): CurveRow[] {
  return parseCsv(stdout).map((row) => ({
    duration_s: Number(row.duration_s),
    value: Number(row.value),
    start_s: Number(row.start_s),
    ...(row.window_s === undefined ? {} : { window_s: Number(row.window_s) }),
  }));
}

function expectOk(result: CliResult): void {
  expect(result.stderr.includes('    at '), result.stderr).toBe(false);
  expect(result.code, result.stderr).toBe(0);
}

/** Exit code and message of a failure, and never a stack trace. */
function expectFailure(result: CliResult, code: number, message: RegExp): void {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

/** The real file behind a reference name: `<name>.fit`, or `<base>.tcx` for `<base>.fromtcx`. */
function realFileFor(name: string): string {
  return name.endsWith('.fromtcx')
    ? path.join(REAL_DIR, `${name.slice(0, -'.fromtcx'.length)}.tcx`)
    : path.join(REAL_DIR, `${name}.fit`);
}

/** Reference files of one kind grouped by the real file they describe (only files that exist). */
function referencesByFile(kind: 'curve' | 'summary'): [string, { file: string; policy: string }[]][] {
  const pattern = new RegExp(`^(.*)\\.${kind}\\.(zero|split|interp23)\\.(csv|json)$`);
  const groups = new Map<string, { file: string; policy: string }[]>();
  for (const file of referenceFiles(pattern)) {
    const [, name, policy] = pattern.exec(file) as unknown as [string, string, string];
    if (!existsSync(realFileFor(name))) continue;
    groups.set(name, [...(groups.get(name) ?? []), { file, policy }]);
  }
  return [...groups.entries()];
}

describe('peakform analyze on the project’s own fixtures', () => {
  it('prints the documented mean-max power of ride-known-power.fit at 5 s, 60 s, 300 s and 1200 s', async () => {
    const result = await runCliInProcess(['analyze', KNOWN_POWER]);
    expectOk(result);
    expect(result.stdout.split('\n')[0]).toBe('duration_s,value,start_s');
    const rows = parseCurveCsv(result.stdout);
    expect(rows).toHaveLength(3965);
    const at = (d: number) => rows.find((r) => r.duration_s === d);
    // data/fixtures/README.md: 600 s @150, 300 @100, 5 @900, 300 @100, 60 @500, 300 @100, 300 @350, 300 @100, 1200 @290 …
    expect(at(5)).toEqual({ duration_s: 5, value: 900, start_s: 900 });
    expect(at(60)).toEqual({ duration_s: 60, value: 500, start_s: 1205 });
    expect(at(300)).toEqual({ duration_s: 300, value: 350, start_s: 1565 });
    expect(at(1200)).toEqual({ duration_s: 1200, value: 290, start_s: 2165 });
    expect(at(3600)!.value).toBeCloseTo(721_000 / 3600, 5);
  });

  it('prints the same curve as JSON with --format json, and the envelope with --envelope', async () => {
    const [json, envelope] = await Promise.all([
      runCliInProcess(['analyze', KNOWN_POWER, '--format', 'json']),
      runCliInProcess(['analyze', KNOWN_POWER, '--envelope', '--format', 'json']),
    ]);
    expectOk(json);
    expectOk(envelope);
    const curve = JSON.parse(json.stdout) as CurveRow[];
    expect(curve[4]).toEqual({ duration_s: 5, value: 900, start_s: 900 });
    expect(curve[1199]).toEqual({ duration_s: 1200, value: 290, start_s: 2165 });
    const best = JSON.parse(envelope.stdout) as CurveRow[];
    expect(best).toHaveLength(curve.length);
    for (let i = 0; i < best.length; i++) {
      expect(best[i]!.value).toBeGreaterThanOrEqual(curve[i]!.value);
      if (i > 0) expect(best[i]!.value).toBeLessThanOrEqual(best[i - 1]!.value);
      const window = curve[best[i]!.window_s! - 1]!;
      expect(best[i]!.window_s!).toBeGreaterThanOrEqual(best[i]!.duration_s);
      expect([window.value, window.start_s]).toEqual([best[i]!.value, best[i]!.start_s]);
    }
    // At least 10 s: 500 W, whose longest window is the whole 60 s block (ties keep the longer window).
    expect(best[9]).toEqual({ duration_s: 10, value: 500, start_s: 1205, window_s: 60 });
    expect(best[4]).toEqual({ duration_s: 5, value: 900, start_s: 900, window_s: 5 });
  });

  it('prints the summary of ride-known-power.fit as field,value rows and as JSON', async () => {
    const [csv, json] = await Promise.all([
      runCliInProcess(['analyze', KNOWN_POWER, '--summary', '--ftp', '250', '--lthr', '170']),
      runCliInProcess(['analyze', KNOWN_POWER, '--summary', '--format', 'json', ...NOMINAL_FLAGS]),
    ]);
    expectOk(csv);
    expectOk(json);
    const fields = Object.fromEntries(parseCsv(csv.stdout).map((r) => [r.field, r.value]));
    expect(fields.sport).toBe('cycling.road');
    expect(fields.gap_policy).toBe('split');
    expect(Number(fields.avg_power_w)).toBeCloseTo(757_500 / 3965, 5);
    expect(Number(fields.work_kj)).toBe(757.5);
    expect(Number(fields.max_power_w)).toBe(900);
    expect(fields.wbal_min_j).toBe('');
    expect(Number(fields['time_in_power_zones.Z5 VO2max'])).toBe(1200);
    expect(Number(fields['time_in_power_zones.Z7 Neuromuscular'])).toBe(65);
    expect(fields['time_in_heart_rate_zones.Z1 Active recovery']).toMatch(/^\d+$/);

    const summary = JSON.parse(json.stdout);
    expect(summary).toMatchObject({
      format: 'fit',
      session: 0,
      session_count: 1,
      sport: 'cycling.road',
      start: '2024-03-02T08:00:00Z',
      gap_policy: 'split',
      ftp_w: 250,
      max_power_w: 900,
      work_kj: 757.5,
      time_in_heart_rate_zones: null,
      issues: [],
    });
    expect(summary.intensity_factor).toBeCloseTo(summary.np_w / 250, 5);
    expect(summary.tss).toBeCloseTo((3965 / 3600) * (summary.np_w / 250) ** 2 * 100, 3);
    expect(summary.wbal_min_j).toBeLessThan(20_000);
    expect(summary.wbal_integral_min_j).toBeLessThan(20_000);
    expect(Number.isInteger(summary.wbal_min_at_s)).toBe(true);
    expect(Number.isInteger(summary.wbal_integral_min_at_s)).toBe(true);
    expect(summary.time_in_power_zones).toHaveLength(7);
    expect(summary.time_in_power_zones[0]).toEqual({
      zone: 'Z1 Active recovery',
      from_w: 0,
      to_w: 137.5,
      seconds: 1800,
    });
  });

  it('picks one activity of a multisport file with --session and lists the sessions when out of range', async () => {
    const [bike, run, outOfRange, byDefault] = await Promise.all([
      runCliInProcess(['analyze', MULTISPORT, '--session', '2']),
      runCliInProcess(['analyze', MULTISPORT, '--session', '0']),
      runCliInProcess(['analyze', MULTISPORT, '--session', '3']),
      runCliInProcess(['analyze', MULTISPORT, '--metric', 'heart_rate']),
    ]);
    expectOk(bike);
    expect(parseCurveCsv(bike.stdout)).toHaveLength(1800);
    expectFailure(run, 2, /has no power readings; it has speed, heart_rate: use --metric speed\|heart_rate/);
    expectFailure(
      outOfRange,
      2,
      /--session 3 is out of range: .* holds 3 activities \(0 running .*, 1 transition .*, 2 cycling\.road .*\); use --session 0\.\.2/,
    );
    expectOk(byDefault);
    expect(parseCurveCsv(byDefault.stdout)).toHaveLength(900);
    expect(byDefault.stderr).toMatch(/holds 3 activities .* analyzing 0, choose with --session N/);
  });

  it('leaves out durations with no valid window under split', async () => {
    const pauses = path.join(OWN_FIXTURES, 'ride-pauses.fit');
    const [split, zero] = await Promise.all([
      runCliInProcess(['analyze', pauses, '--gap', 'split']),
      runCliInProcess(['analyze', pauses, '--gap', 'zero']),
    ]);
    expectOk(split);
    expectOk(zero);
    // Timer segments of 900, 900 and 600 s: no window longer than 900 s under split.
    const rows = parseCurveCsv(split.stdout);
    expect(rows.at(-1)!.duration_s).toBe(900);
    expect(rows.map((r) => r.duration_s)).toEqual(Array.from({ length: 900 }, (_, i) => i + 1));
    expect(parseCurveCsv(zero.stdout)).toHaveLength(2760);
  });
});

describe.concurrent('peakform analyze reports bad input with a message and an exit code, never a stack trace', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'peakform-analyze-'));
    await writeFile(path.join(root, 'noise.fit'), randomBytes(2000));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it.each([
    ['a missing file', ['/nonexistent/ride.fit'], /\/nonexistent\/ride\.fit does not exist/],
    ['no file', [], /Name the activity file to analyze/],
    ['two files', [KNOWN_POWER, MULTISPORT], /analyze takes one file/],
    [
      'a bad --gap',
      [KNOWN_POWER, '--gap', 'interp:x'],
      /--gap: unknown gap policy "interp:x"; use one of: zero, split, interp:G/,
    ],
    ['--cp without --wprime', [KNOWN_POWER, '--summary', '--cp', '250'], /needs both --cp W and --wprime J/],
    [
      '--wprime without --cp',
      [KNOWN_POWER, '--summary', '--wprime', '20000'],
      /needs both --cp W and --wprime J/,
    ],
    [
      'an unknown --metric',
      [KNOWN_POWER, '--metric', 'cadence'],
      /--metric must be one of power, speed, heart_rate, not "cadence"/,
    ],
    [
      'a metric the file does not have',
      [path.join(OWN_FIXTURES, 'ride-short.gpx'), '--metric', 'speed'],
      /has no speed readings; it has power, heart_rate: use --metric power\|heart_rate/,
    ],
    [
      'a non-numeric --ftp',
      [KNOWN_POWER, '--summary', '--ftp', 'abc'],
      /--ftp must be a positive number, not "abc"/,
    ],
    ['a threshold without --summary', [KNOWN_POWER, '--ftp', '250'], /--ftp applies to --summary only/],
    [
      '--envelope with --summary',
      [KNOWN_POWER, '--summary', '--envelope'],
      /--envelope applies to the curve/,
    ],
    [
      'a bad --session',
      [KNOWN_POWER, '--session', 'first'],
      /--session must be a session number \(0, 1, …\), not "first"/,
    ],
    ['a bad --format', [KNOWN_POWER, '--format', 'xml'], /--format must be csv or json, not "xml"/],
    ['an unknown flag', [KNOWN_POWER, '--bogus'], /Unknown option '--bogus'/],
  ])('%s exits 2 with the usage', async (_, args, message) => {
    const result = await runCliInProcess(['analyze', ...args]);
    expectFailure(result, 2, message);
    expect(result.stderr).toContain('Usage: peakform analyze <file>');
  });

  it('exits 1 with the reason when the file cannot be read as an activity', async () => {
    const result = await runCliInProcess(['analyze', path.join(root, 'noise.fit')]);
    expectFailure(
      result,
      1,
      /noise\.fit: .*(not a recognized activity file|could not be read).*\(ERR_INGEST_UNREADABLE\)/,
    );
  });

  it('exits 2 when the file is a folder', async () => {
    expectFailure(await runCliInProcess(['analyze', root]), 2, /is a folder; name one activity file/);
  });

  it('prints its usage with --help', async () => {
    const result = await runCli(['analyze', '--help']);
    expectOk(result);
    expect(result.stdout).toContain('--summary');
    expect(result.stdout).toContain('a --gap given applies');
  });
});

describe.skipIf(!HAS_FIXTURES).concurrent('peakform analyze <real file> against the reference oracle', () => {
  const curves = referencesByFile('curve');
  const summaries = referencesByFile('summary');

  it('finds reference curves and summaries whose real file exists', () => {
    expect(curves.length).toBeGreaterThanOrEqual(7);
    expect(curves.flatMap(([, refs]) => refs).length).toBeGreaterThanOrEqual(18);
    expect(summaries.flatMap(([, refs]) => refs).length).toBeGreaterThanOrEqual(19);
  });

  it.each(curves)(
    '%s: the curve under every reference policy equals the reference (±0.01 W, same start second), the envelope its watts_monotone',
    async (name, refs) => {
      const [envelope, ...results] = await Promise.all([
        runCliInProcess(['analyze', realFileFor(name), '--gap', policyText(refs[0]!.policy), '--envelope']),
        ...refs.map(({ policy }) =>
          runCliInProcess(['analyze', realFileFor(name), '--gap', policyText(policy)]),
        ),
      ]);
      expectOk(envelope!);
      const monotone = readCurve(refs[0]!.file);
      const envelopeRows = parseCurveCsv(envelope!.stdout);
      expect(envelopeRows.length).toBe(monotone.wattsMonotone.filter((w) => !Number.isNaN(w)).length);
      for (const row of envelopeRows)
        expect(Math.abs(row.value - monotone.wattsMonotone[row.duration_s - 1]!)).toBeLessThanOrEqual(0.01);
      refs.forEach(({ file }, j) => {
        const result = results[j]!;
        expectOk(result);
        const got = new Map(parseCurveCsv(result.stdout).map((row) => [row.duration_s, row]));
        const ref = readCurve(file);
        const problems: string[] = [];
        for (let i = 0; i < ref.watts.length; i++) {
          const d = ref.durationS[i]!;
          const row = got.get(d);
          got.delete(d);
          if (Number.isNaN(ref.watts[i]!)) {
            if (row) problems.push(`d=${d}: want no row, got ${row.value}`);
            continue;
          }
          if (!row) problems.push(`d=${d}: missing row`);
          else if (!(Math.abs(row.value - ref.watts[i]!) <= 0.01) || row.start_s !== ref.startS[i])
            problems.push(
              `d=${d}: ${row.value} W at ${row.start_s} vs ${ref.watts[i]} W at ${ref.startS[i]}`,
            );
        }
        for (const d of got.keys()) problems.push(`d=${d}: row beyond the reference`);
        expect(problems.slice(0, 10), file).toEqual([]);
      });
    },
  );

  it.each(summaries)(
    '%s: --summary --format json gives the reference NP, xPower, IF, TSS and W′bal minima to 0.1 percent',
    async (name, refs) => {
      const results = await Promise.all(
        refs.map(({ policy }) =>
          runCliInProcess([
            'analyze',
            realFileFor(name),
            '--summary',
            '--format',
            'json',
            ...NOMINAL_FLAGS,
            '--gap',
            policyText(policy),
          ]),
        ),
      );
      refs.forEach(({ file, policy }, j) => {
        const result = results[j]!;
        expectOk(result);
        const got = JSON.parse(result.stdout);
        const ref = readJson<ReferenceSummary>(file);
        expect(got.gap_policy).toBe(ref.gap_policy);
        if (ref.avg_power === 0 && ref.np_coggan === 0) {
          // Power present but 0 in every record: ingest drops the channel as "no power meter"
          // (src/ingest/README.md), so the CLI reports no power rather than 0 W.
          expect(got.issues.map((i: { code: string }) => i.code)).toContain('no_power_meter');
          expect([got.avg_power_w, got.np_w, got.xpower_w, got.tss]).toEqual([null, null, null, null]);
          return;
        }
        expect(got.grid_s).toBe(ref.grid_seconds);
        expect(got.power_seconds).toBe(ref.metric_seconds);
        const checks: [string, unknown, number | undefined][] = [
          ['avg_power_w', got.avg_power_w, ref.avg_power],
          ['np_w', got.np_w, ref.np_coggan],
          ['xpower_w', got.xpower_w, ref.xpower_gc],
          ['intensity_factor', got.intensity_factor, ref.if],
          ['tss', got.tss, ref.tss],
          ['wbal_min_j', got.wbal_min_j, ref.wbal_differential_min_j],
          ['wbal_integral_min_j', got.wbal_integral_min_j, ref.wbal_integral_min_j],
        ];
        // Every FIT reference has them all; the TCX one has no IF, TSS or W′bal.
        if (!name.endsWith('.fromtcx'))
          expect(checks.filter(([, , want]) => want === undefined).map(([field]) => field)).toEqual([]);
        for (const [field, value, want] of checks) {
          if (want === undefined) continue;
          expect(within(value, want), `${file} ${field}: ${value} vs ${want}`).toBe(true);
        }
        // The reference indexes W′bal minima in the metric series (moving time under split); the
        // CLI prints grid seconds, so map through the reference stream's grid.
        const stream = readStream(`${name}.stream.csv`);
        const { gridIndexS } = toMetricSeries(
          toGrid(stream.t!, stream.power!),
          parseGapPolicy(policyText(policy)),
        );
        if (ref.wbal_differential_min_at_s !== undefined)
          expect(got.wbal_min_at_s).toBe(gridIndexS[ref.wbal_differential_min_at_s]);
        if (ref.wbal_integral_min_at_s !== undefined)
          expect(got.wbal_integral_min_at_s).toBe(gridIndexS[ref.wbal_integral_min_at_s]);
      });
    },
  );
});

interface ReferenceSummary {
  gap_policy: string;
  grid_seconds: number;
  metric_seconds: number;
  avg_power: number;
  np_coggan: number;
  xpower_gc: number;
  if?: number;
  tss?: number;
  wbal_integral_min_j?: number;
  wbal_integral_min_at_s?: number;
  wbal_differential_min_j?: number;
  wbal_differential_min_at_s?: number;
}

/** |got − want| ≤ 0.1 % of |want| (exactly equal when want is 0). */
function within(got: unknown, want: number): boolean {
  return typeof got === 'number' && Math.abs(got - want) <= 1e-3 * Math.abs(want) + 1e-9;
}
