/**
 * How long other requests stall while the worst file of each class is uploaded: a fresh
 * `peakform serve` of a given checkout per file, a health probe every 10 ms during the upload,
 * and the probe's worst and 99th-percentile latency next to the upload's own time. Run it on the
 * code before and after a change to compare (each case is cut off after CASE_LIMIT_MS).
 *
 *   npx tsx bench/ingest-stall.ts [--repo DIR]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeBenchResult } from './report.ts';
import { waitForHealth } from './serve-child.ts';

const { values } = parseArgs({ options: { repo: { type: 'string' } } });
const REPO = resolve(values.repo ?? resolve(import.meta.dirname, '..'));
let port = 8961;
const CASE_LIMIT_MS = 60_000;
const PROBE_EVERY_MS = 10;

const iso = (s: number) => new Date(Date.UTC(2024, 4, 1, 6) + s * 1000).toISOString().replace('.000Z', 'Z');

function longRideCsv(hours: number): Uint8Array {
  const lines = ['timestamp,sport,power,heart_rate'];
  for (let s = 0; s < hours * 3600; s++) {
    lines.push(`${iso(s)},${s === 0 ? 'cycling.road' : ''},${150 + ((s * 7919) % 211)},${120 + (s % 40)}`);
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

function gpxWithExtensionNames(count: number): Uint8Array {
  const points = Array.from(
    { length: count },
    (_, i) =>
      `<trkpt lat="45.1" lon="7.1"><time>${iso(i)}</time><extensions><hr>140</hr><field_number_${i}>${i}</field_number_${i}></extensions></trkpt>`,
  );
  return new TextEncoder().encode(
    `<?xml version="1.0"?><gpx version="1.1"><trk><type>cycling</type><trkseg>${points.join('\n')}</trkseg></trk></gpx>`,
  );
}

const REAL_6H = resolve(import.meta.dirname, '../../shared/fixtures/real/misfits/clean-cycling-6h/long.fit');
const cases: { name: string; file: string; bytes: Uint8Array }[] = [
  {
    name: '6 h ride, real FIT',
    file: 'long.fit',
    bytes: existsSync(REAL_6H) ? readFileSync(REAL_6H) : longRideCsv(6),
  },
  { name: '4 h ride, noisy power (CSV)', file: 'noisy.csv', bytes: longRideCsv(4) },
  {
    name: 'GPX with 10,000 extension names (1.5 MB)',
    file: 'names.gpx',
    bytes: gpxWithExtensionNames(10_000),
  },
  {
    name: 'CSV, two rows 30 days apart (66 B)',
    file: 'gap.csv',
    bytes: new TextEncoder().encode(
      `timestamp,sport,power\n${iso(0)},cycling,200\n${iso(30 * 86400)},,210\n`,
    ),
  },
];

const rows = [];
for (const c of cases) rows.push(await measure(c));
console.table(rows);
const commit = execFileSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
console.log(`wrote ${writeBenchResult(`ingest-stall-${commit}`, { repo: REPO, commit, rows })}`);

async function measure(c: (typeof cases)[number]) {
  // A port of its own per case: a server cut off by a stalled case may take a moment to go.
  const PORT = port++;
  const BASE = `http://127.0.0.1:${PORT}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'peakform-stall-'));
  const peakform = join(REPO, 'bin/peakform.mjs');
  const token = execFileSync('node', [peakform, 'token', 'create', '--data', dataDir, '--athlete', 'stall'], {
    encoding: 'utf8',
  }).trim();
  const server: ChildProcess = spawn('node', [peakform, 'serve', '--data', dataDir, '--port', String(PORT)], {
    stdio: 'ignore',
  });
  try {
    await waitForHealth(BASE);
    const latencies: number[] = [];
    let running = true;
    let inFlightSince: number | undefined;
    const probe = (async () => {
      while (running) {
        const started = performance.now();
        inFlightSince = started;
        await fetch(`${BASE}/health`).then(
          (r) => r.arrayBuffer(),
          () => undefined,
        );
        inFlightSince = undefined;
        if (running) latencies.push(performance.now() - started);
        await new Promise((done) => setTimeout(done, PROBE_EVERY_MS));
      }
    })();
    const form = new FormData();
    form.append('files', new Blob([c.bytes as Uint8Array<ArrayBuffer>]), c.file);
    const t0 = performance.now();
    const status = await fetch(`${BASE}/api/v1/activities/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
      signal: AbortSignal.timeout(CASE_LIMIT_MS),
    }).then(
      async (r) =>
        `${r.status} ${((await r.json()) as { sources?: { status: string }[] }).sources?.[0]?.status ?? ''}`,
      () => `cut off after ${CASE_LIMIT_MS / 1000} s`,
    );
    const uploadMs = performance.now() - t0;
    running = false;
    // A probe still waiting when the upload ends (or is cut off) has stalled at least this long.
    if (inFlightSince !== undefined) latencies.push(performance.now() - inFlightSince);
    await Promise.race([probe, new Promise((done) => setTimeout(done, 2000))]);
    latencies.sort((a, b) => a - b);
    return {
      file: c.name,
      status,
      uploadMs: Math.round(uploadMs),
      probes: latencies.length,
      probeMaxMs: Math.round(latencies.at(-1) ?? uploadMs),
      probeP99Ms: Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? uploadMs),
    };
  } finally {
    const exited = new Promise((done) => server.once('exit', done));
    server.kill('SIGKILL');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  }
}
