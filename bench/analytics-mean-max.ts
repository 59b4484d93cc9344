/**
 * Mean-max: the exact fast kernel against brute force on ride-like synthetic power at 1 h, 6 h and
 * 24 h, plus white noise at 24 h (the pruning's worst case), and the full per-activity analysis
 * (all curves + summary) per activity-hour. Writes bench/results/analytics.json.
 *
 * Run: npx tsx bench/analytics-mean-max.ts
 *
 * Brute force is O(N²) and data-independent (it visits every window), so at 24 h it runs for a
 * single measured iteration; the noise ratio reuses the 24 h brute-force time for that reason.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { type ActivityStreams, analyzeActivity } from '../src/analytics/analyze-activity.ts';
import { meanMax } from '../src/analytics/mean-max.ts';
import { meanMaxBruteForce } from '../src/analytics/mean-max-brute-force.ts';
import { createRng, rideLikePowerW, type SyntheticTruth } from '../src/demo/synthetic-athlete.ts';

const ONE_HOUR_S = 3600;
const SIX_HOURS_S = 6 * 3600;
const DAY_S = 24 * 3600;
const SIZES_S = [ONE_HOUR_S, SIX_HOURS_S, DAY_S] as const;
const ANALYSIS_SIZES_S = [ONE_HOUR_S, SIX_HOURS_S] as const;
const SEED = 20_240_601;
const TRUTH: SyntheticTruth = { model: 'cp2', cpW: 280, wPrimeJ: 20_000, pmaxW: 1100 };
/** Time budget per fast task (ms); brute-force tasks use fixed small iteration counts instead. */
const FAST_TIME_MS = 2000;
const BRUTE_ITERATIONS: Record<number, number> = { [ONE_HOUR_S]: 5, [SIX_HOURS_S]: 2, [DAY_S]: 1 };

let sink = 0;

function rideSeries(n: number): Float64Array {
  return rideLikePowerW(createRng(SEED + n), n, TRUTH);
}

function noiseSeries(n: number): Float64Array {
  const rng = createRng(SEED);
  return Float64Array.from({ length: n }, () => Math.floor(rng() * 1000));
}

/** A ride with power, heart rate, speed and distance and a few dropouts, as the ingest would pass it. */
function activityStreams(n: number): ActivityStreams {
  const power = rideSeries(n);
  const rng = createRng(SEED + 1);
  const offsetS: number[] = [];
  const p: number[] = [];
  const hr: number[] = [];
  const speed: number[] = [];
  const distance: number[] = [];
  let covered = 0;
  let heart = 120;
  for (let t = 0; t < n; t++) {
    if (rng() < 0.002) t += 1 + Math.floor(rng() * 40); // dropouts and pauses
    if (t >= n) break;
    const w = power[t]!;
    heart += (100 + w / 4 - heart) / 30;
    const v = 4 + w / 40;
    covered += v;
    offsetS.push(t);
    p.push(w);
    hr.push(Math.round(heart));
    speed.push(v);
    distance.push(covered);
  }
  return { offsetS, power: p, heartRate: hr, speed, distance };
}

function meanMs(bench: Bench, name: string): { meanMs: number; samples: number } {
  const task = bench.tasks.find((t) => t.name === name);
  const result = task?.result;
  if (result?.state !== 'completed') throw new Error(`task ${name} did not complete`);
  return { meanMs: result.latency.mean, samples: result.latency.samplesCount };
}

async function main(): Promise<void> {
  const series = new Map(SIZES_S.map((n) => [n, rideSeries(n)]));
  const noise = noiseSeries(DAY_S);

  // Exactness check outside the timed region (1 h and 6 h; 24 h would double the run time).
  for (const n of [ONE_HOUR_S, SIX_HOURS_S]) {
    const x = series.get(n)!;
    const fast = meanMax(x);
    const slow = meanMaxBruteForce(x);
    for (let i = 0; i < n; i++) {
      if (!Object.is(fast.values[i], slow.values[i]) || fast.startS[i] !== slow.startS[i]) {
        throw new Error(`fast and brute force differ at ${n} s, duration ${i + 1}`);
      }
    }
  }

  const fastBench = new Bench({ time: FAST_TIME_MS, iterations: 3, warmupIterations: 1 });
  for (const n of SIZES_S) {
    const x = series.get(n)!;
    fastBench.add(`fast ${n} s`, () => {
      sink += meanMax(x).values[n - 1]!;
    });
  }
  fastBench.add(`fast noise ${DAY_S} s`, () => {
    sink += meanMax(noise).values[DAY_S - 1]!;
  });
  await fastBench.run();

  const bruteResults = new Map<number, { meanMs: number; samples: number }>();
  for (const n of SIZES_S) {
    const x = series.get(n)!;
    const iterations = BRUTE_ITERATIONS[n]!;
    const bench = new Bench({ time: 0, iterations, warmup: n < DAY_S, warmupIterations: 1 });
    bench.add(`brute ${n} s`, () => {
      sink += meanMaxBruteForce(x).values[n - 1]!;
    });
    console.log(`brute force ${n} s: ${iterations} iteration(s)…`);
    await bench.run();
    bruteResults.set(n, meanMs(bench, `brute ${n} s`));
  }

  const analysisBench = new Bench({ time: FAST_TIME_MS, iterations: 3, warmupIterations: 1 });
  const analysisInputs = new Map(ANALYSIS_SIZES_S.map((n) => [n, activityStreams(n)]));
  const options = { ftpW: 250, cpW: 250, wPrimeJ: 20_000, lthrBpm: 165, restHrBpm: 50, maxHrBpm: 190 };
  for (const n of ANALYSIS_SIZES_S) {
    const input = analysisInputs.get(n)!;
    analysisBench.add(`analyze ${n} s`, () => {
      const a = analyzeActivity(input, options);
      sink += a.summary.npW! + a.curves.power!.values[0]!;
    });
  }
  await analysisBench.run();

  const meanMaxRows = SIZES_S.map((n) => {
    const fast = meanMs(fastBench, `fast ${n} s`);
    const brute = bruteResults.get(n)!;
    return {
      series: 'ride-like',
      durationS: n,
      fastMs: fast.meanMs,
      fastSamples: fast.samples,
      bruteForceMs: brute.meanMs,
      bruteForceSamples: brute.samples,
      speedup: brute.meanMs / fast.meanMs,
    };
  });
  const noiseFast = meanMs(fastBench, `fast noise ${DAY_S} s`);
  const bruteDay = bruteResults.get(DAY_S)!;
  meanMaxRows.push({
    series: 'white noise (brute force time reused from the 24 h ride: it is data-independent)',
    durationS: DAY_S,
    fastMs: noiseFast.meanMs,
    fastSamples: noiseFast.samples,
    bruteForceMs: bruteDay.meanMs,
    bruteForceSamples: bruteDay.samples,
    speedup: bruteDay.meanMs / noiseFast.meanMs,
  });
  const analysisRows = ANALYSIS_SIZES_S.map((n) => {
    const r = meanMs(analysisBench, `analyze ${n} s`);
    return { durationS: n, meanMs: r.meanMs, samples: r.samples, msPerActivityHour: r.meanMs / (n / 3600) };
  });

  console.log('\nmean-max (exact, every duration)');
  console.table(
    meanMaxRows.map((r) => ({
      series: r.series.split(' (')[0],
      hours: r.durationS / 3600,
      'fast ms': r.fastMs.toFixed(1),
      'brute ms': r.bruteForceMs.toFixed(0),
      'brute samples': r.bruteForceSamples,
      speedup: `${r.speedup.toFixed(0)}×`,
    })),
  );
  console.log('analyzeActivity (power, HR, speed curves + running bests + summary)');
  console.table(
    analysisRows.map((r) => ({
      hours: r.durationS / 3600,
      'ms per activity': r.meanMs.toFixed(1),
      'ms per activity-hour': r.msPerActivityHour.toFixed(1),
    })),
  );

  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  let commit: string | null = null;
  try {
    commit = execSync('git rev-parse HEAD', { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    commit = null;
  }
  const out = {
    bench: 'analytics-mean-max',
    date: new Date().toISOString(),
    commit,
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
    },
    sizes: { meanMaxS: SIZES_S, analysisS: ANALYSIS_SIZES_S, seed: SEED },
    meanMax: meanMaxRows,
    analyzeActivity: analysisRows,
    sink,
  };
  const dir = path.join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'analytics.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote ${path.relative(root, path.join(dir, 'analytics.json'))}`);
}

await main();
